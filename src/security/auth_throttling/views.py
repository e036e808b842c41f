"""A staff page to reset the login throttle of a username and/or an IP address."""

from __future__ import annotations

import ipaddress

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..log import logger
from .core import Throttle


class ResetThrottleForm(forms.Form):
    username = forms.CharField(required=False, max_length=254)
    ip = forms.GenericIPAddressField(required=False, label="IP address")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("username") and not data.get("ip"):
            raise forms.ValidationError("Give a username, an IP address or both.")
        return data


@require_http_methods(["GET", "POST"])
@permission_required("auth.change_user", raise_exception=True)
def reset_throttle(request: HttpRequest) -> HttpResponse:
    """GET: the form (``?username=`` pre-fills it); POST: forget the failures and come back here."""
    throttle = Throttle()
    if request.method == "POST":
        form = ResetThrottleForm(request.POST)
        if form.is_valid():
            username, ip = form.cleaned_data["username"] or None, form.cleaned_data["ip"] or None
            throttle.reset(username=username, ip=str(ipaddress.ip_address(ip)) if ip else None)
            logger.info("Login throttle reset by %s for username=%r ip=%r", request.user, username, ip)
            messages.success(request, "The login throttle was reset.")
            return redirect(request.path)
    else:
        form = ResetThrottleForm(initial={"username": request.GET.get("username", "")})
    return render(request, "security/throttle_reset.html", {"form": form, "title": "Reset login throttle"})
