"""The generic system checks: broken settings produce their ids at start-up."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
NEEDS_AUTH = "tests.base_middleware.NeedsAuthMiddleware"
PRECEDES_COMMON = "tests.base_middleware.NeedsToPrecedeCommonMiddleware"


def ids(deploy: bool = False) -> list[str]:
    messages = checks.run_checks(tags=["security"], include_deployment_checks=deploy)
    return sorted(m.id for m in messages if m.id and m.id.startswith("security."))


@pytest.mark.parametrize(
    "value", ["a\r\nSet-Cookie: x=1", "line\nbreak", "caf\u00e9 \u2603", 42, b"bytes"], ids=repr
)
def test_e001_header_setting_values_must_be_safe(value):
    with override_settings(P3P_COMPACT_POLICY=value):
        messages = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.E031"]
    assert len(messages) == 1
    assert "P3P_COMPACT_POLICY" in messages[0].msg
    assert messages[0].hint


def test_e001_latin1_is_fine():
    with override_settings(P3P_COMPACT_POLICY="NOI DSP caf\u00e9"):
        assert "security.E031" not in ids()


def test_e002_middleware_must_follow_what_it_declares():
    with override_settings(MIDDLEWARE=[SESSION, NEEDS_AUTH, AUTH]):
        assert "security.E032" in ids()
    with override_settings(MIDDLEWARE=[SESSION, AUTH, NEEDS_AUTH]):
        assert "security.E032" not in ids()
    with override_settings(MIDDLEWARE=[NEEDS_AUTH]):
        assert "security.E032" in ids()


def test_e002_middleware_must_precede_what_it_declares_when_present():
    with override_settings(MIDDLEWARE=[COMMON, PRECEDES_COMMON]):
        assert "security.E032" in ids()
    with override_settings(MIDDLEWARE=[PRECEDES_COMMON, COMMON]):
        assert "security.E032" not in ids()
    with override_settings(MIDDLEWARE=[PRECEDES_COMMON]):
        assert "security.E032" not in ids()


def test_e003_missing_required_setting_is_reported_at_start_up():
    with override_settings(MIDDLEWARE=["tests.base_middleware.RecordingMiddleware"]):
        messages = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.E033"]
        assert "RECORDING_REQUIRED" in messages[0].msg
        with pytest.raises(SystemCheckError, match=r"security\.E033"):
            call_command("check")
    with override_settings(MIDDLEWARE=["tests.base_middleware.RecordingMiddleware"], RECORDING_REQUIRED="x"):
        assert "security.E033" not in ids()


def test_unimportable_middleware_is_left_to_django():
    with override_settings(MIDDLEWARE=["no.such.Middleware"]):
        assert ids() == []


def test_w001_deploy_check_lists_missing_recommended_headers():
    with override_settings(MIDDLEWARE=[]):
        warnings = [
            m
            for m in checks.run_checks(tags=["security"], include_deployment_checks=True)
            if m.id == "security.W031"
        ]
        assert len(warnings) == 4
        assert "security.W031" not in ids(deploy=False)


def test_w001_satisfied_by_ours_or_djangos_equivalent():
    ours = [
        "security.middleware.ContentSecurityPolicyMiddleware",
        "security.middleware.StrictTransportSecurityMiddleware",
        "security.middleware.ContentNoSniff",
        "security.middleware.XFrameOptionsMiddleware",
    ]
    with override_settings(MIDDLEWARE=ours, CSP_STRING="default-src 'self'"):
        assert "security.W031" not in ids(deploy=True)
    djangos = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    with override_settings(MIDDLEWARE=djangos, SECURE_HSTS_SECONDS=3600, SECURE_CONTENT_TYPE_NOSNIFF=True):
        warnings = [
            m
            for m in checks.run_checks(tags=["security"], include_deployment_checks=True)
            if m.id == "security.W031"
        ]
        assert [w.msg for w in warnings] == ["No middleware sends the Content-Security-Policy header."]
    with override_settings(MIDDLEWARE=djangos, SECURE_HSTS_SECONDS=0, SECURE_CONTENT_TYPE_NOSNIFF=False):
        warnings = [
            m
            for m in checks.run_checks(tags=["security"], include_deployment_checks=True)
            if m.id == "security.W031"
        ]
        assert len(warnings) == 3
