"""Shared middleware lists and helpers of the auth/session/throttling tests."""

from __future__ import annotations

SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
MESSAGES = "django.contrib.messages.middleware.MessageMiddleware"
CSRF = "django.middleware.csrf.CsrfViewMiddleware"
SESSION_EXPIRY = "security.middleware.SessionExpiryPolicyMiddleware"
LOGIN_REQUIRED = "security.middleware.LoginRequiredMiddleware"
PASSWORD_CHANGE = "security.middleware.MandatoryPasswordChangeMiddleware"

#: Every auth policy on, in the documented order.
FULL_STACK = [SESSION, CSRF, AUTH, MESSAGES, SESSION_EXPIRY, LOGIN_REQUIRED, PASSWORD_CHANGE]
LOGIN_ONLY = [SESSION, AUTH, MESSAGES, LOGIN_REQUIRED]
PASSWORD_ONLY = [SESSION, AUTH, MESSAGES, PASSWORD_CHANGE]
SESSION_ONLY = [SESSION, AUTH, MESSAGES, SESSION_EXPIRY]

MANDATORY = {"URL_NAME": "password_change", "EXEMPT_URL_NAMES": ["help"]}


class CustomLoginURL:
    """A project middleware that sends this request's anonymous users to its own login page."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        request.login_url = "/auth/open/"
        return self.get_response(request)


class FallbackPages:
    """Answers every 404 with a page, as ``FlatpageFallbackMiddleware`` does (last in MIDDLEWARE)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        from django.http import HttpResponse

        response = self.get_response(request)
        return HttpResponse("flat page") if response.status_code == 404 else response
