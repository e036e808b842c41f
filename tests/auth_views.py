"""Views and URLs of the authentication, session and throttling tests (included at the root)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import aauthenticate, alogin, authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, re_path
from django.views.static import serve

from security.auth_throttling.forms import ThrottledAuthenticationForm
from security.auth_throttling.views import ThrottledPasswordChangeView
from security.views import require_ajax


def whoami(request: HttpRequest) -> HttpResponse:
    user = request.user
    return HttpResponse(
        user.get_username() if user.is_authenticated else "anonymous", content_type="text/plain"
    )


async def awhoami(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    return HttpResponse(
        user.get_username() if user.is_authenticated else "anonymous", content_type="text/plain"
    )


@login_not_required
def open_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("open", content_type="text/plain")


@login_not_required
async def aopen_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("open async", content_type="text/plain")


def remember(request: HttpRequest) -> HttpResponse:
    """Puts something in the session (an anonymous visitor's cart, say)."""
    request.session["cart"] = ["book"]
    return HttpResponse("remembered", content_type="text/plain")


@require_ajax
def ajax_only(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


@require_ajax
async def aajax_only(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "async": True})


def check_credentials(request: HttpRequest) -> HttpResponse:
    """Like a DRF token view or a password-confirm step: authenticate() without login()."""
    user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
    return HttpResponse("valid" if user is not None else "invalid", content_type="text/plain")


async def acheck_credentials(request: HttpRequest) -> HttpResponse:
    user = await aauthenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    return HttpResponse("valid" if user is not None else "invalid", content_type="text/plain")


async def alogin_view(request: HttpRequest) -> HttpResponse:
    """An async login: aauthenticate() then alogin() (user_logged_in settles the throttle)."""
    user = await aauthenticate(
        request, username=request.POST.get("username"), password=request.POST.get("password")
    )
    if user is None:
        return HttpResponse("invalid", content_type="text/plain")
    await alogin(request, user)
    return HttpResponse("logged in", content_type="text/plain")


SERVED = str(Path(__file__).resolve().parent / "served")

urlpatterns = [
    path("auth/check/", check_credentials, name="check-credentials"),
    path("auth/async-check/", acheck_credentials, name="async-check-credentials"),
    path("auth/async-login/", alogin_view, name="async-login"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="auth_tests/login.html", authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path(
        "accounts/plain-login/",
        auth_views.LoginView.as_view(template_name="auth_tests/login.html"),
        name="plain-login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(template_name="auth_tests/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/throttled_password_change/",
        ThrottledPasswordChangeView.as_view(template_name="auth_tests/password_change.html"),
        name="throttled_password_change",
    ),
    path(
        "accounts/password_change/done/",
        lambda request: HttpResponse("password changed"),
        name="password_change_done",
    ),
    path("auth/private/", whoami, name="private"),
    path("auth/private/<int:number>/", whoami, name="private-number"),
    path("auth/async-private/", awhoami, name="async-private"),
    path("auth/open/", open_view, name="open"),
    path("auth/async-open/", aopen_view, name="async-open"),
    path("auth/help/", whoami, name="help"),
    path("auth/remember/", remember, name="remember"),
    path("auth/ajax/", ajax_only, name="ajax-only"),
    path("auth/async-ajax/", aajax_only, name="async-ajax-only"),
    path("security/", include("security.auth_throttling.urls")),
    # A file view serving everything under tests/served/ (public/ is exempt in the bypass tests).
    re_path(r"^files/(?P<path>.*)$", serve, {"document_root": SERVED}),
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": SERVED}),
]
