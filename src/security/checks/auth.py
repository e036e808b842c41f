"""Checks of authentication, session and throttling settings (ids 090-099)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from .. import conf
from ..auth_throttling import config as throttling_config
from .util import TAG, installed, path_rule_errors

_LOGIN_REQUIRED = "security.middleware.auth.LoginRequiredMiddleware"
_PASSWORD_CHANGE_MW = "security.middleware.auth.MandatoryPasswordChangeMiddleware"  # noqa: S105
_SESSION_EXPIRY = "security.middleware.session.SessionExpiryPolicyMiddleware"
_THROTTLING_BACKEND = "security.auth_throttling.backends.ThrottlingBackend"
_AUTH_PROCESSOR = "django.contrib.auth.context_processors.auth"
_UNSHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "keeps counters per process",
    "django.core.cache.backends.dummy.DummyCache": "stores nothing, so nothing is throttled",
    "django.core.cache.backends.db.DatabaseCache": "increments with get-then-set, not atomically",
    "django.core.cache.backends.filebased.FileBasedCache": "increments with get-then-set, not atomically",
}

_MPC_KEYS = {"URL_NAME", "EXEMPT_URL_NAMES", "INCLUDE_SUPERUSERS"}


def _installed(dotted: str) -> bool:
    from django.utils.module_loading import import_string

    return installed(import_string(dotted))


@checks.register(TAG)
def check_login_required(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E090 (LOGIN_EXEMPT_URLS), E091 (LOGIN_URL), W091 (auth context processor)."""
    if not _installed(_LOGIN_REQUIRED):
        return []
    messages = path_rule_errors("LOGIN_EXEMPT_URLS", conf.get("LOGIN_EXEMPT_URLS"), "security.E090")
    login_url = getattr(settings, "LOGIN_URL", None)
    if not login_url:
        messages.append(
            checks.Error(
                "LoginRequiredMiddleware needs LOGIN_URL, which is empty.",
                hint="Set LOGIN_URL to the path or URL name of your login view.",
                obj="LOGIN_URL",
                id="security.E091",
            )
        )
    else:
        try:
            resolve_url(login_url)
        except NoReverseMatch:
            messages.append(
                checks.Error(
                    f"LOGIN_URL {login_url!r} is neither a path nor a URL name that can be reversed.",
                    hint="Use a path such as '/accounts/login/' or the name of your login URL pattern.",
                    obj="LOGIN_URL",
                    id="security.E091",
                )
            )
    django_templates = [
        engine
        for engine in getattr(settings, "TEMPLATES", [])
        if engine.get("BACKEND") == "django.template.backends.django.DjangoTemplates"
    ]
    if django_templates and not any(
        _AUTH_PROCESSOR in engine.get("OPTIONS", {}).get("context_processors", [])
        for engine in django_templates
    ):
        messages.append(
            checks.Warning(
                "LoginRequiredMiddleware is installed but no template engine has the auth context processor.",
                hint=f"Add {_AUTH_PROCESSOR!r} to TEMPLATES[...]['OPTIONS']['context_processors'].",
                obj=_LOGIN_REQUIRED,
                id="security.W091",
            )
        )
    return messages


def _mandatory_password_change_problems(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"must be a dict, not {type(value).__name__}"]
    found = [f"unknown key {key!r}" for key in value if key not in _MPC_KEYS]
    if not isinstance(value.get("URL_NAME"), str) or not value.get("URL_NAME"):
        found.append("URL_NAME (the URL name of the password-change view) is required")
    exempt = value.get("EXEMPT_URL_NAMES", ())
    if isinstance(exempt, str) or not isinstance(exempt, list | tuple | set | frozenset):
        found.append("EXEMPT_URL_NAMES must be a list of URL names")
    elif not all(isinstance(name, str) for name in exempt):
        found.append("EXEMPT_URL_NAMES must contain URL names (strings) only")
    if not isinstance(value.get("INCLUDE_SUPERUSERS", False), bool):
        found.append("INCLUDE_SUPERUSERS must be True or False")
    return found


