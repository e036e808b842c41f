"""Summary of aggregated violations and the policy sources they show the site needs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ..csp.reports import Fingerprint, noise_reason
from ..models import CspReportAggregate

#: Blocked keywords -> the source expression that would allow them.
_KEYWORD_SOURCES = {
    "inline": "'unsafe-inline'",
    "eval": "'unsafe-eval'",
    "wasm-eval": "'wasm-unsafe-eval'",
    "self": "'self'",
}
#: Effective directives (CSP3 sub-directives) -> the directive a policy usually sets.
_PARENT = {
    "script-src-elem": "script-src",
    "script-src-attr": "script-src",
    "style-src-elem": "style-src",
    "style-src-attr": "style-src",
}


@dataclass(frozen=True)
class Violation:
    fingerprint: Fingerprint
    count: int
    last_seen: datetime
    noise: str | None


def violations(since: datetime | None = None) -> list[Violation]:
    rows = CspReportAggregate.objects.order_by("-count")
    if since is not None:
        rows = rows.filter(last_seen__gte=since)
    found = []
    for row in rows.iterator():
        fp = Fingerprint(row.directive, row.blocked, row.document_path, row.source_file)
        found.append(Violation(fp, row.count, row.last_seen, noise_reason(fp)))
    return found


def source_expression(blocked: str) -> str | None:
    """The CSP source that allows ``blocked`` (an origin, ``data:``, a keyword), or ``None``."""
    if blocked in _KEYWORD_SOURCES:
        return _KEYWORD_SOURCES[blocked]
    if blocked.startswith(("trusted-types",)):
        return None
    if blocked.endswith(":") or "://" in blocked:
        return blocked
    return None


def suggested_policy(found: list[Violation]) -> dict[str, list[str]]:
    """Per directive, the sources that non-noise violations show the site loads (most reported first)."""
    weights: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for violation in found:
        if violation.noise:
            continue
        source = source_expression(violation.fingerprint.blocked)
        directive = violation.fingerprint.directive
        if source is None or not directive:
            continue
        weights[_PARENT.get(directive, directive)][source] += violation.count
    return {
        directive: sorted(sources, key=lambda s: (-sources[s], s))
        for directive, sources in sorted(weights.items())
    }


def policy_string(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())
