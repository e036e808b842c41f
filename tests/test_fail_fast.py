"""Settings fail fast: one validator per setting, at application load and in the system check alike.

Production servers never run system checks, so every wrong value must stop
the handler from being built, with ``ImproperlyConfigured`` naming the
setting, and the check must report the same problem (the same validator).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.test import Client, override_settings

from security.middleware import (
    BaseMiddleware,
    ContentNoSniff,
    ContentSecurityPolicyMiddleware,
    ReferrerPolicyMiddleware,
    XFrameOptionsMiddleware,
    XssProtectMiddleware,
)

pytestmark = pytest.mark.django_db

MW = "security.middleware."
CSP = MW + "ContentSecurityPolicyMiddleware"
ENFORCE = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"


def check_messages(**settings) -> list[checks.CheckMessage]:
    with override_settings(**settings):
        return [m for m in checks.run_checks(tags=["security"]) if m.is_serious()]


def build_handler(**settings) -> None:
    with override_settings(**settings):
        WSGIHandler()


# -- every CSP mistake that used to be a 500 on each request ---------------------------------------


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"CSP_DICT": "x"}, "CSP_DICT"),
        ({"CSP_DICT": ["default-src", "self"]}, "CSP_DICT"),
        ({"CSP_STRING": 5}, "CSP_STRING"),
        ({"CSP_STRING": "default-src 'self'\r\nSet-Cookie: a=b"}, "CSP_STRING"),
        ({"CSP_DICT": {"default-src": ["self"], "report-uri": "https://a.example/r\r\nX: y"}}, "CSP_DICT"),
        ({"CSP_DICT": {"default-src": ["self"]}, "CSP_STRING": "default-src 'self'"}, "CSP_DICT"),
        ({"CSP_STRING": "default-src 'self'", "CSP_MODE": "block"}, "CSP_MODE"),
        ({"CSP_STRING": "default-src 'self'", "CSP_REPORTING_ENDPOINTS": ["x"]}, "CSP_REPORTING_ENDPOINTS"),
        ({"CSP_REPORT_ONLY_DICT": {"img-src": 5}}, "CSP_REPORT_ONLY_DICT"),
    ],
)
def test_wrong_csp_settings_stop_the_handler_and_fail_the_check(settings, named):
    with pytest.raises(ImproperlyConfigured, match=re.escape(named)):
        build_handler(MIDDLEWARE=[CSP], **settings)
    errors = check_messages(MIDDLEWARE=[CSP], **settings)
    assert errors, "the system check must report what stops the middleware"
    assert any(m.obj == named for m in errors), [(m.id, m.obj) for m in errors]


def test_unknown_directive_in_csp_string_is_sent_verbatim_with_a_warning(client):
    policy = "allow 'self'; script-src *.google.com"
    with override_settings(MIDDLEWARE=[CSP], CSP_STRING=policy):
        assert Client().get("/plain/")[ENFORCE] == policy
        found = [m for m in checks.run_checks(tags=["security"]) if m.obj == "CSP_STRING"]
    assert [(m.id, m.is_serious()) for m in found] == [("security.W063", False)]


def test_unknown_directive_in_csp_dict_is_an_error():
    with pytest.raises(ImproperlyConfigured, match="CSP_DICT"):
        build_handler(MIDDLEWARE=[CSP], CSP_DICT={"allow": ["self"]})
    assert [m.id for m in check_messages(MIDDLEWARE=[CSP], CSP_DICT={"allow": ["self"]})] == ["security.E063"]


def test_no_policy_means_not_used_as_in_the_original():
    with override_settings(CSP_DICT=None, CSP_STRING=None), pytest.raises(MiddlewareNotUsed):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())


@pytest.mark.parametrize(
    ("mode", "headers"), [(None, {ENFORCE}), ("enforce-and-report-only", {ENFORCE, REPORT_ONLY})]
)
def test_modes(mode, headers):
    with override_settings(MIDDLEWARE=[CSP], CSP_STRING="default-src 'self'", CSP_MODE=mode):
        response = Client().get("/plain/")
    assert {name for name in (ENFORCE, REPORT_ONLY) if name in response} == headers
    assert all(response[name] == "default-src 'self'" for name in headers)


def test_the_originals_private_builder_still_answers():
    with override_settings(CSP_STRING="default-src 'self'"):
        middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    assert middleware._csp_builder({"default-src": ["self"], "report-uri": "/r/"}) == (
        "default-src 'self'; report-uri /r/"
    )
    for bad in ({"default-src": "self"}, {"sandbox": ["invalid"]}, {"referrer": "x"}, {"nope": ["self"]}):
        # The original signalled MiddlewareNotUsed here; the error is an ImproperlyConfigured too.
        with pytest.raises(MiddlewareNotUsed) as caught:
            middleware._csp_builder(bad)
        assert isinstance(caught.value, ImproperlyConfigured)


# -- header middleware -----------------------------------------------------------------------------


def test_load_setting_validates_each_value_as_the_original():
    frame = XFrameOptionsMiddleware(lambda request: HttpResponse())
    with pytest.raises(ImproperlyConfigured, match="X_FRAME_OPTIONS"):
        frame.load_setting("X_FRAME_OPTIONS", "invalid")
    with pytest.raises(ImproperlyConfigured, match="X_FRAME_OPTIONS_EXCLUDE_URLS"):
        frame.load_setting("X_FRAME_OPTIONS_EXCLUDE_URLS", 1)
    with pytest.raises(ImproperlyConfigured, match="XSS_PROTECT"):
        XssProtectMiddleware(lambda request: HttpResponse()).load_setting("XSS_PROTECT", "invalid")
    with pytest.raises(ImproperlyConfigured, match="REFERRER_POLICY"):
        ReferrerPolicyMiddleware(lambda request: HttpResponse()).load_setting("REFERRER_POLICY", "invalid")
    # A failed load keeps the previous, valid header.
    response = frame.process_response(Client().request().wsgi_request, HttpResponse())
    assert response["X-Frame-Options"] == "sameorigin"


def test_base_middleware_load_setting_is_abstract():
    with pytest.raises(NotImplementedError):
        BaseMiddleware(lambda request: HttpResponse()).load_setting(None, None)


@pytest.mark.parametrize(
    ("settings", "header", "expected"),
    [
        ({"XSS_PROTECT": None}, "X-XSS-Protection", "1"),
        ({"REFERRER_POLICY": None}, "Referrer-Policy", "same-origin"),
        ({"REFERRER_POLICY": "off"}, "Referrer-Policy", None),
        ({"X_FRAME_OPTIONS": None}, "X-Frame-Options", "deny"),
    ],
)
def test_none_means_the_default_and_off_sends_nothing(settings, header, expected):
    stack = [MW + "XssProtectMiddleware", MW + "ReferrerPolicyMiddleware", MW + "XFrameOptionsMiddleware"]
    with override_settings(MIDDLEWARE=stack, **settings):
        assert Client().get("/plain/").get(header) == expected


def test_nosniff_sends_both_names_unless_asked_not_to():
    with override_settings(MIDDLEWARE=[MW + "ContentNoSniff"]):
        response = Client().get("/plain/")
    assert (response["X-Content-Type-Options"], response["X-Content-Options"]) == ("nosniff", "nosniff")
    with override_settings(MIDDLEWARE=[MW + "ContentNoSniff"], NOSNIFF_LEGACY_HEADER=False):
        assert "X-Content-Options" not in Client().get("/plain/")
    with pytest.raises(ImproperlyConfigured, match="NOSNIFF_LEGACY_HEADER"):
        build_handler(MIDDLEWARE=[MW + "ContentNoSniff"], NOSNIFF_LEGACY_HEADER="no")
    assert [m.id for m in check_messages(NOSNIFF_LEGACY_HEADER="no")] == ["security.E053"]
    assert isinstance(ContentNoSniff(lambda request: HttpResponse()), BaseMiddleware)


def test_a_directly_assigned_setting_reaches_the_next_middleware_built():
    """Projects' tests assign settings (no setting_changed signal); compile per instance, not per process."""
    with override_settings(MIDDLEWARE=[MW + "XssProtectMiddleware"]):
        assert Client().get("/plain/")["X-XSS-Protection"] == "1"
        django_settings.XSS_PROTECT = "off"
        assert Client().get("/plain/")["X-XSS-Protection"] == "0"
        del django_settings.XSS_PROTECT


