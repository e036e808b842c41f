"""Regression tests of reviewed defects in the header and CSP code (each failed before its fix)."""

from __future__ import annotations

import base64
import hashlib
import re

import django
import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.test import AsyncClient, Client, override_settings

from security.csp import hashes
from security.headers import SettingError, framing, permissions
from security.middleware import ContentSecurityPolicyMiddleware, response_headers
from security.paths import EitherFormRules, PathRules, is_absolute

pytestmark = pytest.mark.django_db

MW = "security.middleware."
OUR_CSP = MW + "ContentSecurityPolicyMiddleware"
FRAME = MW + "XFrameOptionsMiddleware"
DJANGO_CSP = "django.middleware.csp.ContentSecurityPolicyMiddleware"
ENFORCE = "Content-Security-Policy"
django6 = pytest.mark.skipif(django.VERSION < (6, 0), reason="not applicable: Django 6+ only")


def check_ids(**settings) -> list[str]:
    with override_settings(**settings):
        return sorted(m.id or "" for m in checks.run_checks(tags=["security"]) if m.id)


# 1. one form per rule ------------------------------------------------------------------------


def test_negative_lookahead_rule_is_not_matched_through_the_other_form():
    rules = EitherFormRules([r"^(?!/admin/)"])
    assert not rules.matches("/admin/login/")
    assert rules.matches("/public/")


@pytest.mark.parametrize(
    ("rule", "absolute"),
    [
        (r"^/admin/", True),
        (r"(?i)^/admin/", True),
        (r"/admin/", True),
        (r"^/?faq/$", True),
        (r"^(?!/admin/)", True),
        (r"^(?:/a/|/b/)", True),
        (r"^admin/", False),
        (r"^(?!admin/)", False),
        (r"", False),
    ],
)
def test_each_rule_has_one_form(rule, absolute):
    assert is_absolute(rule) is absolute
    assert is_absolute(re.compile(rule)) is absolute


def test_relative_rule_is_not_tried_against_the_full_path():
    # "^(?!admin/)" against "/admin/" would match; against "admin/" it must not.
    assert not EitherFormRules([r"^(?!admin/)"]).matches("/admin/")
    assert EitherFormRules([r"^(?!admin/)"]).matches("/public/")


def test_mixed_rules_keep_one_alternation_per_group():
    rules = EitherFormRules([r"^/a/$", r"^/b/$", r"^c/$", r"^d/$"])
    assert len(rules.absolute._compiled) == 1
    assert len(rules.relative._compiled) == 1
    assert all(rules.matches(p) for p in ("/a/", "/b/", "/c/", "/d/"))
    assert not rules.matches("//c/")


@override_settings(
    MIDDLEWARE=[FRAME], X_FRAME_OPTIONS="deny", X_FRAME_OPTIONS_EXCLUDE_URLS=[r"^(?!/fix/admin/)"]
)
def test_exclusion_with_lookahead_through_the_client():
    client = Client()
    assert client.get("/fix/admin/login/")["X-Frame-Options"] == "deny"
    assert "X-Frame-Options" not in client.get("/fix/page/")


# 9. "$" after a class that starts with "[" ----------------------------------------------------


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
def test_dollar_after_class_containing_an_open_bracket_is_anchored():
    rules = PathRules([r"^/a[[]$"])
    assert rules.matches("/a[")
    assert not rules.matches("/a[\n")
    assert PathRules([r"^/[^^]$"]).matches("/x")
    assert not PathRules([r"^/[^^]$"]).matches("/x\n")
    assert PathRules([r"^/[]$]/$"]).matches("/$/")


# 2. header injection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "allow-from\r\nhttps://a.com",
        "allow-from https://a.com\r\nX: y",
        "allow-from https://bücher.example",
        "deny\n",
    ],
)
def test_frame_options_refuses_non_printable_ascii(value):
    with pytest.raises(SettingError):
        framing.frame_options(value)
    assert "security.E042" in check_ids(MIDDLEWARE=[FRAME], X_FRAME_OPTIONS=value)


@pytest.mark.parametrize("entry", ["https://a.com\r\nX-Evil: 1", "https://a.com\t", "https://a\n.com"])
def test_permissions_policy_validates_the_raw_entry(entry):
    with pytest.raises(SettingError):
        permissions.permissions_policy({"camera": [entry]})
    mw = [MW + "PermissionsPolicyMiddleware"]
    assert "security.E048" in check_ids(MIDDLEWARE=mw, PERMISSIONS_POLICY={"camera": [entry]})


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MIDDLEWARE": [FRAME], "X_FRAME_OPTIONS": "allow-from https://bücher.example"}, "X_FRAME_OPTIONS"),
        (
            {
                "MIDDLEWARE": [MW + "PermissionsPolicyMiddleware"],
                "PERMISSIONS_POLICY": {"camera": ["https://a.com\r\nX-Evil: 1"]},
            },
            "PERMISSIONS_POLICY",
        ),
    ],
)
def test_bad_values_never_reach_the_response(settings, named):
    with override_settings(**settings), pytest.raises(ImproperlyConfigured, match=named):
        Client().get("/fix/page/")


