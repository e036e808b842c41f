"""Writing a buffered snapshot: raw ``CspReport`` samples and the per-fingerprint aggregates.

One flush is one transaction with a fixed number of statements, whatever
the number of reports: user agents (one insert, one select), raw rows (one
bulk insert), and per aggregate table one select of the fingerprints that
exist, one ``COUNT`` when new ones must fit ``CSP_REPORTS_MAX_AGGREGATES``,
and one ``INSERT ... ON CONFLICT (fingerprint) DO UPDATE SET count = count +
excluded.count`` (SQLite and PostgreSQL; atomic per row, so concurrent
flushes add up).  Rows are written in digest order, the overflow row last,
so two flushes lock rows in the same order and cannot deadlock.  Other
databases get the same result one row at a time.

Strings are truncated to their column sizes (never a database error).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from django.db import IntegrityError, connections, models, router, transaction

from .. import conf
from ..csp.reports import Fingerprint, ViolationReport, fingerprint, storable
from ..models import BrowserReportAggregate, CspReport, CspReportAggregate, ReportUserAgent
from . import limits
from .buffer import CLIENT_OVERFLOW, CSP, OVERFLOW, Count, Sample, Snapshot, key, storable_header
from .config import ReportSettings

_REPORT_FIELDS = tuple(f.name for f in fields(ViolationReport) if f.name != "user_agent")
_OVERFLOWS = frozenset({OVERFLOW.digest, CLIENT_OVERFLOW.digest})
_CHUNK = 200


@conf.compiled
def _max_lengths() -> dict[str, int | None]:
    limits_: dict[str, int | None] = {}
    for model in (CspReport, CspReportAggregate, BrowserReportAggregate, ReportUserAgent):
        for field in model._meta.get_fields():
            if hasattr(field, "max_length") and field.concrete:
                limits_[f"{model.__name__}.{field.name}"] = field.max_length
    return limits_


def _fit(model: str, name: str, value: str) -> str:
    limit = _max_lengths().get(f"{model}.{name}")
    return value[:limit] if limit else value


def client_ip(address: str | None) -> str | None:
    """``address`` if it is an IP address (what ``GenericIPAddressField`` can store)."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def agent_digest(user_agent: str) -> str:
    return hashlib.sha256(user_agent.encode("utf-8", "replace")).hexdigest()[:40]


def raw_row(sample: Sample, agent_id: int | None) -> CspReport:
    """An unsaved ``CspReport`` for ``sample`` with every string cut to its column."""
    values: dict[str, object] = {}
    for name in _REPORT_FIELDS:
        value = getattr(sample.report, name)
        values[name] = _fit("CspReport", name, value) if isinstance(value, str) else value
    return CspReport(
        **values, sender_ip=client_ip(sample.sender_ip), fingerprint=sample.digest, agent_id=agent_id
    )


def _agents(samples: Sequence[Sample], alias: str) -> dict[str, int]:
    """The ``ReportUserAgent`` id of each user agent of ``samples`` (created once, shared)."""
    wanted = {agent_digest(s.user_agent): s.user_agent for s in samples if s.user_agent}
    if not wanted:
        return {}
    ReportUserAgent.objects.using(alias).bulk_create(
        [ReportUserAgent(digest=d, value=_fit("ReportUserAgent", "value", v)) for d, v in wanted.items()],
        ignore_conflicts=True,
    )
    found = ReportUserAgent.objects.using(alias).filter(digest__in=list(wanted)).values_list("digest", "id")
    return dict(found)


def save_samples(samples: Sequence[Sample], settings: ReportSettings, alias: str) -> int:
    """Write the samples the site-wide raw budget allows; how many."""
    samples = samples[: limits.take_raw_rows(len(samples), settings)]
    if not samples:
        return 0
    ids = _agents(samples, alias)
    rows = [raw_row(s, ids.get(agent_digest(s.user_agent)) if s.user_agent else None) for s in samples]
    CspReport.objects.using(alias).bulk_create(rows)
    return len(rows)


def _columns(model: type[models.Model], count: Count) -> dict[str, Any]:
    """The descriptive columns of ``count``'s row in ``model``."""
    fp, name = count.fingerprint, model.__name__
    if model is CspReportAggregate:
        described = {"directive": fp.directive, "blocked": fp.blocked}
    else:
        described = {
            "kind": fp.directive,
            "key": fp.blocked,
            "disposition": count.disposition,
            "message": count.message,
        }
    described |= {"document_path": fp.document_path, "source_file": fp.source_file}
    return {"fingerprint": fp.digest, **{k: _fit(name, k, storable(v)) for k, v in described.items()}}


def _existing(model: type[models.Model], digests: list[str], alias: str) -> set[str]:
    found: set[str] = set()
    manager = model._default_manager.using(alias)
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        found.update(manager.filter(fingerprint__in=chunk).values_list("fingerprint", flat=True))
    return found


