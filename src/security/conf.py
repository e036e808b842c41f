"""Settings access: documented defaults and compiled values cached until a setting changes.

Every setting the package reads is listed in :data:`DEFAULTS` with its
documented default.  Code that turns settings into something ready to use
(header values, compiled regexes) is wrapped in :func:`compiled`, so it runs
once and again only after Django's ``setting_changed`` signal (sent by
``override_settings`` in tests) drops every cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import global_settings, settings
from django.core.signals import setting_changed

T = TypeVar("T")

#: Marker for "no documented default: the setting is required when its feature is on".
REQUIRED = object()

#: Every setting of the package and its documented default.
DEFAULTS: dict[str, Any] = {
    # -- response headers ------------------------------------------------------
    "STS_MAX_AGE": 60 * 60 * 24 * 365,
    "STS_INCLUDE_SUBDOMAINS": True,
    "STS_PRELOAD": False,
    "STS_SECURE_ONLY": False,
    "NOSNIFF_LEGACY_HEADER": True,
    "X_FRAME_OPTIONS": "sameorigin",
    "X_FRAME_OPTIONS_EXCLUDE_URLS": (),
    "X_FRAME_OPTIONS_CSP": False,
    "XSS_PROTECT": "sanitize",
    "P3P_COMPACT_POLICY": REQUIRED,
    "P3P_POLICY_URL": "/w3c/p3p.xml",
    "NO_CONFIDENTIAL_CACHING": {},
    "REFERRER_POLICY": "same-origin",
    "PERMISSIONS_POLICY": {},
    "CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "CROSS_ORIGIN_EMBEDDER_POLICY": None,
    "CROSS_ORIGIN_RESOURCE_POLICY": "same-origin",
    "CLEAR_SITE_DATA": ("cache", "cookies", "storage"),
    "CLEAR_SITE_DATA_URLS": (),
    "GPC_SUPPORTED": True,
    "GPC_LAST_UPDATE": None,
    "SECURITY_HEADERS": (
        "nosniff",
        "hsts",
        "frame-options",
        "referrer-policy",
        "permissions-policy",
        "cross-origin",
        "clear-site-data",
    ),
    # -- content security policy -----------------------------------------------
    "CSP_MODE": "enforce",
    "CSP_DICT": None,
    "CSP_STRING": None,
    "CSP_REPORT_ONLY_DICT": None,
    "CSP_REPORT_ONLY_STRING": None,
    "CSP_REPORTING_ENDPOINTS": {},
    # -- CSP report collection ---------------------------------------------------
    "CSP_REPORTS_MAX_BODY": 64 * 1024,
    "CSP_REPORTS_RATE_LIMIT": 120,
    "CSP_REPORTS_RATE_WINDOW": 60,
    "CSP_REPORTS_CACHE": "default",
    "CSP_REPORTS_SAMPLE_RATE": 100,
    "CSP_REPORTS_SAVE_RAW": True,
    "CSP_REPORTS_AGGREGATE": True,
    "CSP_REPORTS_RETENTION_DAYS": 30,
    "CSP_REPORTS_MAX_AGGREGATES": 10_000,
    "CSP_REPORTS_URLS_SAVE": True,
    # -- report collection bounds and buffering (issue 11) ----------------------
    "CSP_REPORTS_MAX_PER_REQUEST": 100,
    "CSP_REPORTS_NEW_PER_CLIENT": 20,
    "CSP_REPORTS_SAMPLES_PER_VIOLATION": 5,
    "CSP_REPORTS_RAW_PER_WINDOW": 1000,
    "CSP_REPORTS_SAMPLE_WINDOW": 3600,
    "CSP_REPORTS_FLUSH_INTERVAL": 1.0,
    "CSP_REPORTS_FLUSH_REPORTS": 1000,
    "CSP_REPORTS_LOG_INTERVAL": 10.0,
    "CSP_REPORTS_LOG_LINES": 100,
    "CSP_REPORTS_LOG_REPEATS": 10,
    "SECURITY_REPORTS_ENDPOINT": None,
    # -- authentication and sessions --------------------------------------------
    "LOGIN_EXEMPT_URLS": (),
    "LOGIN_EXEMPT_MEDIA": False,
    "MANDATORY_PASSWORD_CHANGE": {},
    "PASSWORD_EXPIRY_DAYS": None,
    "SESSION_INACTIVITY_TIMEOUT": 30 * 60,
    "SESSION_ACTIVITY_GRANULARITY": 60,
    "AUTH_THROTTLING": {},
    "CUSTOM_LOGOUT_MODULE": None,
    "AUTHENTICATION_THROTTLING": REQUIRED,  # the original's front door (security.auth_throttling.Middleware)
    # -- client addresses behind proxies (throttling and report limits) ---------
    "SECURITY_TRUSTED_PROXIES": (),
    "SECURITY_TRUSTED_PROXY_HOPS": 0,
    "SECURITY_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
}

#: Django's own global settings that share a name with one of ours.  Django
#: always defines them, so "set" means "set by the project" for these.
_SHADOWED_BY_DJANGO = frozenset({"X_FRAME_OPTIONS"})

#: Settings whose values go into a response header verbatim (checked for CR, LF
#: and non-latin-1 characters at start-up by ``security.E031``).
HEADER_VALUE_SETTINGS: frozenset[str] = frozenset(
    {"P3P_COMPACT_POLICY", "P3P_POLICY_URL", "CSP_STRING", "CSP_REPORT_ONLY_STRING"}
)


def is_set(name: str) -> bool:
    """Whether the project's settings define ``name``."""
    if name in _SHADOWED_BY_DJANGO:
        overridden: bool = settings.is_overridden(name)  # type: ignore[misc]
        return overridden
    return hasattr(settings, name)


