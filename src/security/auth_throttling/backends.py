"""``ThrottlingBackend``: put it first in ``AUTHENTICATION_BACKENDS``.

Django asks each backend in turn; this one never authenticates anybody.  It
reserves the attempt and, when the username or the client IP is throttled,
raises ``PermissionDenied``, which makes ``authenticate()`` stop before any
password is checked.  Otherwise it returns ``None`` and the next backend
(e.g. ``ModelBackend``) checks the credentials as usual.  The reservation
counts as a failure only when ``user_login_failed`` follows (see ``pending``).
A wrong ``AUTH_THROTTLING`` raises ``ImproperlyConfigured`` here: no login
goes unthrottled because of a typo.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import pending
from .config import required
from .core import REQUEST_ATTRIBUTE, Decision, Throttle


def username_from(credentials: dict[str, Any]) -> object:
    """The account identifier among the credentials passed to ``authenticate()``.

    ``username``, else the user model's ``USERNAME_FIELD``, else ``email``
    (backends that log in by e-mail address): a guess always draws on a budget.
    """
    for key in ("username", get_user_model().USERNAME_FIELD, "email"):
        if credentials.get(key) is not None:
            return credentials[key]
    return None


def _reserved_by_middleware(request: HttpRequest | None) -> bool:
    """``security.auth_throttling.Middleware`` already counted this request's attempt."""
    decision = getattr(request, REQUEST_ATTRIBUTE, None)
    return isinstance(decision, Decision) and decision.by_middleware


class ThrottlingBackend:
    """Refuses throttled login attempts before any other backend checks the password.

    Deliberately not a ``BaseBackend``: without ``get_user`` and the permission
    methods it can never become the backend a session is bound to (the test
    client's ``force_login`` and ``login()`` pick the next backend).
    """

    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if _reserved_by_middleware(request):
            return None
        pending.give_back_unsettled()  # the previous attempt here was not reported as failed
        decision = Throttle(required()).attempt(request, username_from(credentials))
        pending.remember(decision)
        if request is not None:
            setattr(request, REQUEST_ATTRIBUTE, decision)
        if not decision.allowed:
            raise PermissionDenied(decision.message)
        return None

    async def aauthenticate(self, request: HttpRequest | None, **credentials: Any) -> None:
        if _reserved_by_middleware(request):
            return None
        await pending.agive_back_unsettled()
        decision = await Throttle(required()).aattempt(request, username_from(credentials))
        pending.remember(decision)
        if request is not None:
            setattr(request, REQUEST_ATTRIBUTE, decision)
        if not decision.allowed:
            raise PermissionDenied(decision.message)
        return None