@checks.register(TAG)
def check_mandatory_password_change(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E092 (MANDATORY_PASSWORD_CHANGE shape), E093 (URL_NAME reversible), E098 (expiry days)."""
    messages: list[checks.CheckMessage] = []
    days = conf.get("PASSWORD_EXPIRY_DAYS")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int | float) or days <= 0):
        messages.append(
            checks.Error(
                f"PASSWORD_EXPIRY_DAYS must be a positive number of days or None, not {days!r}.",
                hint="Set PASSWORD_EXPIRY_DAYS = 90 (for example), or None for passwords that never expire.",
                obj="PASSWORD_EXPIRY_DAYS",
                id="security.E098",
            )
        )
    if not (_installed(_PASSWORD_CHANGE_MW) or conf.is_set("MANDATORY_PASSWORD_CHANGE")):
        return messages
    value = conf.get("MANDATORY_PASSWORD_CHANGE")
    problems = _mandatory_password_change_problems(value)
    for problem in problems:
        messages.append(
            checks.Error(
                f"MANDATORY_PASSWORD_CHANGE: {problem}.",
                hint='Write MANDATORY_PASSWORD_CHANGE = {"URL_NAME": "password_change", '
                '"EXEMPT_URL_NAMES": [], "INCLUDE_SUPERUSERS": False}.',
                obj="MANDATORY_PASSWORD_CHANGE",
                id="security.E092",
            )
        )
    if not problems:
        try:
            reverse(value["URL_NAME"])
        except NoReverseMatch:
            messages.append(
                checks.Error(
                    f"MANDATORY_PASSWORD_CHANGE URL_NAME {value['URL_NAME']!r} cannot be reversed.",
                    hint="Use the name of a URL pattern without arguments, e.g. 'password_change' "
                    "from django.contrib.auth.urls.",
                    obj="MANDATORY_PASSWORD_CHANGE",
                    id="security.E093",
                )
            )
    return messages


def _positive_seconds(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value > 0


@checks.register(TAG)
def check_session_expiry(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E094 (timeout/granularity values), W094 (granularity not below the timeout)."""
    if not _installed(_SESSION_EXPIRY):
        return []
    messages: list[checks.CheckMessage] = []
    timeout = conf.get("SESSION_INACTIVITY_TIMEOUT")
    granularity = conf.get("SESSION_ACTIVITY_GRANULARITY")
    if timeout is not None and not _positive_seconds(timeout):
        messages.append(
            checks.Error(
                f"SESSION_INACTIVITY_TIMEOUT must be a positive number of seconds or None, not {timeout!r}.",
                hint="Set SESSION_INACTIVITY_TIMEOUT = 1800 (30 minutes), or None for no idle timeout.",
                obj="SESSION_INACTIVITY_TIMEOUT",
                id="security.E094",
            )
        )
    if not _positive_seconds(granularity):
        messages.append(
            checks.Error(
                f"SESSION_ACTIVITY_GRANULARITY must be a positive number of seconds, not {granularity!r}.",
                hint="Set SESSION_ACTIVITY_GRANULARITY = 60 (the default).",
                obj="SESSION_ACTIVITY_GRANULARITY",
                id="security.E094",
            )
        )
    elif _positive_seconds(timeout) and granularity >= timeout:
        messages.append(
            checks.Warning(
                f"SESSION_ACTIVITY_GRANULARITY ({granularity}s) is not below SESSION_INACTIVITY_TIMEOUT "
                f"({timeout}s): active users can be logged out as idle.",
                hint="Keep the granularity a small fraction of the timeout (e.g. a tenth).",
                obj="SESSION_ACTIVITY_GRANULARITY",
                id="security.W094",
            )
        )
    return messages


@checks.register(TAG)
def check_throttling(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E095 (AUTH_THROTTLING), W096 (cache not shared/atomic), W097 (backend placement)."""
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    in_use = _THROTTLING_BACKEND in backends
    if not (in_use or conf.is_set("AUTH_THROTTLING")):
        return []
    messages: list[checks.CheckMessage] = []
    value = conf.get("AUTH_THROTTLING")
    for problem in throttling_config.problems(value):
        messages.append(
            checks.Error(
                f"AUTH_THROTTLING: {problem}.",
                hint="See the login throttling documentation for the keys and their types.",
                obj="AUTH_THROTTLING",
                id="security.E095",
            )
        )
    alias = {**throttling_config.DEFAULTS, **(value if isinstance(value, dict) else {})}["CACHE"]
    caches = getattr(settings, "CACHES", {})
    if isinstance(alias, str) and alias not in caches:
        messages.append(
            checks.Error(
                f"AUTH_THROTTLING uses the cache {alias!r}, which is not in CACHES.",
                hint="Set AUTH_THROTTLING['CACHE'] to an alias of CACHES (a Redis cache in production).",
                obj="AUTH_THROTTLING",
                id="security.E095",
            )
        )
    elif isinstance(alias, str):
        why = _UNSHARED_CACHES.get(caches[alias].get("BACKEND", ""))
        if why:
            messages.append(
                checks.Warning(
                    f"Login throttling counts in the {alias!r} cache, which {why}; "
                    "limits do not hold across processes and servers.",
                    hint="Use django.core.cache.backends.redis.RedisCache (or Memcached) for that cache.",
                    obj="AUTH_THROTTLING",
                    id="security.W096",
                )
            )
    if not in_use or backends[0] != _THROTTLING_BACKEND:
        messages.append(
            checks.Warning(
                f"{_THROTTLING_BACKEND} is not the first entry of AUTHENTICATION_BACKENDS, "
                "so passwords can be checked before the throttle refuses an attempt.",
                hint=f"Put {_THROTTLING_BACKEND!r} first in AUTHENTICATION_BACKENDS.",
                obj="AUTHENTICATION_BACKENDS",
                id="security.W097",
            )
        )
    return messages