#: Settings for which ``None`` is a value of its own (the header is not sent, no limit).
NONE_IS_A_VALUE = frozenset(
    {
        "CROSS_ORIGIN_OPENER_POLICY",
        "CROSS_ORIGIN_EMBEDDER_POLICY",
        "CROSS_ORIGIN_RESOURCE_POLICY",
        "CSP_REPORTS_RATE_LIMIT",
        "CSP_REPORTS_RETENTION_DAYS",
        "CSP_REPORTS_MAX_AGGREGATES",
        "CSP_REPORTS_NEW_PER_CLIENT",
        "CSP_REPORTS_RAW_PER_WINDOW",
        "SESSION_INACTIVITY_TIMEOUT",  # None: no idle timeout (documented)
    }
)
#: What ``None`` means where it is not the documented default: the original's fallback.
NONE_MEANS: dict[str, Any] = {"X_FRAME_OPTIONS": "deny"}


def effective(name: str, value: Any, *, present: bool = True) -> Any:
    """The value the package uses for ``name`` when the project wrote ``value``.

    An absent setting, or ``None`` for an optional one, means "use the default"
    (the documented ``load_setting`` contract); required settings without a
    value give ``None`` for the middleware to report by name.
    """
    if present and (value is not None or name in NONE_IS_A_VALUE):
        return value
    if present and name in NONE_MEANS:
        return NONE_MEANS[name]
    default = DEFAULTS[name]
    return None if default is REQUIRED else default


def is_djangos_default(name: str, value: Any) -> bool:
    """Whether ``value`` of a name Django also defines is just Django's default, not the project's."""
    return name in _SHADOWED_BY_DJANGO and not is_set(name) and value == getattr(global_settings, name)


def get(name: str) -> Any:
    """The project's value of ``name`` as the package uses it (see :func:`effective`)."""
    present = is_set(name)
    return effective(name, getattr(settings, name) if present else None, present=present)


_cache_clears: list[Callable[[], None]] = []


def compiled(builder: Callable[[], T]) -> Callable[[], T]:
    """Cache a zero-argument builder of settings-derived values until a setting changes."""
    cached = functools.cache(builder)
    _cache_clears.append(cached.cache_clear)
    return cached


def reset(**_: Any) -> None:
    """Drop every compiled value; the next call of each builder reads settings anew."""
    for clear in _cache_clears:
        clear()


setting_changed.connect(reset, dispatch_uid="security.conf.reset")
