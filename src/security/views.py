"""Documented views: ``csp_report`` and the ``require_ajax`` decorator."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

# Documented here; implemented with its helpers in security.ajax.
from .ajax import require_ajax as require_ajax
from .reports import ingest as _ingest
from .reports.config import report_settings as _report_settings

# -- CSP reports (collector: security.reports) ------------------------------------


@csrf_exempt
def csp_report(request: HttpRequest | Any, csp_save: bool = False, csp_log: bool = True) -> HttpResponse:
    """Collect Content Security Policy reports from browsers.

    ``csp_save``: store the reports (``CspReport`` rows and/or the aggregate,
    see ``CSP_REPORTS_SAVE_RAW`` / ``CSP_REPORTS_AGGREGATE``); ``csp_log``: log
    them on the ``security`` logger.  Accepts every format browsers send
    (``report-uri`` and ``report-to``); POST only; answers 204.  Works with
    any request object that has ``META`` and a body (``read()`` or ``body``).
    With ``csp_save`` the reports are in the database when it returns.
    """
    return _ingest.handle(request, save=csp_save, log=csp_log, synchronous=True)


@csrf_exempt
def reports_endpoint(request: HttpRequest) -> HttpResponse:
    """``security.urls``' collector: stores when ``CSP_REPORTS_URLS_SAVE`` is on, always logs.

    Stored reports are buffered and written within ``CSP_REPORTS_FLUSH_INTERVAL``.
    """
    return _ingest.handle(request, save=_report_settings().urls_save, log=True)
