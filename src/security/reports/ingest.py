"""The report collector's request handling, shared by every report view.

Request -> method -> content type -> declared length -> rate budget spent? ->
capped body read -> parse (400 without a report) -> at most
``CSP_REPORTS_MAX_PER_REQUEST`` reports -> the client's report budget ->
identical reports collapsed -> log (bounded, :mod:`.log_lines`) and/or buffer
-> 204.  Every refusal is a 4xx with a short plain-text reason; nothing a
client sends reaches a 5xx.
Only ``request.META`` and the body are read, so request-like objects work too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse, HttpResponseNotAllowed

from ..csp.reports import (
    BrowserReport,
    Fingerprint,
    ReportFormatError,
    ViolationReport,
    browser_fingerprint,
    fingerprint,
)
from . import buffer, gate, limits, log_lines, memo
from .buffer import CLIENT_OVERFLOW, storable_header
from .config import ReportSettings, report_settings

Report = ViolationReport | BrowserReport


def _refuse(status: int, reason: str) -> HttpResponse:
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


def collect(
    batch: Mapping[Report, int],
    settings: ReportSettings,
    group: str,
    sender_ip: str | None,
    user_agent: str,
    *,
    timed: bool = True,
) -> bool:
    """Buffer ``batch``'s counts and raw samples; whether the buffer should be flushed now.

    Violations without a row yet spend the client's new-violation budget;
    past it they are counted on the :data:`CLIENT_OVERFLOW` row, so one sender
    cannot fill the aggregate cap.
    """
    now = buffer.now()
    knows = buffer.BUFFER.knows
    seen: list[tuple[Report, int, str, Fingerprint, str, bool, bool]] = []
    unknown: list[str] = []
    for report, n in batch.items():
        if isinstance(report, ViolationReport):
            kind, fp, counted = buffer.CSP, fingerprint(report), settings.aggregate
        else:
            kind, fp, counted = report.kind, browser_fingerprint(report), True
        key = buffer.key(kind, fp)
        fresh = counted and not knows(key)
        if fresh and key not in unknown:
            unknown.append(key)
        seen.append((report, n, kind, fp, key, counted, fresh))
    allowed: set[str] = set()
    if unknown:
        unknown.sort()
        allowed = set(unknown[: limits.take_new_violations(group, len(unknown), settings)])
    counts: list[buffer.Count] = []
    samples: list[buffer.Sample] = []
    for report, n, kind, fp, key, counted, fresh in seen:
        own = not fresh or key in allowed
        if counted:
            if isinstance(report, BrowserReport):
                counts.append(
                    buffer.Count(
                        kind, fp if own else CLIENT_OVERFLOW, n, now, now, report.disposition, report.message
                    )
                )
            else:
                counts.append(buffer.Count(kind, fp if own else CLIENT_OVERFLOW, n, now, now))
        if own and settings.save_raw and isinstance(report, ViolationReport):
            samples.append(buffer.Sample(report, fp.digest, sender_ip, report.user_agent or user_agent))
    return buffer.BUFFER.add(counts, samples, settings, timed=timed)


def handle(request: Any, *, save: bool, log: bool, synchronous: bool = False) -> HttpResponse:
    """Answer one report request; log and/or store the reports it carries.

    ``synchronous``: write to the database before answering (the documented
    view), instead of within ``CSP_REPORTS_FLUSH_INTERVAL``.
    """
    if gate.method(request) != "POST":
        return HttpResponseNotAllowed(["POST"])
    settings = report_settings()
    meta = request.META
    sender_ip, group = limits.client_group(meta)
    try:
        media_type = gate.content_type(meta)
        gate.declared_length(meta, settings.max_body)
        if limits.rate_exhausted(group, settings):
            raise gate.Rejected(429, "too many reports from this client")
        body = gate.read_body(request, settings.max_body)
        try:
            parsed = memo.parse(body, media_type, settings.max_per_request)
        except ReportFormatError as error:
            raise gate.Rejected(400, str(error)) from None
        allowed = limits.take_reports(group, len(parsed.reports), settings)
        if not allowed:
            raise gate.Rejected(429, "too many reports from this client")
    except gate.Rejected as refusal:
        response = _refuse(refusal.status, refusal.reason)
        if refusal.status == 429:
            response["Retry-After"] = str(settings.rate_window)
        return response
    batch = parsed.batch if allowed == len(parsed.reports) else Counter(parsed.reports[:allowed])
    if log:
        log_lines.LIMITER.log(batch, settings.log_interval, settings.log_lines, settings.log_repeats)
    if save and limits.sampled(settings):
        user_agent = storable_header(meta.get("HTTP_USER_AGENT"))
        write_now = synchronous or settings.flush_interval == 0
        full = collect(batch, settings, group, sender_ip, user_agent, timed=not write_now)
        if write_now:
            buffer.flush()
        elif full:
            buffer.flush(wait=False)
    return HttpResponse(status=204)
