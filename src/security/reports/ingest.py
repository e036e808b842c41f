"""The report collector's request handling, shared by every report view.

Request -> method -> content type -> declared length -> rate limit -> capped
body read -> parse -> sample -> log and/or store -> 204.  Every refusal is a
4xx with a short plain-text reason; nothing a client sends reaches a 5xx.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from ..csp.reports import ReportFormatError, ViolationReport, escape_controls, parse_reports
from ..log import logger
from . import gate, limits, storage
from .config import report_settings


def log_reports(reports: Sequence[ViolationReport]) -> None:
    """One warning per violation on the ``security`` logger, control characters escaped."""
    for report in reports:
        logger.warning(
            "CSP violation: %s blocked %s on %s",
            escape_controls(report.effective_directive or report.violated_directive)[:200],
            escape_controls(report.blocked_uri)[:500] or "(inline)",
            escape_controls(report.document_uri)[:500],
            extra={"csp_report": report},
        )


def _refuse(status: int, reason: str) -> HttpResponse:
    response = HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
    return response


def handle(request: HttpRequest, *, save: bool, log: bool) -> HttpResponse:
    """Answer one report request; log and/or store the violations it carries."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    settings = report_settings()
    address = str(request.META.get("REMOTE_ADDR") or "")
    try:
        media_type = gate.content_type(request)
        gate.declared_length(request, settings.max_body)
        if limits.over_rate_limit(address, settings):
            response = _refuse(429, "too many reports from this client")
            response["Retry-After"] = str(settings.rate_window)
            return response
        body = gate.read_body(request, settings.max_body)
        try:
            reports = parse_reports(body, media_type)
        except ReportFormatError as error:
            raise gate.Rejected(400, str(error)) from None
    except gate.Rejected as refusal:
        return _refuse(refusal.status, refusal.reason)
    if reports and limits.sampled(settings):
        if log:
            log_reports(reports)
        if save:
            storage.store(
                reports,
                raw=settings.save_raw,
                aggregate=settings.aggregate,
                sender_ip=address,
                user_agent=storage.storable_header(request.META.get("HTTP_USER_AGENT")),
            )
    return HttpResponse(status=204)
