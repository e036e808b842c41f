"""Which account a typed identifier names: the name its login budgets are counted under.

A username and an e-mail address of one account must draw on one budget, or
a guesser gets one budget per identifier.  So the identifier is resolved the
way the login backends resolve it: the user model's own natural-key lookup
(``get_by_natural_key``, what ``ModelBackend`` calls; indexed), and for an
e-mail-shaped identifier that is nobody's username, a case-insensitive match
on the model's e-mail field that counts only when exactly one account has
that address.  A found account is counted under its username, normalised
(:func:`normalise_username`: NFKC, case-folded); an identifier that names
nobody under its own normalised text.  So every spelling of a username that
a case-insensitive backend would accept (``Alice``, ``alice``, ``ALICE``)
lands on the same budget as the account's e-mail address, without a query
per spelling.

The lookups are the model's code and the client's input: no error of theirs
reaches the caller; the identifier is then counted by its text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import (
    FieldDoesNotExist,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.db import DataError

from ..log import logger

#: Longest value looked up when the model's field declares no ``max_length``.
MAX_LOOKUP_LENGTH = 1024

#: The first element of a natural-key lookup in :func:`lookups` (no field name has a space).
NATURAL_KEY = "natural key"

#: A lookup that finds nobody (or more than one account) raises one of these; ``DataError``: a
#: value the database refuses (PostgreSQL's text holds no NUL) names nobody either.
_NOT_FOUND = (
    DataError,
    ObjectDoesNotExist,
    MultipleObjectsReturned,
    ValidationError,
    ValueError,
    TypeError,
    OverflowError,
)

_reported: set[str] = set()


def normalise_username(username: object) -> str | None:
    """The form usernames are counted under: NFKC, stripped and case-folded (stricter, never looser).

    ``AbstractBaseUser.normalize_username`` applies NFKC, and many user models
    look usernames or e-mail addresses up case-insensitively: every variant
    such a lookup treats as one account shares one budget.  Integer
    identifiers count as their decimal text.
    """
    text = _text(username)
    name = unicodedata.normalize("NFKC", text).strip().casefold() if text is not None else ""
    return name or None


def key_of_user(user: Any) -> str | None:
    """The budget name of a user object (a logged-in user): their normalised username, no query."""
    return normalise_username(user.get_username())


def _text(identifier: object) -> str | None:
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        return str(identifier)
    return identifier if isinstance(identifier, str) else None


def _user_model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


def _fits(model: Any, field_name: str, value: str) -> bool:
    """Whether a stored value could equal ``value``: a longer one than the field holds names nobody.

    This bounds what a stranger's identifier costs the database.
    """
    try:
        limit = model._meta.get_field(field_name).max_length or MAX_LOOKUP_LENGTH
    except FieldDoesNotExist:
        limit = MAX_LOOKUP_LENGTH
    return len(value) <= limit


def _email_field(model: Any) -> str | None:
    getter = getattr(model, "get_email_field_name", None)
    name = getter() if callable(getter) else None
    if not isinstance(name, str):
        return None
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return name


def lookups(model: Any, identifier: object) -> Iterator[tuple[str, str]]:
    """The lookups that resolve ``identifier``, in order: ``(NATURAL_KEY, value)`` or ``(e-mail field, value)``.

    First the natural key as the model stores usernames (``normalize_username``:
    NFKC, here also stripped, as Django's login form does); for an identifier
    with ``@``, the e-mail field.  Other spellings of a username need no
    lookup: their normalised text is the account's budget name already.
    """
    text = _text(identifier)
    if text is None:
        return
    normalize = getattr(model, "normalize_username", None)
    typed = normalize(text) if callable(normalize) else unicodedata.normalize("NFKC", text)
    typed = typed.strip() if isinstance(typed, str) else text.strip()
    if not typed or "\x00" in typed:
        # Django's forms refuse NUL, so no stored name holds one; PostgreSQL would raise a DataError
        # that breaks an enclosing transaction (ATOMIC_REQUESTS) for the rest of the request.
        return
    username_field = getattr(model, "USERNAME_FIELD", "username")
    if _fits(model, username_field, typed):
        yield NATURAL_KEY, typed
    email = _email_field(model) if "@" in typed else None
    if email and _fits(model, email, typed):
        yield email, typed


def _report(error: Exception) -> None:
    """An unexpected error of the model's lookup: logged once per kind (never the identifier)."""
    kind = type(error).__name__
    if kind not in _reported:
        _reported.add(kind)
        logger.warning(
            "Login throttle: the user lookup raised %s; such identifiers are counted by their text "
            '(set AUTH_THROTTLING["ACCOUNT_LOOKUP"] = False to skip the lookup)',
            kind,
        )


def _email_queryset(model: Any, field: str, value: str) -> Any:
    manager = model._default_manager
    return manager.filter(**{f"{field}__iexact": value}).values_list(model.USERNAME_FIELD, flat=True)[:2]


def find(identifier: object) -> str | None:
    """The budget name of the one account ``identifier`` names, or ``None`` when it names nobody."""
    try:
        model = _user_model()
        for field, value in lookups(model, identifier):
            try:
                if field == NATURAL_KEY:
                    return key_of_user(model._default_manager.get_by_natural_key(value))
                found = list(_email_queryset(model, field, value))
            except _NOT_FOUND:
                continue
            if len(found) == 1:
                return normalise_username(found[0])
    except Exception as error:  # the model's code, whatever it raises: count the identifier by its text
        _report(error)
    return None


async def afind(identifier: object) -> str | None:
    """Async form of :func:`find` (the ORM's async API: ``aget_by_natural_key``, async iteration)."""
    try:
        model = _user_model()
        for field, value in lookups(model, identifier):
            try:
                if field == NATURAL_KEY:
                    return key_of_user(await _aget_by_natural_key(model, value))
                found = [name async for name in _email_queryset(model, field, value)]
            except _NOT_FOUND:
                continue
            if len(found) == 1:
                return normalise_username(found[0])
    except Exception as error:
        _report(error)
    return None


async def _aget_by_natural_key(model: Any, value: str) -> Any:
    manager = model._default_manager
    lookup = getattr(manager, "aget_by_natural_key", None)
    if lookup is not None:
        return await lookup(value)
    return await manager.aget(**{model.USERNAME_FIELD: value})  # a manager without the async form


def resolve(identifier: object) -> tuple[str | None, bool]:
    """The budget name of ``identifier`` and whether it names an account (``None``: no name at all)."""
    name = normalise_username(identifier)
    if not name:
        return None, False
    found = find(identifier)
    return (found, True) if found else (name, False)


async def aresolve(identifier: object) -> tuple[str | None, bool]:
    """Async form of :func:`resolve`."""
    name = normalise_username(identifier)
    if not name:
        return None, False
    found = await afind(identifier)
    return (found, True) if found else (name, False)


def account_key(identifier: object) -> str | None:
    """The budget name of ``identifier``: its account's, else its normalised text (``None``: no name)."""
    return resolve(identifier)[0]
