"""Propose a Content Security Policy from the reports collected in report-only mode."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...csp.proposal import LeftOut
from ...escaping import escape_controls
from ...reports import proposals


def _item(item: LeftOut) -> str:
    sample = f" sample {escape_controls(item.sample)!r}" if item.sample else ""
    source = f" from {escape_controls(item.source_file)}" if item.source_file else ""
    return (
        f"{item.count:>8}  {escape_controls(item.directive)} {escape_controls(item.blocked)}{sample}{source}: "
        f"{escape_controls(item.reason)}"
    )


class Command(BaseCommand):
    help = (
        "Propose a policy from stored CSP reports (collect them under a report-only policy that allows "
        "nothing): the sources each directive needs, the nonce or hashes for inline code found in the "
        "templates, never 'unsafe-*'; likely noise and what needs a code change are listed apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print only the proposed CSP_DICT, as JSON.")
        parser.add_argument(
            "--limit",
            type=int,
            default=proposals.MAX_REPORTS,
            help=f"Newest raw reports to read (default {proposals.MAX_REPORTS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = min(max(options["limit"], 1), proposals.MAX_REPORTS)
        proposal = proposals.current_proposal(limit)
        if options["json"]:
            self.stdout.write(proposals.as_json(proposal))
            return
        self.stdout.write(f"Proposed from {proposal.reports} report(s). CSP_DICT:")
        self.stdout.write(proposals.as_json(proposal))
        self.stdout.write(f"Header: {proposals.header_value(proposal)}")
        for title, items in (
            ("Left out as likely noise", proposal.noise),
            ("Left out: needs a change in the page, not in the policy", proposal.unresolved),
        ):
            self.stdout.write("")
            self.stdout.write(f"{title}: {len(items) or 'none'}")
            for item in items:
                self.stdout.write(_item(item))
        if proposal.dropped:
            self.stdout.write(f"({proposal.dropped} more left-out item(s) not listed)")
