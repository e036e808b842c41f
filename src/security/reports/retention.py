"""Retention: raw report rows older than the period, and aggregates not seen within it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import CspReport, CspReportAggregate


def cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def purge(days: int, *, dry_run: bool = False, batch: int = 5000) -> int:
    """Delete raw reports older than ``days`` days, in batches (short locks); return how many."""
    old = CspReport.objects.filter(date_received__lt=cutoff(days))
    if dry_run:
        return int(old.count())
    deleted = 0
    while True:
        ids = list(old.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        removed: int = CspReport.objects.filter(pk__in=ids).delete()[0]
        deleted += removed


def purge_aggregates(days: int, *, dry_run: bool = False, batch: int = 5000) -> int:
    """Delete aggregated violations whose ``last_seen`` is older than ``days`` days; return how many.

    Without this the aggregate table would keep one row per distinct
    violation ever seen (attacker-chosen values included) forever.
    """
    stale = CspReportAggregate.objects.filter(last_seen__lt=cutoff(days))
    if dry_run:
        return int(stale.count())
    deleted = 0
    while True:
        ids = list(stale.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        removed: int = CspReportAggregate.objects.filter(pk__in=ids).delete()[0]
        deleted += removed
