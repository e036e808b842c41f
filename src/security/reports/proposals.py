"""Feed the policy proposal (:mod:`security.csp.proposal`) from stored reports and the project's templates.

Raw reports carry what the proposal needs most (the page's origin, so the
site's own files become ``'self'``, and the inline-code samples); aggregates
are used when no raw report is stored.  Both reads are bounded, and so is the
template scan, whatever reached the database.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.utils import get_app_template_dirs

from ..csp import policy as csp
from ..csp.proposal import InlineBlock, Observation, Proposal, propose, template_blocks
from ..csp.reports import ViolationReport, fingerprint, origin
from ..models import CspReport, CspReportAggregate

#: Newest raw reports read at most (and aggregates, when there are no raw reports).
MAX_REPORTS = 20_000
#: Template files scanned at most, and bytes read of each.
MAX_TEMPLATES = 5_000
MAX_TEMPLATE_BYTES = 512 * 1024


def observations(limit: int = MAX_REPORTS) -> list[Observation]:
    """The stored violations as observations (newest ``limit`` raw reports, else the aggregates)."""
    rows = CspReport.objects.order_by("-date_received").values_list(
        "effective_directive",
        "violated_directive",
        "blocked_uri",
        "document_uri",
        "source_file",
        "script_sample",
    )[:limit]
    counted: Counter[Observation] = Counter()
    for effective, violated, blocked, document, source, sample in rows.iterator():
        # Normalised exactly as the aggregates are (one copy of each rule).
        fp = fingerprint(
            ViolationReport(
                document_uri=document,
                blocked_uri=blocked,
                effective_directive=effective,
                violated_directive=violated,
                source_file=source,
            )
        )
        document_origin = origin(document) if document else ""
        counted[Observation(fp.directive, fp.blocked, document_origin, fp.source_file, sample[:200])] += 1
    if counted:
        return [Observation(**{**vars(seen), "count": n}) for seen, n in counted.items()]
    aggregates = CspReportAggregate.objects.order_by("-count").values_list(
        "directive", "blocked", "source_file", "count"
    )[:limit]
    return [
        Observation(directive=directive, blocked=blocked, source_file=source, count=count)
        for directive, blocked, source, count in aggregates.iterator()
    ]


def _template_files() -> Iterator[Path]:
    roots: list[Path] = []
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            roots += [Path(d) for d in engine.engine.dirs]
            if engine.engine.app_dirs:
                roots += [Path(d) for d in get_app_template_dirs("templates")]
    seen = 0
    for root in dict.fromkeys(roots):
        for path in sorted(root.rglob("*.html")):
            if seen >= MAX_TEMPLATES:
                return
            seen += 1
            yield path


def project_blocks() -> list[InlineBlock]:
    """Inline scripts and styles of every Django template the project can load (bounded)."""
    blocks: list[InlineBlock] = []
    for path in _template_files():
        try:
            with path.open("rb") as handle:
                text = handle.read(MAX_TEMPLATE_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        blocks += template_blocks(text, str(path))
    return blocks


def current_proposal(limit: int = MAX_REPORTS) -> Proposal:
    """The policy the stored reports and the project's templates propose."""
    return propose(observations(limit), project_blocks())


def header_value(proposal: Proposal) -> str:
    """The proposal as a header value, the nonce shown as ``'nonce-…'``."""
    return csp.from_dict(proposal.policy).serialise("…")


def as_json(proposal: Proposal) -> str:
    """The proposed ``CSP_DICT`` as JSON (every value validated: ASCII, no separators)."""
    return json.dumps(proposal.policy, indent=2)
