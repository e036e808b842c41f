"""The admin page "Proposed policy", next to the CSP report dashboard.

Registered by ``CspReportAggregateAdmin.get_urls``; every sender-controlled
string is shown with control characters escaped (and HTML-escaped by the
template).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .csp.proposal import LeftOut
from .escaping import escape_controls
from .reports import proposals


def _shown(item: LeftOut) -> dict[str, Any]:
    return {
        "count": item.count,
        "directive": escape_controls(item.directive),
        "blocked": escape_controls(item.blocked),
        "sample": escape_controls(item.sample),
        "source_file": escape_controls(item.source_file),
        "reason": escape_controls(item.reason),
    }


def proposal_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """The policy the stored reports propose, and what it leaves out."""
    proposal = proposals.current_proposal()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Proposed Content Security Policy",
        "opts": model_admin.model._meta,
        "proposal": proposal,
        "policy_json": proposals.as_json(proposal),
        "header": proposals.header_value(proposal),
        "noise": [_shown(item) for item in proposal.noise],
        "unresolved": [_shown(item) for item in proposal.unresolved],
    }
    return TemplateResponse(request, "security/reports/proposal.html", context)
