"""Retention of raw report rows (the aggregate keeps the counts forever)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import CspReport


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
