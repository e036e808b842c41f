"""Pages of the demo site; each capability of the package adds one to ``PAGES``."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

#: (URL name, title, what the page demonstrates) for the home page's index.
PAGES: list[tuple[str, str, str]] = [
    ("headers", "Response headers", "The security headers this very response carried."),
    ("privacy", "Privacy signals", "Your browser's Do Not Track and Global Privacy Control preferences."),
    ("private", "Private area", "Login required, forced password change, idle session expiry."),
    ("csp", "Content Security Policy", "A nonce lets one inline script run; the rest is blocked."),
    ("csp-reports", "CSP reports", "Violations reported by report-uri and report-to, stored and charted."),
    (
        "csp-propose",
        "A policy that writes itself",
        "Collect reports under a policy that allows nothing; enforce the proposal.",
    ),
]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/home.html", {"pages": PAGES})


def headers(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/headers.html")


def csp(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    context = {"mode": settings.CSP_MODE, "foreign_origin": settings.DEMO_FOREIGN_ORIGIN}
    return render(request, "demo/csp.html", context)


def csp_propose(request: HttpRequest) -> HttpResponse:
    """Walk through the report-only -> proposal -> enforce loop, with the proposal of the reports so far."""
    from django.conf import settings

    from security.reports import proposals

    proposal = proposals.current_proposal()
    context = {
        "mode": settings.CSP_MODE,
        "proposal": proposal,
        "policy_json": proposals.as_json(proposal),
        "left_out": len(proposal.noise) + len(proposal.unresolved),
    }
    return render(request, "demo/csp_propose.html", context)
