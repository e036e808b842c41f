"""Password expiry rules: who must change their password, and when that changes.

The rules, in one place:

* A new user's password is expired until they change it: a user without a
  :class:`~security.models.PasswordExpiry` row counts as expired, and the
  password-change middleware creates the row (expired) the first time it
  looks, as documented ("created by the middleware").  Creating a user
  creates no row, so signup code, data imports and factories can still call
  ``PasswordExpiry.objects.create(user=...)``.
* Changing the password (``set_password`` followed by ``save``, which is what
  Django's password-change and set-password forms and views do) moves the
  expiry to ``now + PASSWORD_EXPIRY_DAYS`` days, or clears it when that
  setting is ``None`` (the default), and records the time of the change: a
  password older than ``PASSWORD_EXPIRY_DAYS`` is expired even when it was
  changed while the setting was off.
* "Never expire" clears both the date and the time of the change.
* Anonymous users never have an expired password; superusers only when
  ``MANDATORY_PASSWORD_CHANGE["INCLUDE_SUPERUSERS"]`` is true.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.db.models.signals import post_save
from django.utils import timezone

from . import conf
from .log import logger
from .models import PasswordExpiry

UserLike = AbstractBaseUser | AnonymousUser


def include_superusers() -> bool:
    """``MANDATORY_PASSWORD_CHANGE["INCLUDE_SUPERUSERS"]`` (default ``False``)."""
    options = conf.get("MANDATORY_PASSWORD_CHANGE")
    return bool(isinstance(options, dict) and options.get("INCLUDE_SUPERUSERS", False))


def next_expiry_date(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The expiry date a freshly changed password gets (``None``: never expires)."""
    days = conf.get("PASSWORD_EXPIRY_DAYS")
    if not days:
        return None
    return (now or timezone.now()) + datetime.timedelta(days=days)


def _subject_to_expiry(user: UserLike, superusers: bool | None) -> bool:
    if not user.is_authenticated or user.pk is None:
        return False
    if getattr(user, "is_superuser", False):
        return include_superusers() if superusers is None else superusers
    return True


def password_is_expired(user: UserLike, include_superusers: bool | None = None) -> bool:
    """Whether ``user`` must change their password before doing anything else.

    ``include_superusers`` overrides the ``MANDATORY_PASSWORD_CHANGE`` setting.
    """
    if not _subject_to_expiry(user, include_superusers):
        return False
    expiry, _ = PasswordExpiry.objects.get_or_create(user_id=user.pk)
    return bool(expiry.is_expired())


async def apassword_is_expired(user: UserLike, include_superusers: bool | None = None) -> bool:
    """Async form of :func:`password_is_expired` (async ORM, no thread hop)."""
    if not _subject_to_expiry(user, include_superusers):
        return False
    expiry, _ = await PasswordExpiry.objects.aget_or_create(user_id=user.pk)
    return bool(expiry.is_expired())


def _set_expiry(users: Iterable[Model], date: datetime.datetime | None, **more: Any) -> int:
    count = 0
    for user in users:
        PasswordExpiry.objects.update_or_create(
            user_id=user.pk, defaults={"password_expiry_date": date, **more}
        )
        count += 1
    return count


def expire_password(user: Model) -> None:
    """Expire ``user``'s password now: they must change it on their next request."""
    _set_expiry([user], timezone.now())


def never_expire_password(user: Model) -> None:
    """Make ``user``'s password never expire (clears the expiry date and the age rule)."""
    _set_expiry([user], None, password_changed_at=None)


def password_changed(user: Model) -> None:
    """Record that ``user`` has just chosen a new password (moves the expiry forward)."""
    now = timezone.now()
    _set_expiry([user], next_expiry_date(now), password_changed_at=now)


def expire_passwords(users: Iterable[Model]) -> int:
    """Expire the passwords of many users; returns how many."""
    count = _set_expiry(users, timezone.now())
    logger.info("Expired the passwords of %d user(s)", count)
    return count


def never_expire_passwords(users: Iterable[Model]) -> int:
    """Make the passwords of many users never expire; returns how many."""
    return _set_expiry(users, None, password_changed_at=None)


# -- signal handlers ---------------------------------------------------------------


def on_user_saved(sender: type[Model], instance: Model, created: bool, raw: bool = False, **_: Any) -> None:
    """A saved password change of an existing user moves the expiry forward.

    ``set_password`` keeps the raw password in ``_password`` until ``save``
    finishes, so ``post_save`` can tell a password change from other saves
    without a query.  A new user's first password is not a change: the user
    gets no row and so counts as expired.  Fixture loading (``raw``) is left alone.
    """
    if raw or created:
        return
    if getattr(instance, "_password", None) is not None:
        password_changed(instance)


def connect() -> None:
    """Connect the receivers (called by ``security.signals.connect``)."""
    post_save.connect(
        on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="security.password_expiry.on_user_saved"
    )
