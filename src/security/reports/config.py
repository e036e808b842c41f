"""The report collector's settings, read once into an immutable value."""

from __future__ import annotations

from dataclasses import dataclass

from .. import conf


@dataclass(frozen=True)
class ReportSettings:
    max_body: int
    rate_limit: int | None
    rate_window: int
    cache_alias: str
    sample_rate: float
    save_raw: bool
    aggregate: bool
    retention_days: int | None
    max_aggregates: int | None


@conf.compiled
def report_settings() -> ReportSettings:
    """Current collector settings (re-read after ``setting_changed``)."""
    limit = conf.get("CSP_REPORTS_RATE_LIMIT")
    retention = conf.get("CSP_REPORTS_RETENTION_DAYS")
    cap = conf.get("CSP_REPORTS_MAX_AGGREGATES")
    return ReportSettings(
        max_body=int(conf.get("CSP_REPORTS_MAX_BODY")),
        rate_limit=int(limit) if limit else None,
        rate_window=max(1, int(conf.get("CSP_REPORTS_RATE_WINDOW"))),
        cache_alias=str(conf.get("CSP_REPORTS_CACHE")),
        sample_rate=float(conf.get("CSP_REPORTS_SAMPLE_RATE")),
        save_raw=bool(conf.get("CSP_REPORTS_SAVE_RAW")),
        aggregate=bool(conf.get("CSP_REPORTS_AGGREGATE")),
        retention_days=int(retention) if retention else None,
        max_aggregates=cap if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0 else None,
    )
