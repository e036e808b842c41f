"""Settings changed while the site runs: one mechanism for every configurable middleware.

A wrong value arriving through ``setting_changed`` (``override_settings``,
pytest-django's ``settings``) must not raise inside the signal; the handler
already built refuses each of its requests with ``ImproperlyConfigured``
naming the setting until a valid value arrives, and then serves with that
value.  ``load_setting`` called directly still validates at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import AsyncClient, Client, override_settings

from security.middleware import LoginRequiredMiddleware, SessionExpiryPolicyMiddleware

from .auth_support import AUTH, LOGIN_ONLY, MANDATORY, MESSAGES, PASSWORD_ONLY, SESSION, SESSION_ONLY

FRONT_DOOR = "security.auth_throttling.Middleware"
THROTTLING = {"LOGIN_URLS_WITH_TEMPLATES": [("accounts/login/", None)]}


@dataclass(frozen=True)
class Case:
    stack: list[str]
    name: str
    wrong: Any
    right: Any
    before: int  # status of the probe request before the change
    after: int  # status once the valid value is in force
    base: dict[str, Any] = field(default_factory=dict)
    logged_in: bool = False
    path: str = "/auth/private/"


CASES = {
    "login-required": Case(LOGIN_ONLY, "LOGIN_EXEMPT_URLS", ["("], [r"^auth/private/$"], 302, 200),
    "password-change": Case(
        PASSWORD_ONLY,
        "MANDATORY_PASSWORD_CHANGE",
        {**MANDATORY, "EXEMPT_URLS": ["("]},
        {**MANDATORY, "EXEMPT_URLS": [r"^auth/private/$"]},
        302,  # a new user's password counts as expired
        200,
        base={"MANDATORY_PASSWORD_CHANGE": MANDATORY},
        logged_in=True,
    ),
    "session-expiry": Case(SESSION_ONLY, "SESSION_INACTIVITY_TIMEOUT", "30m", 600, 200, 200),
    "front-door": Case(
        [SESSION, AUTH, MESSAGES, FRONT_DOOR],
        "AUTHENTICATION_THROTTLING",
        {"LOGIN_URLS_WITH_TEMPLATES": [("/accounts/login/", None)]},
        {"LOGIN_URLS_WITH_TEMPLATES": [("auth/private/", None)]},
        200,
        200,
        base={"AUTHENTICATION_THROTTLING": THROTTLING},
    ),
    "header": Case(
        ["security.middleware.XssProtectMiddleware"],
        "XSS_PROTECT",
        "invalid",
        "off",
        200,
        200,
        path="/plain/",
    ),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request, settings) -> Case:
    chosen = CASES[request.param]
    settings.MIDDLEWARE = chosen.stack
    for name, value in chosen.base.items():
        setattr(settings, name, value)
    return chosen


@pytest.mark.django_db
def test_a_wrong_value_refuses_every_request_until_a_valid_one_arrives(case):
    client = Client()
    if case.logged_in:
        client.force_login(get_user_model().objects.create_user("erin", password="pw-erin-1"))
    assert client.get(case.path).status_code == case.before  # the handler is built here
    with override_settings(**{case.name: case.wrong}):  # the signal itself does not raise
        for _ in range(2):  # refused, and not just once
            with pytest.raises(ImproperlyConfigured, match=case.name):
                client.get(case.path)
        with override_settings(**{case.name: case.right}):
            assert client.get(case.path).status_code == case.after
        with pytest.raises(ImproperlyConfigured, match=case.name):
            client.get(case.path)
    assert client.get(case.path).status_code == case.before


@pytest.mark.django_db(transaction=True)
async def test_a_wrong_value_refuses_every_request_until_a_valid_one_arrives_async(case):
    client = AsyncClient()
    if case.logged_in:
        user = await sync_to_async(get_user_model().objects.create_user)("erin", password="pw-erin-1")
        await client.aforce_login(user)
    assert (await client.get(case.path)).status_code == case.before
    with override_settings(**{case.name: case.wrong}):
        for _ in range(2):
            with pytest.raises(ImproperlyConfigured, match=case.name):
                await client.get(case.path)
        with override_settings(**{case.name: case.right}):
            assert (await client.get(case.path)).status_code == case.after
        with pytest.raises(ImproperlyConfigured, match=case.name):
            await client.get(case.path)
    assert (await client.get(case.path)).status_code == case.before


# -- load_setting called directly (the original's tests do) -------------------------------------


def test_load_setting_applies_a_valid_value_at_once_and_keeps_it_over_a_wrong_one():
    instance = LoginRequiredMiddleware(lambda request: HttpResponse())
    assert not instance.exempt.matches("/about/")
    instance.load_setting("LOGIN_EXEMPT_URLS", [r"^about/$"])
    assert instance.exempt.matches("/about/")
    with pytest.raises(ImproperlyConfigured, match="LOGIN_EXEMPT_URLS"):
        instance.load_setting("LOGIN_EXEMPT_URLS", ["("])
    assert instance.exempt.matches("/about/")


def test_load_setting_none_means_the_default():
    instance = SessionExpiryPolicyMiddleware(lambda request: HttpResponse())
    instance.load_setting("SESSION_INACTIVITY_TIMEOUT", 60)
    assert instance.SESSION_INACTIVITY_TIMEOUT == 60
    instance.load_setting("SESSION_INACTIVITY_TIMEOUT", None)  # unset in the test settings
    assert instance.SESSION_INACTIVITY_TIMEOUT == 1800


def test_a_header_middleware_refuses_before_the_view_runs():
    from django.test import RequestFactory

    from security.middleware import XssProtectMiddleware

    views_run: list[object] = []
    middleware = XssProtectMiddleware(lambda request: views_run.append(request) or HttpResponse())
    with override_settings(XSS_PROTECT="invalid"), pytest.raises(ImproperlyConfigured, match="XSS_PROTECT"):
        middleware(RequestFactory().get("/"))
    assert views_run == []
    middleware(RequestFactory().get("/"))
    assert len(views_run) == 1


@pytest.mark.django_db
def test_a_relative_static_url_set_while_serving_stays_exempt(settings):
    """setting_changed carries "assets/" raw; the exemption uses it as Django does ("/assets/")."""
    settings.MIDDLEWARE = LOGIN_ONLY
    client = Client()
    assert client.get("/assets/app.css").status_code == 302  # not static yet: login required
    with override_settings(STATIC_URL="assets/"):
        assert client.get("/assets/app.css").status_code != 302


@pytest.mark.django_db
def test_static_and_media_paths_are_never_sent_to_the_password_change(settings):
    """A view under STATIC_URL or MEDIA_URL is not redirected; the prefixes follow setting changes."""
    settings.MIDDLEWARE = PASSWORD_ONLY
    settings.MANDATORY_PASSWORD_CHANGE = MANDATORY
    client = Client()
    client.force_login(get_user_model().objects.create_user("ivy", password="pw-ivy-1"))  # expired: new
    assert client.get("/auth/private/").status_code == 302
    with override_settings(STATIC_URL="auth/"):  # relative: compiled as Django holds it, /auth/
        assert client.get("/auth/private/").status_code == 200
    with override_settings(MEDIA_URL="/auth/"):
        assert client.get("/auth/private/").status_code == 200
    assert client.get("/auth/private/").status_code == 302
