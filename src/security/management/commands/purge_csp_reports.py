"""Delete raw CSP reports older than the retention period, and aggregates not seen within it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...reports import retention
from ...reports.config import report_settings


class Command(BaseCommand):
    help = (
        "Delete stored CspReport rows older than CSP_REPORTS_RETENTION_DAYS (or --days), "
        "and aggregated violations last seen before that."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, help="Keep this many days (default: CSP_REPORTS_RETENTION_DAYS)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else report_settings().retention_days
        if days is None:
            raise CommandError("No retention period: set CSP_REPORTS_RETENTION_DAYS or pass --days.")
        if days < 0:
            raise CommandError("--days must be zero or more.")
        count = retention.purge(days, dry_run=options["dry_run"])
        stale = retention.purge_aggregates(days, dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {count} CSP report(s) older than {days} day(s).")
        self.stdout.write(f"{verb} {stale} aggregated violation(s) not seen for {days} day(s).")
