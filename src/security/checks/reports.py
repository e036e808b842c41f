"""Checks of the CSP report collector's settings (security.E080-E089, W080-W089)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from .. import conf
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
