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
