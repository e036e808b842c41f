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


class EmailBackend:
    """Logs in with the e-mail address typed into the username field, as many sites do (test-only).

    One account per address, matched case-insensitively; an address two
    accounts share logs nobody in.
    """

    def _matches(self, username, email):  # type: ignore[no-untyped-def]
        from django.contrib.auth import get_user_model

        address = email if email is not None else username
        if not isinstance(address, str) or "@" not in address:
            return None
        return get_user_model()._default_manager.filter(email__iexact=address)[:2]

    def authenticate(self, request, username=None, password=None, email=None, **_):  # type: ignore[no-untyped-def]
        matches = self._matches(username, email)
        users = list(matches) if matches is not None and password is not None else []
        if len(users) == 1 and users[0].check_password(password) and users[0].is_active:
            return users[0]
        return None

    async def aauthenticate(self, request, username=None, password=None, email=None, **_):  # type: ignore[no-untyped-def]
        matches = self._matches(username, email)
        users = [user async for user in matches] if matches is not None and password is not None else []
        if len(users) == 1 and await users[0].acheck_password(password) and users[0].is_active:
            return users[0]
        return None

    def get_user(self, user_id):  # type: ignore[no-untyped-def]
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager.filter(pk=user_id).first()

    async def aget_user(self, user_id):  # type: ignore[no-untyped-def]
        from django.contrib.auth import get_user_model

        return await get_user_model()._default_manager.filter(pk=user_id).afirst()
