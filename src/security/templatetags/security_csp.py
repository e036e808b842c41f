"""``{% load security_csp %}``: the CSP nonce in templates.

``<script nonce="{% csp_nonce %}">`` or ``<script {% csp_nonce_attr %}>``.  Using
either puts the nonce in this response's policy; both print nothing when the
request has no nonce (CSP middleware not installed).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _nonce(context: template.Context) -> Any:
    nonce = context.get("csp_nonce")
    if not nonce:
        request = context.get("request")
        nonce = getattr(request, "csp_nonce", None)
    return nonce or None


@register.simple_tag(takes_context=True)
def csp_nonce(context: template.Context) -> str:
    """The nonce value, for a ``nonce="…"`` attribute."""
    nonce = _nonce(context)
    return str(nonce) if nonce is not None else ""


@register.simple_tag(takes_context=True)
def csp_nonce_attr(context: template.Context) -> SafeString:
    """A complete ``nonce="…"`` attribute (empty without a nonce)."""
    nonce = _nonce(context)
    return format_html('nonce="{}"', str(nonce)) if nonce is not None else SafeString("")
