"""System checks of the header, privacy and caching settings (ids 040-059)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import override_settings

MW = "security.middleware."


def ids(**settings) -> list[str]:
    with override_settings(**settings):
        messages = checks.run_checks(tags=["security"])
    return sorted(
        m.id for m in messages if m.id and m.id.startswith("security.") and 40 <= int(m.id[-3:]) <= 59
    )


def test_a_correct_full_configuration_is_clean():
    assert (
        ids(
            MIDDLEWARE=[
                MW + "SecurityHeadersMiddleware",
                MW + "StrictTransportSecurityMiddleware",
                MW + "XFrameOptionsMiddleware",
                MW + "ReferrerPolicyMiddleware",
                MW + "PermissionsPolicyMiddleware",
                MW + "CrossOriginIsolationMiddleware",
                MW + "ClearSiteDataMiddleware",
                MW + "NoConfidentialCachingMiddleware",
            ],
            STS_PRELOAD=True,
            X_FRAME_OPTIONS="deny",
            XSS_PROTECT="off",
            PERMISSIONS_POLICY={"camera": []},
            CROSS_ORIGIN_EMBEDDER_POLICY="require-corp",
            CLEAR_SITE_DATA_URLS=[r"^/logout/$"],
            NO_CONFIDENTIAL_CACHING={"BLACKLIST_ON": True, "BLACKLIST_REGEXES": [r"^/admin/"]},
            GPC_LAST_UPDATE="2025-01-01",
        )
        == []
    )


def test_nothing_is_checked_when_nothing_is_used():
    assert ids(MIDDLEWARE=[], X_FRAME_OPTIONS="bogus", XSS_PROTECT="on") == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"STS_MAX_AGE": "1y"}, ["security.E040"]),
        ({"STS_MAX_AGE": -5}, ["security.E040"]),
        ({"STS_INCLUDE_SUBDOMAINS": "yes"}, ["security.E040"]),
        ({"STS_PRELOAD": 1}, ["security.E040"]),
        ({"STS_PRELOAD": True, "STS_MAX_AGE": 3600}, ["security.W040"]),
        ({"STS_PRELOAD": True, "STS_INCLUDE_SUBDOMAINS": False}, ["security.W040"]),
        ({"STS_PRELOAD": True, "STS_MAX_AGE": 60, "STS_INCLUDE_SUBDOMAINS": False}, ["security.W040"] * 2),
        ({"STS_PRELOAD": True}, []),
    ],
)
def test_hsts(settings, expected):
    assert ids(MIDDLEWARE=[MW + "StrictTransportSecurityMiddleware"], **settings) == expected


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"X_FRAME_OPTIONS": "allowall"}, ["security.E042"]),
        ({"X_FRAME_OPTIONS": "allow-from partner.example"}, ["security.E042"]),
        ({"X_FRAME_OPTIONS": ["deny"]}, ["security.E042"]),
        ({"X_FRAME_OPTIONS": "Deny"}, []),
        ({"X_FRAME_OPTIONS_EXCLUDE_URLS": ["(unclosed"]}, ["security.E043"]),
        ({"X_FRAME_OPTIONS_EXCLUDE_URLS": r"^/a/"}, ["security.E043"]),
    ],
)
def test_frame_options(settings, expected):
    assert ids(MIDDLEWARE=[MW + "XFrameOptionsMiddleware"], **settings) == expected


def test_allow_from_with_djangos_csp_middleware():
    stack = ["django.middleware.csp.ContentSecurityPolicyMiddleware", MW + "XFrameOptionsMiddleware"]
    assert ids(MIDDLEWARE=stack, X_FRAME_OPTIONS="allow-from https://p.example") == ["security.W051"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ["security.W041"]), ("on", ["security.W041"]), ("off", []), ("block", ["security.E044"])],
)
def test_xss_protect(value, expected):
    extra = {} if value is None else {"XSS_PROTECT": value}
    assert ids(MIDDLEWARE=[MW + "XssProtectMiddleware"], **extra) == expected


def test_p3p_is_obsolete_and_checked():
    stack = [MW + "P3PPolicyMiddleware"]
    assert ids(MIDDLEWARE=stack, P3P_COMPACT_POLICY="NOI") == ["security.W042"]
    assert ids(MIDDLEWARE=stack, P3P_COMPACT_POLICY='NOI "x"') == ["security.E045", "security.W042"]
    with override_settings(MIDDLEWARE=stack):
        missing = [m for m in checks.run_checks(tags=["security"]) if "P3P_COMPACT_POLICY" in m.msg]
    assert missing
    assert all(m.level == checks.ERROR for m in missing)


def test_dnt_is_obsolete():
    assert ids(MIDDLEWARE=[MW + "DoNotTrackMiddleware"]) == ["security.W043"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, ["security.W044"]),
        ({"WHITELIST_ON": False, "BLACKLIST_ON": False}, ["security.W044"]),
        ({"WHITELIST_ON": True}, []),
        ("^/", ["security.E046"]),
        ({"WHITELIST": True}, ["security.E046"]),
        ({"BLACKLIST_ON": "yes"}, ["security.E046"]),
        ({"BLACKLIST_ON": True, "BLACKLIST_REGEXES": ["(bad"]}, ["security.E046"]),
        ({"WHITELIST_ON": True, "WHITELIST_REGEXES": "^/public/"}, ["security.E046"]),
    ],
)
def test_confidential_caching(config, expected):
    assert (
        ids(MIDDLEWARE=[MW + "NoConfidentialCachingMiddleware"], NO_CONFIDENTIAL_CACHING=config) == expected
    )


@pytest.mark.parametrize(
    ("middleware", "settings", "expected"),
    [
        ("ReferrerPolicyMiddleware", {"REFERRER_POLICY": "none"}, ["security.E047"]),
        ("ReferrerPolicyMiddleware", {"REFERRER_POLICY": ["no-referrer", "strict-origin"]}, []),
        ("PermissionsPolicyMiddleware", {"PERMISSIONS_POLICY": {"camera": "nobody"}}, ["security.E048"]),
        ("PermissionsPolicyMiddleware", {"PERMISSIONS_POLICY": {"camara": []}}, ["security.W045"]),
        ("PermissionsPolicyMiddleware", {}, ["security.W047"]),
        ("CrossOriginIsolationMiddleware", {"CROSS_ORIGIN_RESOURCE_POLICY": "same-host"}, ["security.E049"]),
        (
            "CrossOriginIsolationMiddleware",
            {"CROSS_ORIGIN_EMBEDDER_POLICY": "require-corp", "CROSS_ORIGIN_OPENER_POLICY": None},
            ["security.W046"],
        ),
        ("ClearSiteDataMiddleware", {}, ["security.W047"]),
        ("ClearSiteDataMiddleware", {"CLEAR_SITE_DATA_URLS": ["(x"]}, ["security.E050"]),
        (
            "ClearSiteDataMiddleware",
            {"CLEAR_SITE_DATA_URLS": ["^/"], "CLEAR_SITE_DATA": ["all"]},
            ["security.E050"],
        ),
    ],
)
def test_modern_headers(middleware, settings, expected):
    assert ids(MIDDLEWARE=[MW + middleware], **settings) == expected


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"SECURITY_HEADERS": ["nosniff", "hstss"]}, ["security.E051"]),
        ({"SECURITY_HEADERS": "nosniff"}, ["security.E051"]),
        ({"SECURITY_HEADERS": ["p3p"]}, ["security.E051", "security.W042"]),
        ({"SECURITY_HEADERS": ["xss-protection"]}, ["security.W041"]),
        ({"SECURITY_HEADERS": ["frame-options"], "X_FRAME_OPTIONS": "never"}, ["security.E042"]),
    ],
)
def test_combined_middleware(settings, expected):
    assert ids(MIDDLEWARE=[MW + "SecurityHeadersMiddleware"], **settings) == expected


@pytest.mark.parametrize(("supported", "last_update"), [("yes", None), (True, "2025-31-12"), (True, "soon")])
def test_gpc_settings(supported, last_update):
    assert ids(MIDDLEWARE=[], GPC_SUPPORTED=supported, GPC_LAST_UPDATE=last_update) == ["security.E052"]


def test_conflicts_with_djangos_middleware():
    djangos = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    ours = [
        MW + "StrictTransportSecurityMiddleware",
        MW + "ReferrerPolicyMiddleware",
        MW + "CrossOriginIsolationMiddleware",
        MW + "XFrameOptionsMiddleware",
    ]
    agreeing = {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "SAMEORIGIN",
    }
    assert ids(MIDDLEWARE=[*djangos, *ours], **agreeing) == []
    disagreeing = {
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_REFERRER_POLICY": "no-referrer",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin-allow-popups",
    }
    # Django's X_FRAME_OPTIONS default is DENY; ours is sameorigin: a conflict too.
    assert ids(MIDDLEWARE=[*djangos, *ours], **disagreeing) == ["security.W048"] * 4
    assert ids(MIDDLEWARE=djangos, **disagreeing) == []
