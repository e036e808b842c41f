"""Pure header builders: every accepted setting value and the bad ones."""

from __future__ import annotations

import datetime
import json

import pytest

from security.headers import SettingError, framing, permissions, privacy, values
from security.paths import EitherFormRules


class TestHsts:
    def test_documented_defaults(self):
        assert values.hsts(31_536_000, True, False) == "max-age=31536000; includeSubDomains"

    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            ((0, False, False), "max-age=0"),
            ((600, False, True), "max-age=600; preload"),
            ((63_072_000, True, True), "max-age=63072000; includeSubDomains; preload"),
        ],
    )
    def test_values(self, args, expected):
        assert values.hsts(*args) == expected

    @pytest.mark.parametrize(
        "args", [(-1, True, False), ("3600", True, False), (True, True, False), (1.5, True, False),
                 (60, "yes", False), (60, True, 1), (None, True, False)]
    )  # fmt: skip
    def test_bad(self, args):
        with pytest.raises(SettingError):
            values.hsts(*args)

    def test_preload_conditions(self):
        assert values.preload_problems(31_536_000, True) == []
        assert len(values.preload_problems(86_400, False)) == 2


class TestFrameOptions:
    @pytest.mark.parametrize(
        ("setting", "header"),
        [("deny", "deny"), ("DENY", "DENY"), (" Deny ", "Deny"), ("sameorigin", "sameorigin"),
         ("SameOrigin", "SameOrigin")],
    )  # fmt: skip
    def test_simple(self, setting, header):
        assert framing.frame_options(setting) == framing.FrameOptions(header)

    @pytest.mark.parametrize(
        "setting",
        ["allow-from https://example.com", "ALLOW-FROM https://example.com", "allow-from: https://example.com",
         "Allow-From   https://example.com"],
    )  # fmt: skip
    def test_allow_from(self, setting):
        options = framing.frame_options(setting)
        assert options.header == setting.strip()  # as the project wrote it
        assert options.frame_ancestors == ("https://example.com",)

    @pytest.mark.parametrize(
        "setting",
        ["", "allow", "allowall", "allow-from", "allow-from example.com", "allow-from javascript:alert(1)",
         "allow-from https://a.com; script-src *", "allow-from https://a.com https://b.com",
         "deny\r\nSet-Cookie: x=1", None, 1, ["deny"]],
    )  # fmt: skip
    def test_bad(self, setting):
        with pytest.raises(SettingError):
            framing.frame_options(setting)


class TestXssAndP3p:
    @pytest.mark.parametrize(
        ("setting", "header"), [("sanitize", "1"), ("on", "1; mode=block"), ("off", "0"), ("OFF", "0")]
    )
    def test_xss(self, setting, header):
        assert values.xss_protection(setting) == header

    @pytest.mark.parametrize("setting", ["block", "1", "", None, True])
    def test_xss_bad(self, setting):
        with pytest.raises(SettingError):
            values.xss_protection(setting)

    def test_p3p(self):
        assert values.p3p("NOI DSP", "/w3c/p3p.xml") == 'policyref="/w3c/p3p.xml" CP="NOI DSP"'

    @pytest.mark.parametrize(
        ("cp", "url"), [(None, "/p"), ('A"B', "/p"), ("A", 'x"'), ("A\nB", "/p"), (1, "/p")]
    )
    def test_p3p_bad(self, cp, url):
        with pytest.raises(SettingError):
            values.p3p(cp, url)


class TestReferrerPolicy:
    @pytest.mark.parametrize("token", sorted(values.REFERRER_POLICIES))
    def test_every_token(self, token):
        assert values.referrer_policy(token) == token
        assert values.referrer_policy(token.upper()) == token

    def test_fallback_lists(self):
        expected = "no-referrer, strict-origin-when-cross-origin"
        assert values.referrer_policy("no-referrer,strict-origin-when-cross-origin") == expected
        assert values.referrer_policy(["no-referrer", "strict-origin-when-cross-origin"]) == expected
        assert values.referrer_policy(("same-origin",)) == "same-origin"

    @pytest.mark.parametrize("setting", ["", "none", "same-origin, bogus", [], None, 3, ["same-origin", 1]])
    def test_bad(self, setting):
        with pytest.raises(SettingError):
            values.referrer_policy(setting)


