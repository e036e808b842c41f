"""Checks of authentication, session and throttling settings (ids 090-099)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch

from .. import auth_settings, conf
from ..apps import THROTTLING_BACKEND as _THROTTLING_BACKEND
from ..auth_throttling import config as throttling_config
from ..middleware.auth import password_change_url_problem
from ..middleware.session import session_settings_problems
from .util import TAG, installed

_LOGIN_REQUIRED = "security.middleware.auth.LoginRequiredMiddleware"
_PASSWORD_CHANGE_MW = "security.middleware.auth.MandatoryPasswordChangeMiddleware"  # noqa: S105
_SESSION_EXPIRY = "security.middleware.session.SessionExpiryPolicyMiddleware"
_THROTTLING_MIDDLEWARE = "security.auth_throttling.front_door.Middleware"
_AUTH_PROCESSOR = "django.contrib.auth.context_processors.auth"
_UNSHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "keeps counters per process",
    "django.core.cache.backends.dummy.DummyCache": "stores nothing, so nothing is throttled",
    "django.core.cache.backends.db.DatabaseCache": "increments with get-then-set, not atomically",
    "django.core.cache.backends.filebased.FileBasedCache": "increments with get-then-set, not atomically",
}


def _unanchored_routes(patterns: Sequence[Any], prefix: str = "") -> list[str]:
    """``re_path`` regexes without a leading ``^``: Django searches them anywhere in the path."""
    from django.urls.resolvers import RegexPattern, URLResolver

    found = []
    for entry in patterns:
        pattern = entry.pattern
        text = str(pattern)
        if isinstance(pattern, RegexPattern) and not text.startswith(("^", "\\A")):
            found.append(prefix + text)
        if isinstance(entry, URLResolver):
            found += _unanchored_routes(entry.url_patterns, prefix + text)
    return found


def _unanchored_route_warnings() -> list[checks.CheckMessage]:
    from django.urls import get_resolver

    try:
        routes = _unanchored_routes(get_resolver().url_patterns)
    except Exception:  # a URLconf that does not import is Django's own check's business
        return []
    return [
        checks.Warning(
            f"The URL pattern {route!r} has no leading '^': Django finds it anywhere in the path, so it is "
            "also reachable under exempt paths and STATIC_URL, where LoginRequiredMiddleware does not "
            "ask for a login.",
            hint="Anchor the regex with '^' (or use path()).",
            obj=route,
            id="security.W220",
        )
        for route in routes
    ]


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
    exempt = conf.get("LOGIN_EXEMPT_URLS")
    messages: list[checks.CheckMessage] = [
        checks.Error(
            f"LOGIN_EXEMPT_URLS {problem}.",
            hint='Write LOGIN_EXEMPT_URLS = [r"^about/$", ...] (regexes as in urls.py).',
            obj="LOGIN_EXEMPT_URLS",
            id="security.E090",
        )
        for problem in auth_settings.path_rules_problems(() if exempt is None else exempt)
    ]
    media = conf.get("LOGIN_EXEMPT_MEDIA")
    messages += [
        checks.Error(
            f"LOGIN_EXEMPT_MEDIA {problem}.",
            hint="Set LOGIN_EXEMPT_MEDIA = True only when every file under MEDIA_URL is public.",
            obj="LOGIN_EXEMPT_MEDIA",
            id="security.E090",
        )
        for problem in auth_settings.bool_problems(False if media is None else media)
    ]
    messages += _unanchored_route_warnings()
    login_url: Any = getattr(settings, "LOGIN_URL", None)
    problems = auth_settings.login_url_problems(login_url)
    messages += [
        checks.Error(
            f"LOGIN_URL {problem}.",
            hint="Set LOGIN_URL to the path or URL name of your login view.",
            obj="LOGIN_URL",
            id="security.E091",
        )
        for problem in problems
    ]
    if not problems:
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
    problems = auth_settings.mandatory_password_change_problems(value)
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
    url_problem = None if problems else password_change_url_problem(value["URL_NAME"])
    if url_problem:
        messages.append(
            checks.Error(
                f"MANDATORY_PASSWORD_CHANGE: {url_problem}.",
                hint="Use the name of a URL pattern without arguments, e.g. 'password_change' "
                "from django.contrib.auth.urls.",
                obj="MANDATORY_PASSWORD_CHANGE",
                id="security.E093",
            )
        )
    return messages


@checks.register(TAG)
def check_session_expiry(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E094 (the settings SessionExpiryPolicyMiddleware reads), W094 (granularity not below the timeout)."""
    if not _installed(_SESSION_EXPIRY):
        return []
    values = {
        "SESSION_COOKIE_AGE": getattr(settings, "SESSION_COOKIE_AGE", None),
        "SESSION_INACTIVITY_TIMEOUT": conf.get("SESSION_INACTIVITY_TIMEOUT"),
        "SESSION_ACTIVITY_GRANULARITY": conf.get("SESSION_ACTIVITY_GRANULARITY"),
        "CUSTOM_LOGOUT_MODULE": conf.get("CUSTOM_LOGOUT_MODULE"),
    }
    messages: list[checks.CheckMessage] = [
        checks.Error(
            f"{name} {problem}.",
            hint="See the session expiry settings in the authentication documentation.",
            obj=name,
            id="security.E094",
        )
        for name, value in values.items()
        for problem in session_settings_problems(name, value)
    ]
    timeout, granularity = values["SESSION_INACTIVITY_TIMEOUT"], values["SESSION_ACTIVITY_GRANULARITY"]
    if not messages and timeout is not None and granularity >= timeout:
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
def check_authentication_throttling(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E220 (the original's AUTHENTICATION_THROTTLING, read by auth_throttling.Middleware)."""
    if not (_installed(_THROTTLING_MIDDLEWARE) or conf.is_set("AUTHENTICATION_THROTTLING")):
        return []
    return [
        checks.Error(
            f"AUTHENTICATION_THROTTLING: {problem}.",
            hint='Write AUTHENTICATION_THROTTLING = {"LOGIN_URLS_WITH_TEMPLATES": '
            '[("accounts/login/", "registration/login.html")]}.',
            obj="AUTHENTICATION_THROTTLING",
            id="security.E220",
        )
        for problem in auth_settings.authentication_throttling_problems(conf.get("AUTHENTICATION_THROTTLING"))
    ]


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
    if isinstance(alias, str) and alias in caches:
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