def test_settings_changed_mid_test_apply_on_the_next_request_even_through_invalid_steps():
    """override_settings changes one setting at a time; the states between them are not errors."""
    with override_settings(MIDDLEWARE=[CSP], CSP_STRING="default-src 'self'"):
        client = Client()
        assert client.get("/plain/")[ENFORCE] == "default-src 'self'"
        with override_settings(CSP_DICT={"img-src": ["self"]}, CSP_STRING=None):
            assert client.get("/plain/")[ENFORCE] == "img-src 'self'"
        assert client.get("/plain/")[ENFORCE] == "default-src 'self'"


def test_w067_says_unsafe_inline_is_in_force_on_pages_without_the_nonce():
    policy = {"default-src": ["self"], "script-src": ["self", "unsafe-inline", "nonce"]}
    with override_settings(MIDDLEWARE=[CSP], CSP_DICT=policy):
        (warning,) = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.W067"]
        header = Client().get("/plain/")[ENFORCE]
    assert "'unsafe-inline'" in header
    assert "nonce-" not in header  # the page never read the nonce
    assert "every other page" in warning.msg
    assert "ignore 'unsafe-inline' then" not in warning.msg
    hashed = {"script-src": ["self", "unsafe-inline", "sha256-" + "A" * 43 + "="]}
    with override_settings(MIDDLEWARE=[CSP], CSP_DICT=hashed):
        (warning,) = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.W067"]
    assert "ignore 'unsafe-inline' then" in warning.msg


_STARTUP = """
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "security"],
    AUTHENTICATION_BACKENDS=[
        "security.auth_throttling.backends.ThrottlingBackend",
        "django.contrib.auth.backends.ModelBackend",
    ],
    AUTH_THROTTLING={AUTH_THROTTLING},
)
django.setup()
print("started")
"""


@pytest.mark.parametrize(
    ("value", "started"),
    [
        ({"MODE": "sometimes"}, False),
        ({"ACCOUNT_LOOKUP": "yes"}, False),
        ({"CACHE": "nope"}, False),
        ({"MODE": "delay"}, True),
    ],
)
def test_a_wrong_auth_throttling_stops_the_site_at_startup_when_the_backend_is_installed(value, started):
    """Backends are built on the first login and servers run no checks: django.setup() must refuse."""
    import subprocess
    import sys
    from pathlib import Path

    code = _STARTUP.replace("{AUTH_THROTTLING}", repr(value))
    src = str(Path(__file__).resolve().parent.parent / "src")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={"PYTHONPATH": src}
    )
    if started:
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "started"
    else:
        assert result.returncode != 0
        assert "ImproperlyConfigured: AUTH_THROTTLING:" in result.stderr
