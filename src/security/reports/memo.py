"""Parsed report bodies, remembered: a repeated body is parsed once per process.

Browsers send the same report again and again (every visitor of a page with
one misconfigured script sends a byte-identical ``report-uri`` body), and a
flood of copies is the cheapest attack on the endpoint.  Parsing costs more
than the rest of the collector, so the last :data:`ENTRIES` distinct small
bodies and what they parsed to are kept (reports are immutable, so the
results are shared safely).  Memory is bounded: at most :data:`ENTRIES`
bodies of at most :data:`MAX_BODY` bytes each and what they parse to, about
2.5 MB measured with every body packed with distinct reports (0.5 MB of
bodies, 1.8 MB of reports).  Bodies that do not
parse are not remembered: they are answered 400 and cost a parse each time,
bounded by ``CSP_REPORTS_MAX_BODY``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ..csp.reports import BrowserReport, ViolationReport, parse_batch

Report = ViolationReport | BrowserReport

#: Distinct bodies remembered per process, and the largest body remembered.
ENTRIES = 256
MAX_BODY = 2048


@dataclass(frozen=True)
class Parsed:
    """The reports of one body (at most ``max_per_request``) and the same collapsed into counts.

    ``batch`` is shared by every request that sent this body: read it, never change it.
    """

    reports: tuple[Report, ...]
    batch: Mapping[Report, int]


def _parse(body: bytes, media_type: str, max_per_request: int) -> Parsed:
    reports = tuple(parse_batch(body, media_type)[:max_per_request])
    # Identical reports collapse into one, counted n times.
    batch: Mapping[Report, int] = {reports[0]: 1} if len(reports) == 1 else Counter(reports)
    return Parsed(reports, batch)


_remembered = functools.lru_cache(maxsize=ENTRIES)(_parse)


def parse(body: bytes, media_type: str, max_per_request: int) -> Parsed:
    """``body``'s reports; raises ``ReportFormatError`` as :func:`~security.csp.reports.parse_batch` does."""
    if len(body) <= MAX_BODY:
        return _remembered(body, media_type, max_per_request)
    return _parse(body, media_type, max_per_request)


def forget() -> None:
    """Drop every remembered body (tests)."""
    _remembered.cache_clear()