def _capped(
    model: type[models.Model], counts: list[Count], overflow: Count, cap: int | None, alias: str
) -> tuple[list[Count], set[str]]:
    """``counts`` in lock order, new fingerprints past ``cap`` moved onto ``overflow``; digests with rows."""
    digests = [c.fingerprint.digest for c in counts if c.fingerprint.digest not in _OVERFLOWS]
    existing = _existing(model, digests, alias) if digests else set()
    kept = [c for c in counts if c.fingerprint.digest in existing]
    new = [
        c for c in counts if c.fingerprint.digest not in existing and c.fingerprint.digest not in _OVERFLOWS
    ]
    if new and cap is not None:
        room = max(0, cap - model._default_manager.using(alias).count())
        new.sort(key=lambda c: -c.n)  # the most reported get the room
        for spilled in new[room:]:
            overflow.n += spilled.n
        new = new[:room]
    rows = sorted(kept + new, key=lambda c: c.fingerprint.digest)
    overflows = [c for c in counts if c.fingerprint.digest in _OVERFLOWS]
    if overflow.n:
        overflows.append(overflow)
    rows += sorted(overflows, key=lambda c: c.fingerprint.digest)
    return rows, {c.fingerprint.digest for c in rows}


@functools.lru_cache(maxsize=16)
def _upsert_sql(model: type[models.Model], alias: str, columns: tuple[str, ...], rows: int) -> str:
    quote = connections[alias].ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    count, last = quote("count"), quote("last_seen")
    return (
        f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * rows)} "  # noqa: S608 (quoted names)
        f"ON CONFLICT ({quote('fingerprint')}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}, "
        f"{last} = CASE WHEN {table}.{last} < excluded.{last} THEN excluded.{last} ELSE {table}.{last} END"
    )


def _write_rows(model: type[models.Model], rows: list[Count], alias: str) -> None:
    connection = connections[alias]
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor not in ("sqlite", "postgresql"):
        for row in rows:
            _add_one(model, row, alias)
        return
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        params: list[Any] = []
        columns: tuple[str, ...] = ()
        for row in chunk:
            values = _columns(model, row)
            values |= {"count": row.n, "first_seen": adapt(row.first_seen), "last_seen": adapt(row.last_seen)}
            columns = tuple(values)
            params.extend(values.values())
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(model, alias, columns, len(chunk)), params)


def _add_one(model: type[models.Model], row: Count, alias: str) -> None:
    """Portable fallback: ``UPDATE count = count + n``, else insert (retrying the update on a race)."""
    manager = model._default_manager.using(alias)
    bump = {"count": models.F("count") + row.n}
    if manager.filter(fingerprint=row.fingerprint.digest).update(**bump):
        return
    try:
        with transaction.atomic(using=alias):
            manager.create(
                **_columns(model, row), count=row.n, first_seen=row.first_seen, last_seen=row.last_seen
            )
    except IntegrityError:
        manager.filter(fingerprint=row.fingerprint.digest).update(**bump)


def save_counts(model: type[models.Model], counts: list[Count], cap: int | None, alias: str) -> set[str]:
    """Add ``counts`` to ``model``'s rows (new rows within ``cap``); the digests that have rows now."""
    if not counts:
        return set()
    first = min(c.first_seen for c in counts)
    last = max(c.last_seen for c in counts)
    kind = CSP if model is CspReportAggregate else "other"
    overflow = Count(kind, OVERFLOW, 0, first, last)
    rows, written = _capped(model, counts, overflow, cap, alias)
    _write_rows(model, rows, alias)
    return {key(kind, row.fingerprint) for row in rows if row.fingerprint.digest in written}


def write(snapshot: Snapshot, settings: ReportSettings) -> set[str]:
    """Write ``snapshot`` in one transaction; the fingerprints known to have rows afterwards."""
    alias = router.db_for_write(CspReportAggregate)
    csp = [c for c in snapshot.counts.values() if c.kind == CSP]
    other = [c for c in snapshot.counts.values() if c.kind != CSP]
    with transaction.atomic(using=alias):
        if snapshot.samples:
            save_samples(snapshot.samples, settings, alias)
        known = save_counts(CspReportAggregate, csp, settings.max_aggregates, alias)
        known |= save_counts(BrowserReportAggregate, other, settings.max_aggregates, alias)
    return known


__all__ = ["CLIENT_OVERFLOW", "OVERFLOW", "count_violation", "storable_header", "store", "write"]


def store(
    reports: Sequence[ViolationReport],
    *,
    raw: bool,
    aggregate: bool,
    sender_ip: str | None = None,
    user_agent: str = "",
) -> None:
    """Write ``reports`` now, through the same bounded writer as a flush (programmatic use)."""
    from .buffer import now
    from .config import report_settings

    settings = report_settings()
    stamp = now()
    snapshot = Snapshot()
    for report in reports:
        fp = fingerprint(report)
        if aggregate:
            held = snapshot.counts.setdefault(key(CSP, fp), Count(CSP, fp, 0, stamp, stamp))
            held.n += 1
        if raw:
            snapshot.samples.append(Sample(report, fp.digest, sender_ip, report.user_agent or user_agent))
    write(snapshot, settings)


def count_violation(fp: Fingerprint, n: int = 1) -> None:
    """Add ``n`` sightings of ``fp`` in a transaction of its own (concurrent writers add up)."""
    from .buffer import now
    from .config import report_settings

    stamp = now()
    write(Snapshot(counts={key(CSP, fp): Count(CSP, fp, n, stamp, stamp)}), report_settings())
