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
    max_per_request: int = 100
    new_per_client: int | None = 20
    samples_per_violation: int = 5
    raw_per_window: int | None = 1000
    sample_window: int = 3600
    flush_interval: float = 1.0
    flush_reports: int = 1000
    log_interval: float = 10.0
    log_lines: int = 100
    log_repeats: int = 10
    urls_save: bool = True


#: The collector's intervals (seconds) and the longest each may be.
INTERVALS = {"CSP_REPORTS_FLUSH_INTERVAL": 60, "CSP_REPORTS_LOG_INTERVAL": 3600}


def interval_problem(name: str, value: object) -> str | None:
    """Why ``value`` cannot be the interval ``name`` (the system check says it), or ``None``."""
    longest = INTERVALS[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= longest:
        return f"{name} must be a number of seconds from 0 to {longest}, not {value!r}"
    return None


def _interval(name: str) -> float:
    value = conf.get(name)
    return float(conf.DEFAULTS[name]) if interval_problem(name, value) else float(value)


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


@conf.compiled
def report_settings() -> ReportSettings:
    """Current collector settings (re-read after ``setting_changed``); invalid values fall back safely.

    The system checks (security.E080-E086, E200-E201) report invalid values;
    here each falls back to its bounded default so no request fails.
    """
    limit = conf.get("CSP_REPORTS_RATE_LIMIT")
    retention = conf.get("CSP_REPORTS_RETENTION_DAYS")
    return ReportSettings(
        max_body=int(conf.get("CSP_REPORTS_MAX_BODY")),
        rate_limit=int(limit) if limit else None,
        rate_window=max(1, int(conf.get("CSP_REPORTS_RATE_WINDOW"))),
        cache_alias=str(conf.get("CSP_REPORTS_CACHE")),
        sample_rate=float(conf.get("CSP_REPORTS_SAMPLE_RATE")),
        save_raw=bool(conf.get("CSP_REPORTS_SAVE_RAW")),
        aggregate=bool(conf.get("CSP_REPORTS_AGGREGATE")),
        retention_days=int(retention) if retention else None,
        max_aggregates=_positive(conf.get("CSP_REPORTS_MAX_AGGREGATES")),
        max_per_request=_positive(conf.get("CSP_REPORTS_MAX_PER_REQUEST")) or 100,
        new_per_client=_positive(conf.get("CSP_REPORTS_NEW_PER_CLIENT")),
        samples_per_violation=_positive(conf.get("CSP_REPORTS_SAMPLES_PER_VIOLATION")) or 0,
        raw_per_window=_positive(conf.get("CSP_REPORTS_RAW_PER_WINDOW")),
        sample_window=_positive(conf.get("CSP_REPORTS_SAMPLE_WINDOW")) or 3600,
        flush_interval=_interval("CSP_REPORTS_FLUSH_INTERVAL"),
        flush_reports=_positive(conf.get("CSP_REPORTS_FLUSH_REPORTS")) or 1000,
        log_interval=_interval("CSP_REPORTS_LOG_INTERVAL"),
        log_lines=_positive(conf.get("CSP_REPORTS_LOG_LINES")) or 100,
        log_repeats=_positive(conf.get("CSP_REPORTS_LOG_REPEATS")) or 10,
        urls_save=bool(conf.get("CSP_REPORTS_URLS_SAVE")),
    )
