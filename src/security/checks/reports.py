"""Checks of the CSP report collector's settings (security.E080-E089, W080-W089)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from .. import conf
from ..reports.config import interval_problem
from .util import TAG

_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def _positive_int(name: str, check_id: str, allow_none: bool = False) -> list[checks.CheckMessage]:
    if not conf.is_set(name):
        return []
    value = getattr(settings, name)
    if value is None and allow_none:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        none = " or None to switch it off" if allow_none else ""
        return [
            checks.Error(
                f"{name} must be a positive integer{none}, not {value!r}.",
                hint=f"Set {name} to a whole number greater than 0{none}.",
                obj=name,
                id=check_id,
            )
        ]
    return []


def _bool(name: str, check_id: str) -> list[checks.CheckMessage]:
    if not conf.is_set(name) or isinstance(getattr(settings, name), bool):
        return []
    return [
        checks.Error(
            f"{name} must be True or False, not {getattr(settings, name)!r}.",
            hint=f"Set {name} = True or {name} = False.",
            obj=name,
            id=check_id,
        )
    ]


@checks.register(TAG)
def check_report_settings(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[checks.CheckMessage]:
    """security.E080-E085, W080: the collector's limits, cache and retention are usable."""
    errors = _positive_int("CSP_REPORTS_MAX_BODY", "security.E080")
    errors += _positive_int("CSP_REPORTS_RATE_LIMIT", "security.E081", allow_none=True)
    errors += _positive_int("CSP_REPORTS_RATE_WINDOW", "security.E081")
    errors += _positive_int("CSP_REPORTS_RETENTION_DAYS", "security.E084", allow_none=True)
    errors += _positive_int("CSP_REPORTS_MAX_AGGREGATES", "security.E085", allow_none=True)
    for name in ("CSP_REPORTS_SAVE_RAW", "CSP_REPORTS_AGGREGATE", "CSP_REPORTS_URLS_SAVE"):
        errors += _bool(name, "security.E086")
    errors += _bounds_and_buffer()
    errors += _reports_endpoint()
    if conf.is_set("CSP_REPORTS_SAMPLE_RATE"):
        rate = conf.get("CSP_REPORTS_SAMPLE_RATE")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 100:
            errors.append(
                checks.Error(
                    f"CSP_REPORTS_SAMPLE_RATE must be a percentage from 0 to 100, not {rate!r}.",
                    hint="Set CSP_REPORTS_SAMPLE_RATE = 100 to keep every report, 10 to keep one in ten.",
                    obj="CSP_REPORTS_SAMPLE_RATE",
                    id="security.E082",
                )
            )
    alias = conf.get("CSP_REPORTS_CACHE")
    caches = getattr(settings, "CACHES", {}) or {}
    if conf.is_set("CSP_REPORTS_CACHE") and alias not in caches:
        errors.append(
            checks.Error(
                f"CSP_REPORTS_CACHE names the cache {alias!r}, which is not in CACHES.",
                hint=f"Use one of {sorted(caches)} or add {alias!r} to CACHES.",
                obj="CSP_REPORTS_CACHE",
                id="security.E083",
            )
        )
    elif (
        conf.is_set("CSP_REPORTS_RATE_LIMIT")
        and conf.get("CSP_REPORTS_RATE_LIMIT")
        and caches.get(alias, {}).get("BACKEND") in _LOCAL_CACHES
    ):
        errors.append(
            checks.Warning(
                f"The CSP report rate limit uses the cache {alias!r}, which is per process "
                "(or a dummy), so the limit does not hold across processes and servers.",
                hint="Point CSP_REPORTS_CACHE at a shared cache (Redis, Memcached, database).",
                obj="CSP_REPORTS_CACHE",
                id="security.W080",
            )
        )
    return errors


#: Settings of the collector's bounds (security.E200): positive integers, the budgets may be None.
_BOUNDS = (
    ("CSP_REPORTS_MAX_PER_REQUEST", False),
    ("CSP_REPORTS_NEW_PER_CLIENT", True),
    ("CSP_REPORTS_SAMPLES_PER_VIOLATION", False),
    ("CSP_REPORTS_RAW_PER_WINDOW", True),
    ("CSP_REPORTS_SAMPLE_WINDOW", False),
    ("CSP_REPORTS_FLUSH_REPORTS", False),
    ("CSP_REPORTS_LOG_LINES", False),
    ("CSP_REPORTS_LOG_REPEATS", False),
)
_INTERVAL_HINTS = {
    "CSP_REPORTS_FLUSH_INTERVAL": "Set CSP_REPORTS_FLUSH_INTERVAL = 1.0 (0 stores reports during the request).",
    "CSP_REPORTS_LOG_INTERVAL": "Set CSP_REPORTS_LOG_INTERVAL = 10.0 (0 logs every report as it arrives).",
}


def _bounds_and_buffer() -> list[checks.CheckMessage]:
    """security.E200-E201: per-request, per-client and site-wide bounds, the flush and log intervals."""
    errors: list[checks.CheckMessage] = []
    for name, allow_none in _BOUNDS:
        errors += _positive_int(name, "security.E200", allow_none=allow_none)
    for name, hint in _INTERVAL_HINTS.items():
        problem = interval_problem(name, conf.get(name)) if conf.is_set(name) else None
        if problem:
            errors.append(checks.Error(f"{problem}.", hint=hint, obj=name, id="security.E201"))
    return errors


def _reports_endpoint() -> list[checks.CheckMessage]:
    """security.E202: SECURITY_REPORTS_ENDPOINT resolves to a path or https URL a header can carry."""
    from ..headers import SettingError, reporting

    if not conf.is_set(reporting.SETTING):
        return []
    try:
        reporting.endpoint_url(conf.get(reporting.SETTING))
    except SettingError as error:
        return [
            checks.Error(
                f"{error}.",
                hint='Set SECURITY_REPORTS_ENDPOINT = "security-reports" (include("security.urls")) or a path.',
                obj=reporting.SETTING,
                id="security.E202",
            )
        ]
    return []
