"""Writing reports: raw ``CspReport`` rows and the per-fingerprint aggregate.

Raw strings are truncated to their column sizes (never a database error for
a long value).  The aggregate is updated with one atomic statement per
distinct violation: ``UPDATE ... SET count = count + n`` (row-locked by the
database, so concurrent writers add up; precompiled SQL, as it is the hot
path), and only when no row exists yet an
``INSERT`` inside a savepoint; losing the race to another writer's insert
raises ``IntegrityError`` on the unique fingerprint, after which the update
is retried and finds the winner's row.  Rows are locked in digest order (no
deadlocks between batches), and ``CSP_REPORTS_MAX_AGGREGATES`` bounds how many
distinct rows senders can create.
"""

from __future__ import annotations

import functools
import ipaddress
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from .. import conf
from ..csp.reports import Fingerprint, ViolationReport, fingerprint, storable
from ..models import CspReport, CspReportAggregate
from .config import report_settings

_REPORT_FIELDS = tuple(f.name for f in fields(ViolationReport))


@conf.compiled
def _max_lengths() -> dict[str, int | None]:
    limits: dict[str, int | None] = {}
    for model in (CspReport, CspReportAggregate):
        for field in model._meta.get_fields():
            if hasattr(field, "max_length") and field.concrete:
                limits[f"{model.__name__}.{field.name}"] = field.max_length
    return limits


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


def raw_row(report: ViolationReport, fp: Fingerprint, sender_ip: str | None, user_agent: str) -> CspReport:
    """An unsaved ``CspReport`` for ``report`` with every string cut to its column."""
    values: dict[str, object] = {}
    for name in _REPORT_FIELDS:
        value = getattr(report, name)
        values[name] = _fit("CspReport", name, value) if isinstance(value, str) else value
    values["user_agent"] = _fit("CspReport", "user_agent", report.user_agent or user_agent)
    return CspReport(**values, sender_ip=client_ip(sender_ip), fingerprint=fp.digest)


def save_raw(
    reports: Sequence[ViolationReport],
    prints: Sequence[Fingerprint],
    sender_ip: str | None,
    user_agent: str,
) -> None:
    CspReport.objects.bulk_create(
        [raw_row(report, fp, sender_ip, user_agent) for report, fp in zip(reports, prints, strict=True)]
    )


@functools.lru_cache(maxsize=8)
def _bump_sql(alias: str) -> str:
    """``UPDATE aggregate SET count = count + n, last_seen = max(...) WHERE fingerprint = ...`` for ``alias``.

    Built once per database: the ORM's per-call query compilation cost more
    than the statement itself on the hot path of report ingestion.
    """
    quote = connections[alias].ops.quote_name
    table, count, last_seen, key = (
        quote(name) for name in (CspReportAggregate._meta.db_table, "count", "last_seen", "fingerprint")
    )
    return (
        f"UPDATE {table} SET {count} = {count} + %s, "  # noqa: S608 (identifiers are quoted model names)
        f"{last_seen} = CASE WHEN {last_seen} < %s THEN %s ELSE {last_seen} END "
        f"WHERE {key} = %s"
    )


def _bump(fp: Fingerprint, n: int, now: datetime) -> bool:
    """Add ``n`` to the existing row of ``fp`` in one atomic statement; whether a row was there."""
    alias = router.db_for_write(CspReportAggregate)
    connection = connections[alias]
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_bump_sql(alias), [n, stamp, stamp, fp.digest])
        return bool(cursor.rowcount)


#: Where new violations are counted once ``CSP_REPORTS_MAX_AGGREGATES`` rows exist.
OVERFLOW = Fingerprint("other", "(over CSP_REPORTS_MAX_AGGREGATES)", "", "")


def _table_full() -> bool:
    cap = report_settings().max_aggregates
    return cap is not None and CspReportAggregate.objects.all()[cap - 1 : cap].exists()


def _count(fp: Fingerprint, n: int, now: datetime) -> bool:
    """Count ``fp`` on its own row; ``False`` when it is new and the table is full."""
    if _bump(fp, n, now):
        return True
    if fp != OVERFLOW and _table_full():
        return False
    try:
        with transaction.atomic(using=router.db_for_write(CspReportAggregate)):
            CspReportAggregate.objects.create(
                fingerprint=fp.digest,
                directive=_fit("CspReportAggregate", "directive", fp.directive),
                blocked=_fit("CspReportAggregate", "blocked", fp.blocked),
                document_path=_fit("CspReportAggregate", "document_path", fp.document_path),
                source_file=_fit("CspReportAggregate", "source_file", fp.source_file),
                count=n,
                first_seen=now,
                last_seen=now,
            )
    except IntegrityError:
        # Another writer inserted it first; its row is committed now.
        _bump(fp, n, now)
    return True


def count_violation(fp: Fingerprint, n: int = 1, now: datetime | None = None) -> None:
    """Add ``n`` sightings of ``fp`` to its aggregate row, creating it on first sight (atomic).

    A new violation is counted on the :data:`OVERFLOW` row instead once the
    table holds ``CSP_REPORTS_MAX_AGGREGATES`` rows: senders choose the
    values, so distinct rows must not grow without bound.  Concurrent first
    sightings may overshoot the cap by a few rows (a bound, not an exact count).
    """
    now = now or timezone.now()
    if not _count(fp, n, now):
        _count(OVERFLOW, n, now)


def save_aggregates(prints: Sequence[Fingerprint], now: datetime | None = None) -> None:
    """Count ``prints``, updating rows in digest order and the overflow row last.

    Inside a transaction each update holds its row lock until commit; two
    batches locking the same rows in opposite orders would deadlock on
    PostgreSQL, so every writer takes the locks in one global order: by
    digest, then the overflow row.
    """
    now = now or timezone.now()
    overflow = 0
    for fp, n in sorted(Counter(prints).items(), key=lambda item: item[0].digest):
        if fp == OVERFLOW or not _count(fp, n, now):
            overflow += n
    if overflow:
        _count(OVERFLOW, overflow, now)


def store(
    reports: Sequence[ViolationReport],
    *,
    raw: bool,
    aggregate: bool,
    sender_ip: str | None = None,
    user_agent: str = "",
) -> None:
    """Save ``reports`` as raw rows and/or aggregate counts."""
    if not reports or not (raw or aggregate):
        return
    prints = [fingerprint(report) for report in reports]
    if not raw:
        save_aggregates(prints)
        return
    # One transaction (one commit) for the raw rows and the counts; the
    # aggregate goes last so its row locks are held as briefly as possible.
    with transaction.atomic(using=router.db_for_write(CspReport)):
        save_raw(reports, prints, sender_ip, user_agent)
        if aggregate:
            save_aggregates(prints)


def storable_header(value: object) -> str:
    """A request header value as a storable string (WSGI gives latin-1 decoded text)."""
    return storable(value) if isinstance(value, str) else ""