class TestPermissionsPolicy:
    def test_serialisation(self):
        policy = {
            "geolocation": [],
            "camera": ["self"],
            "fullscreen": "*",
            "payment": ["self", "https://pay.example"],
            "microphone": ("'self'", "https://a.example/"),
            "usb": "self",
            "autoplay": ["src"],
        }
        assert permissions.permissions_policy(policy) == (
            'geolocation=(), camera=(self), fullscreen=*, payment=(self "https://pay.example"), '
            'microphone=(self "https://a.example"), usb=(self), autoplay=(src)'
        )

    def test_empty_policy_sends_nothing(self):
        assert permissions.permissions_policy({}) is None

    @pytest.mark.parametrize(
        "policy",
        [[], "camera=()", {"Camera": []}, {"camera feature": []}, {1: []}, {"camera": None},
         {"camera": ["*", "self"]}, {"camera": ["example.com"]}, {"camera": ["https://a.example/path"]},
         {"camera": ['https://a".example']}, {"camera": [1]}, {"camera": ["ftp://a.example"]}],
    )  # fmt: skip
    def test_bad(self, policy):
        with pytest.raises(SettingError):
            permissions.permissions_policy(policy)

    def test_unknown_features(self):
        assert permissions.unknown_features({"camera": [], "camara": []}) == ["camara"]


class TestCrossOriginAndClearSiteData:
    @pytest.mark.parametrize("setting", list(values.CROSS_ORIGIN_POLICIES))
    def test_every_value(self, setting):
        for allowed in values.CROSS_ORIGIN_POLICIES[setting][1]:
            assert values.cross_origin(setting, allowed) == allowed
            assert values.cross_origin(setting, allowed.upper()) == allowed
        assert values.cross_origin(setting, None) is None
        with pytest.raises(SettingError):
            values.cross_origin(setting, "same-origin-ish")
        with pytest.raises(SettingError):
            values.cross_origin(setting, True)

    def test_clear_site_data(self):
        assert values.clear_site_data(("cache", "cookies", "storage")) == '"cache", "cookies", "storage"'
        assert values.clear_site_data("*") == '"*"'
        assert values.clear_site_data(['"cookies"']) == '"cookies"'
        assert values.clear_site_data("cache, executionContexts") == '"cache", "executionContexts"'

    @pytest.mark.parametrize("setting", [[], "", ["Cookies"], ["cache", "everything"], None, [1]])
    def test_clear_site_data_bad(self, setting):
        with pytest.raises(SettingError):
            values.clear_site_data(setting)


class TestPrivacySignals:
    @pytest.mark.parametrize(
        ("header", "expected"), [("1", True), (" 1 ", True), ("0", False), (None, None), ("", None),
                                 ("yes", None), ("10", None), ("true", None)],
    )  # fmt: skip
    def test_dnt(self, header, expected):
        assert privacy.dnt(header) is expected

    @pytest.mark.parametrize(
        ("header", "expected"), [("1", True), ("0", False), (None, False), ("true", False), ("", False)]
    )
    def test_gpc(self, header, expected):
        assert privacy.gpc(header) is expected

    def test_gpc_document(self):
        assert json.loads(privacy.gpc_document(True, None)) == {"gpc": True}
        assert json.loads(privacy.gpc_document(False, "2025-01-31")) == {
            "gpc": False,
            "lastUpdate": "2025-01-31",
        }
        assert (
            json.loads(privacy.gpc_document(True, datetime.date(2024, 2, 29)))["lastUpdate"] == "2024-02-29"
        )

    @pytest.mark.parametrize(
        ("supported", "last_update"),
        [("yes", None), (True, "2025-13-01"), (True, "31/01/2025"), (True, 20250101)],
    )
    def test_gpc_document_bad(self, supported, last_update):
        with pytest.raises(SettingError):
            privacy.gpc_document(supported, last_update)


class TestEitherFormRules:
    """Rules written with or without the leading slash match the same requests."""

    @pytest.mark.parametrize("rule", [r"^/admin/", r"^admin/"])
    def test_both_forms(self, rule):
        rules = EitherFormRules([rule])
        assert rules.matches("/admin/")
        assert rules.matches("/admin/users/")
        assert not rules.matches("/public/admin/")
        assert not rules.matches("//admin/")  # Django does not route "//admin/" to the admin either

    def test_trailing_newline_cannot_satisfy_dollar(self):
        rules = EitherFormRules([r"^/login/$", r"^logout/$"])
        assert rules.matches("/login/")
        assert not rules.matches("/login/\n")
        assert not rules.matches("/logout/\n")

    def test_case_is_significant_like_django_routing(self):
        rules = EitherFormRules([r"^/admin/"])
        assert not rules.matches("/ADMIN/")
        assert EitherFormRules([r"(?i)^/admin/"]).matches("/ADMIN/")

    def test_empty(self):
        assert not EitherFormRules([])
        assert not EitherFormRules([]).matches("/")