@pytest.mark.parametrize("value", ["a\r\nb", "a\nb", "snowman \u2603"])
def test_direct_store_headers_refuse_unsendable_values_at_compile_time(value):
    with pytest.raises(SettingError):
        response_headers.header("X-Test", value)
    assert response_headers.header("X-Test", "caf\u00e9").value == "caf\u00e9"  # latin-1 is sendable


# 3. allow-from: browsers ignore it; frame-ancestors only into a CSP_DICT, only when asked ------------


@override_settings(MIDDLEWARE=[OUR_CSP, FRAME], X_FRAME_OPTIONS="allow-from https://a.example")
def test_allow_from_never_makes_a_policy_of_its_own():
    with pytest.raises(MiddlewareNotUsed):
        ContentSecurityPolicyMiddleware(lambda request: None)
    assert ENFORCE not in Client().get("/fix/page/")


@override_settings(
    MIDDLEWARE=[FRAME, OUR_CSP],
    X_FRAME_OPTIONS="allow-from https://a.example",
    X_FRAME_OPTIONS_CSP=True,
    CSP_DICT={"default-src": ["self"]},
)
async def test_allow_from_merged_into_csp_dict_async():
    response = await AsyncClient().get("/fix/async/")
    assert response[ENFORCE] == "default-src 'self'; frame-ancestors https://a.example"


def test_w051_allow_from_without_frame_ancestors():
    allow = {"X_FRAME_OPTIONS": "allow-from https://a.example"}
    assert "security.W051" in check_ids(MIDDLEWARE=[FRAME], **allow)
    assert "security.W051" in check_ids(MIDDLEWARE=[FRAME, OUR_CSP], CSP_STRING="default-src 'self'", **allow)
    assert "security.W051" not in check_ids(
        MIDDLEWARE=[FRAME, OUR_CSP], CSP_DICT={"default-src": ["self"]}, X_FRAME_OPTIONS_CSP=True, **allow
    )
    with override_settings(MIDDLEWARE=[FRAME], **allow):
        (warning,) = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.W051"]
    assert "frame-ancestors" in warning.hint


# 4. Django 6's CSP middleware -----------------------------------------------------------------------


@django6
@override_settings(
    MIDDLEWARE=[DJANGO_CSP, FRAME],
    X_FRAME_OPTIONS="allow-from https://a.example",
    SECURE_CSP={"default-src": ["'self'"], "frame-ancestors": ["https://a.example"]},
)
def test_djangos_csp_policy_is_not_pre_empted_by_allow_from():
    assert Client().get("/fix/page/")[ENFORCE] == "default-src 'self'; frame-ancestors https://a.example"


# 5. invalid CSP_DICT values stop the site at load, never a 500 later ----------------------------------


def test_invalid_directive_value_stops_the_site_at_load():
    with (
        override_settings(MIDDLEWARE=[OUR_CSP], CSP_DICT={"img-src": 5, "default-src": ["self"]}),
        pytest.raises(ImproperlyConfigured, match=r"CSP_DICT.*img-src"),
    ):
        Client().get("/fix/page/")


# 6. streaming responses use the view's policy for the nonce -----------------------------------------


@override_settings(MIDDLEWARE=[OUR_CSP], CSP_DICT={"default-src": ["self"]})
def test_streamed_view_with_decorator_nonce_gets_the_nonce():
    response = Client().get("/fix/streamed-nonce/")
    match = re.search(r"'nonce-([A-Za-z0-9_-]+)'", response[ENFORCE])
    assert match, response[ENFORCE]
    assert f'nonce="{match.group(1)}"' in b"".join(response.streaming_content).decode()


# 7. W048 ignores case ---------------------------------------------------------------------------------


def test_w048_compares_frame_options_case_insensitively():
    stack = ["django.middleware.clickjacking.XFrameOptionsMiddleware", FRAME]
    for value in ("sameorigin", "SameOrigin", "deny"):
        assert "security.W048" not in check_ids(MIDDLEWARE=stack, X_FRAME_OPTIONS=value)


# 8. hashes see the newlines browsers see -----------------------------------------------------------


def _sha256(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.mark.parametrize("content", ["a\r\nb\rc\n", b"a\r\nb\rc\n"])
def test_csp_hash_normalises_line_breaks(content):
    assert hashes.csp_hash(content) == _sha256(b"a\nb\nc\n")


def test_inline_hashes_normalise_line_breaks():
    found = hashes.inline_hashes("<script>x=1;\r\ny=2;\r</script><style>\r\np{}</style>")
    assert found == {"script-src": [_sha256(b"x=1;\ny=2;\n")], "style-src": [_sha256(b"\np{}")]}
