"""Demo pages of the authentication policies: a protected area, password change, throttled login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from security.auth_throttling.forms import ThrottledAuthenticationForm
from security.redirects import safe_next_url


def private(request: HttpRequest) -> HttpResponse:
    """Only signed-in users get here (LoginRequiredMiddleware); shows the session policy."""
    context = {
        "idle_timeout": settings.SESSION_INACTIVITY_TIMEOUT,
        "granularity": settings.SESSION_ACTIVITY_GRANULARITY,
    }
    return render(request, "demo/private.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, returning to the page the user was sent away from."""

    template_name = "demo/password_change.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["next"] = safe_next_url(self.request.GET.get("next"), self.request) or ""
        return context

    def get_success_url(self) -> str:
        return safe_next_url(self.request.POST.get("next"), self.request) or super().get_success_url()


urlpatterns = [
    path("private/", private, name="private"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="demo/password_change_done.html"),
        name="password_change_done",
    ),
]
