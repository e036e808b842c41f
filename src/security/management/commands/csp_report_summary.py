"""Print the aggregated CSP violations and a policy suggested by them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ...escaping import escape_controls
from ...reports import analysis


class Command(BaseCommand):
    help = (
        "Summarise aggregated CSP violations (most reported first), mark likely noise "
        "(browser extensions, about:, injected data:) and suggest the sources each directive needs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="Only violations seen in the last N days.")
        parser.add_argument("--top", type=int, default=20, help="How many violations to list (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        since = timezone.now() - timedelta(days=options["days"]) if options["days"] else None
        found = analysis.violations(since)
        total = sum(v.count for v in found)
        noise = sum(v.count for v in found if v.noise)
        self.stdout.write(f"{total} report(s) in {len(found)} distinct violation(s); {noise} likely noise.")
        for violation in found[: max(options["top"], 0)]:
            fp = violation.fingerprint
            mark = f"  [noise: {violation.noise}]" if violation.noise else ""
            self.stdout.write(
                f"{violation.count:>8}  {escape_controls(fp.directive):<16} {escape_controls(fp.blocked):<40} "
                f"on {escape_controls(fp.document_path)}"
                + (f" from {escape_controls(fp.source_file)}" if fp.source_file else "")
                + mark
            )
        policy = analysis.suggested_policy(found)
        self.stdout.write("")
        if not policy:
            self.stdout.write("Suggested policy additions: none (no non-noise violations).")
            return
        self.stdout.write(
            "Suggested policy additions (sources the reports show the site loads; review each):"
        )
        for directive, sources in policy.items():
            self.stdout.write(
                f"  {escape_controls(directive)}: {' '.join(escape_controls(s) for s in sources)}"
            )
            if "'unsafe-inline'" in sources or "'unsafe-eval'" in sources:
                self.stdout.write("    (prefer nonces or hashes to 'unsafe-inline' / 'unsafe-eval')")
        self.stdout.write(f"CSP_STRING-style: {escape_controls(analysis.policy_string(policy))}")
