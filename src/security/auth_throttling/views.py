"""A staff page to reset the login throttle of a username and/or an IP address."""

from __future__ import annotations

import ipaddress
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.views import PasswordChangeView
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..log import logger
from .core import Throttle
from .forms import ThrottledPasswordChangeForm


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


@never_cache
@require_POST
def reset_username_throttle(
    request: HttpRequest, user_id: int | str | None = None, redirect_url: str = "/"
) -> HttpResponse:
    """The original's admin button: superusers reset the throttle of user ``user_id``; others get 404."""
    if not getattr(request.user, "is_superuser", False):
        raise Http404
    try:
        user = get_user_model()._default_manager.get(pk=user_id)
    except (get_user_model().DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    Throttle().reset(username=user.get_username())
    logger.info("Login throttle reset by %s for user id %s", request.user.pk, user.pk)
    return HttpResponseRedirect(redirect_url if url_has_allowed_host_and_scheme(redirect_url, None) else "/")


class ThrottledPasswordChangeView(PasswordChangeView):
    """Django's ``PasswordChangeView`` with the old-password check throttled (per account and address)."""

    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["request"] = self.request
        return kwargs
