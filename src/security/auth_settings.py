"""One validator per authentication, session and throttling setting.

Each ``*_problems`` function says what is wrong with one setting's value (an
empty list when it is usable).  The middleware call them when they are built
and again before the first request after a ``setting_changed`` (see
:mod:`security.middleware.compiled`; :func:`require` turns a problem into
``ImproperlyConfigured`` naming the setting); the system checks in
:mod:`security.checks.auth` report the same problems.  There is no second
copy of any rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import paths

#: Keys of ``MANDATORY_PASSWORD_CHANGE`` (``EXEMPT_URLS`` is the original project's regex list).
MANDATORY_PASSWORD_CHANGE_KEYS = frozenset(
    {"URL_NAME", "EXEMPT_URL_NAMES", "EXEMPT_URLS", "INCLUDE_SUPERUSERS", "REDIRECT_WITH_NEXT"}
)

#: Keys of the original project's ``AUTHENTICATION_THROTTLING``.
AUTHENTICATION_THROTTLING_KEYS = frozenset(
    {"LOGIN_URLS_WITH_TEMPLATES", "DELAY_FUNCTION", "REDIRECT_FIELD_NAME"}
)


def require(setting: str, problems: list[str]) -> None:
    """Raise ``ImproperlyConfigured`` naming ``setting`` when ``problems`` is not empty."""
    if problems:
        raise ImproperlyConfigured(f"{setting}: {'; '.join(problems)}.")


def bool_problems(value: Any) -> list[str]:
    return [] if isinstance(value, bool) else [f"must be True or False, not {value!r}"]


def _is_list(value: Any) -> bool:
    return not isinstance(value, str) and isinstance(value, list | tuple)


def path_rules_problems(value: Any) -> list[str]:
    """A list of URL regexes (``LOGIN_EXEMPT_URLS``, ``EXEMPT_URLS``)."""
    if not _is_list(value):
        return [f"must be a list of regular expressions, not {type(value).__name__}"]
    return [problem for rule in value if (problem := paths.compile_error(rule))]


def login_url_problems(value: Any) -> list[str]:
    """``LOGIN_URL``: not empty (whether it resolves is checked by ``security.E091`` once URLs load)."""
    return [] if value else ["must be the path or URL name of the login view, not empty"]


def url_names_problems(value: Any) -> list[str]:
    if not isinstance(value, list | tuple | set | frozenset):
        return [f"EXEMPT_URL_NAMES must be a list of URL names, not {type(value).__name__}"]
    if not all(isinstance(name, str) for name in value):
        return ["EXEMPT_URL_NAMES must contain URL names (strings) only"]
    return []


def mandatory_password_change_problems(value: Any) -> list[str]:
    """``MANDATORY_PASSWORD_CHANGE``: a dict with a ``URL_NAME`` (reversing it is checked separately)."""
    if not isinstance(value, dict):
        return [f"must be a dict, not {type(value).__name__}"]
    found = [f"unknown key {key!r}" for key in value if key not in MANDATORY_PASSWORD_CHANGE_KEYS]
    if not isinstance(value.get("URL_NAME"), str) or not value.get("URL_NAME"):
        found.append("URL_NAME (the URL name of the password-change view) is required")
    found += url_names_problems(value.get("EXEMPT_URL_NAMES") or ())
    found += [f"EXEMPT_URLS {problem}" for problem in path_rules_problems(value.get("EXEMPT_URLS") or ())]
    for key in ("INCLUDE_SUPERUSERS", "REDIRECT_WITH_NEXT"):
        if not isinstance(value.get(key, False), bool):
            found.append(f"{key} must be True or False")
    return found


def positive_seconds_problems(value: Any, *, optional: bool) -> list[str]:
    """A positive number of seconds (``None`` allowed when ``optional``: the limit is off)."""
    if value is None and optional:
        return []
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        alternative = " or None" if optional else ""
        return [f"must be a positive number of seconds{alternative}, not {value!r}"]
    return []


def dotted_callable_problems(value: Any) -> list[str]:
    """A dotted path to an importable callable, or ``None``."""
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"must be a dotted path to a function, not {type(value).__name__}"]
    from django.utils.module_loading import import_string

    try:
        target = import_string(value)
    except ImportError as error:
        return [f"{value!r} cannot be imported ({error})"]
    return [] if callable(target) else [f"{value!r} is not callable"]


def _login_url_pairs_problems(value: Any) -> list[str]:
    if not _is_list(value):
        return [f"LOGIN_URLS_WITH_TEMPLATES must be a list of (url, template) pairs, not {value!r}"]
    for pair in value:
        if not _is_list(pair) or len(pair) != 2:
            return [f"LOGIN_URLS_WITH_TEMPLATES entries must be (url, template) pairs, not {pair!r}"]
        url, template = pair
        if not isinstance(url, str) or url.startswith("/"):
            return [f"LOGIN_URLS_WITH_TEMPLATES: {url!r} must be a path without its leading slash"]
        if template is not None and not isinstance(template, str):
            return [f"LOGIN_URLS_WITH_TEMPLATES: template {template!r} must be a template name or None"]
    return []


def authentication_throttling_problems(value: Any) -> list[str]:
    """The original project's ``AUTHENTICATION_THROTTLING`` (read by ``security.auth_throttling.Middleware``)."""
    if not isinstance(value, dict):
        return [f"must be a dict, not {type(value).__name__}"]
    found = [f"unknown key {key!r}" for key in value if key not in AUTHENTICATION_THROTTLING_KEYS]
    if "LOGIN_URLS_WITH_TEMPLATES" not in value:
        found.append("LOGIN_URLS_WITH_TEMPLATES (the login URLs to throttle) is required")
    else:
        found += _login_url_pairs_problems(value["LOGIN_URLS_WITH_TEMPLATES"])
    delay: Callable[..., Any] | None = value.get("DELAY_FUNCTION")
    if delay is not None and not callable(delay):
        found.append(f"DELAY_FUNCTION must be a function of two counts, not {delay!r}")
    field = value.get("REDIRECT_FIELD_NAME")
    if field is not None and (not isinstance(field, str) or not field):
        found.append(f"REDIRECT_FIELD_NAME must be a form field name, not {field!r}")
    return found
