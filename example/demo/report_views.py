"""Demo pages that break the site's policy on purpose, so the browser reports it.

``/reports/report-uri/`` keeps only the ``report-uri`` directive (browsers POST
``application/csp-report``); ``/reports/report-to/`` keeps only ``report-to``
(the Reporting API, ``application/reports+json`` to the ``Reporting-Endpoints``
entry).  The site collects its own reports through ``security.urls`` and the
admin dashboard shows them.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from security.decorators import csp_replace
from security.models import CspReport, CspReportAggregate

#: Blocked by ``img-src 'self' data:``; a loopback address, and never fetched under an enforced policy.
BLOCKED_IMAGE = "http://localhost:9/blocked-by-csp.png"


def _page(request: HttpRequest, mechanism: str) -> HttpResponse:
    context = {
        "mechanism": mechanism,
        "blocked_image": BLOCKED_IMAGE,
        "stored": CspReport.objects.count(),
        "distinct": CspReportAggregate.objects.count(),
    }
    return render(request, "demo/reports.html", context)


def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "")


@csp_replace(report_to=None)
def via_report_uri(request: HttpRequest) -> HttpResponse:
    return _page(request, "report-uri")


@csp_replace(report_uri=None)
def via_report_to(request: HttpRequest) -> HttpResponse:
    return _page(request, "report-to")


urlpatterns = [
    path("reports/", index, name="csp-reports"),
    path("reports/report-uri/", via_report_uri, name="csp-reports-report-uri"),
    path("reports/report-to/", via_report_to, name="csp-reports-report-to"),
]
