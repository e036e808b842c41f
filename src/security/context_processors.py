"""Template context processors of django-security."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def csp(request: HttpRequest) -> dict[str, Any]:
    """``{{ csp_nonce }}``: the request's lazy CSP nonce (``""`` without the CSP middleware).

    Reading it in a template is what puts ``'nonce-…'`` in that response's policy.
    """
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
