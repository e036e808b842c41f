"""System checks of the CSP settings (security.E060-E079 / W060-W079), run as Django runs them."""

from __future__ import annotations

import pytest
from django.core import checks

CSP = "security.middleware.ContentSecurityPolicyMiddleware"


def ids():
    messages = checks.run_checks(tags=["security"])
    return sorted(
        message.id for message in messages if message.id and message.id[9:12] in {"E06", "W06", "E07", "W07"}
    )


@pytest.fixture
def with_csp(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, CSP]
    return settings


def test_nothing_configured_nothing_reported():
    assert ids() == []


def test_clean_policy_passes(with_csp):
    with_csp.CSP_DICT = {
        "default-src": ["self"],
        "script-src": ["self", "nonce"],
        "report-uri": "security-csp-report",
    }
    with_csp.CSP_REPORT_ONLY_STRING = "default-src 'self'; report-to csp"
    with_csp.CSP_REPORTING_ENDPOINTS = {"csp": "security-reports"}
    assert ids() == []


def test_dict_and_string_both_set(with_csp):
    with_csp.CSP_DICT = {"default-src": ["self"]}
    with_csp.CSP_STRING = "default-src 'self'"
    messages = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.E060"]
    assert len(messages) == 1
    assert messages[0].is_serious()
    assert "CSP_DICT" in messages[0].msg
    assert "CSP_STRING" in messages[0].hint


def test_bad_mode(with_csp):
    with_csp.CSP_DICT = {"default-src": ["self"]}
    with_csp.CSP_MODE = "monitor"
    assert ids() == ["security.E061"]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"default-src": "self", "upgrade-insecure-requests": "yes"}, ["security.E062"]),
        ({"scirpt-src": ["self"]}, ["security.E063"]),
        ({"img-src": ["self", "evil.com; script-src *"]}, ["security.E064"]),
        ({"img-src": ["none", "self"]}, ["security.W066"]),
        ({"script-src": ["self", "unsafe-inline", "nonce"]}, ["security.W067"]),
        ({"report-to": "csp"}, ["security.W068"]),
        ({"report-uri": "not-a-url-name"}, ["security.W069"]),
        ({"block-all-mixed-content": True}, ["security.W070"]),
    ],
)
def test_dictionary_rules(with_csp, policy, expected):
    with_csp.CSP_DICT = policy
    assert ids() == expected


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("default-src self", ["security.W065"]),
        ("default-src 'self', img-src *", ["security.E064"]),
        ("default-src 'self'; img-src a; img-src b", ["security.W071"]),
        # Sent verbatim by contract: an unknown directive is only a warning.
        ("default-scr 'self'", ["security.W063"]),
    ],
)
def test_string_rules(with_csp, policy, expected):
    with_csp.CSP_STRING = policy
    assert ids() == expected


def test_unknown_directive_message_suggests(with_csp):
    with_csp.CSP_DICT = {"frame_ancestors": ["none"]}
    (message,) = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.E063"]
    assert "Did you mean 'frame-ancestors'?" in message.msg
    assert message.obj == "CSP_DICT"
    assert message.hint


def test_second_policy_is_checked_too(with_csp):
    with_csp.CSP_DICT = {"default-src": ["self"]}
    with_csp.CSP_REPORT_ONLY_DICT = {"img-src": ["none", "data:"]}
    with_csp.CSP_REPORT_ONLY_STRING = "img-src 'none'"
    assert ids() == ["security.E060", "security.W066"]


@pytest.mark.parametrize(
    "endpoints",
    [["csp"], {"Bad Name": "/x/"}, {"csp": 'https://x/"a"'}],
)
def test_bad_reporting_endpoints(with_csp, endpoints):
    with_csp.CSP_DICT = {"default-src": ["self"]}
    with_csp.CSP_REPORTING_ENDPOINTS = endpoints
    assert ids() == ["security.E072"]


def test_unresolvable_endpoint_is_a_warning(with_csp):
    with_csp.CSP_DICT = {"default-src": ["self"], "report-to": "csp"}
    with_csp.CSP_REPORTING_ENDPOINTS = {"csp": "missing-url-name"}
    assert ids() == ["security.W069"]


def test_middleware_without_policy(with_csp):
    assert ids() == ["security.W073"]


def test_policy_without_middleware(settings):
    settings.CSP_DICT = {"default-src": ["self"]}
    assert ids() == ["security.W074"]


def test_header_injection_in_the_string_is_e031(with_csp):
    with_csp.CSP_REPORT_ONLY_STRING = "default-src 'self'\r\nSet-Cookie: a=b"
    assert "security.E031" in [m.id for m in checks.run_checks(tags=["security"])]
