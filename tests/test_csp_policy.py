"""The pure CSP core: quoting, building, parsing, serialising, merging, validating, hashes, nonces."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security.csp import policy as csp
from security.csp.hashes import csp_hash, inline_hashes
from security.csp.nonce import LazyNonce, new_nonce

#: The example of the documented API, verbatim.
DOCUMENTED = {
    "default-src": ["self", "https:"],
    "script-src": ["self", "http://js.example.com"],
    "style-src": ["self", "http://css.example.com"],
    "img-src": ["self", "https://img.example.com"],
    "connect-src": ["self"],
    "font-src": ["https://*.example.com"],
    "object-src": ["none"],
    "media-src": ["http://media.example.com"],
    "frame-src": ["self"],
    "sandbox": [""],
    "plugin-types": ["application/pdf"],
    "reflected-xss": "filter",
    "report-uri": "http://example.com/csp-report",
}


def test_documented_example_serialises_with_quoted_keywords():
    header = csp.from_dict(DOCUMENTED).serialise()
    assert header == (
        "default-src 'self' https:; script-src 'self' http://js.example.com; "
        "style-src 'self' http://css.example.com; img-src 'self' https://img.example.com; "
        "connect-src 'self'; font-src https://*.example.com; object-src 'none'; "
        "media-src http://media.example.com; frame-src 'self'; sandbox; "
        "plugin-types application/pdf; reflected-xss filter; report-uri http://example.com/csp-report"
    )


@pytest.mark.parametrize(
    ("source", "quoted"),
    [
        ("self", "'self'"),
        ("none", "'none'"),
        ("unsafe-inline", "'unsafe-inline'"),
        ("unsafe-eval", "'unsafe-eval'"),
        ("strict-dynamic", "'strict-dynamic'"),
        ("unsafe-hashes", "'unsafe-hashes'"),
        ("report-sample", "'report-sample'"),
        ("wasm-unsafe-eval", "'wasm-unsafe-eval'"),
        ("Self", "'self'"),
        ("'self'", "'self'"),
        ("nonce-abc123", "'nonce-abc123'"),
        ("sha256-AbC+/=", "'sha256-AbC+/='"),
        ("sha384-x", "'sha384-x'"),
        ("SHA512-Xy", "'sha512-Xy'"),
        ("https://example.com", "https://example.com"),
        ("*.example.com", "*.example.com"),
        ("data:", "data:"),
        ("nonce", csp.NONCE_MARKER),
        (csp.DJANGO_NONCE_SENTINEL, csp.NONCE_MARKER),
    ],
)
def test_source_quoting(source, quoted):
    assert csp.quote(source, "script-src") == quoted


def test_token_directives_quote_only_their_keywords():
    assert csp.quote("script", "require-trusted-types-for") == "'script'"
    assert csp.quote("allow-duplicates", "trusted-types") == "'allow-duplicates'"
    assert csp.quote("mypolicy", "trusted-types") == "mypolicy"
    assert csp.quote("allow-scripts", "sandbox") == "allow-scripts"
    assert csp.quote("self", "sandbox") == "self"
    assert csp.quote("block", "webrtc") == "'block'"


@pytest.mark.parametrize("value", ["", [], [""], ()])
def test_empty_sandbox_is_the_full_sandbox(value):
    assert csp.from_dict({"sandbox": value}).serialise() == "sandbox"


def test_sandbox_features_plugin_types_and_strings():
    header = csp.from_dict(
        {"sandbox": ["allow-scripts", "allow-forms"], "plugin-types": ["application/pdf"], "report-to": "ep"}
    ).serialise()
    assert header == "sandbox allow-scripts allow-forms; plugin-types application/pdf; report-to ep"


def test_boolean_directives():
    header = csp.from_dict(
        {"default-src": ["self"], "upgrade-insecure-requests": True, "block-all-mixed-content": False}
    ).serialise()
    assert header == "default-src 'self'; upgrade-insecure-requests"


def test_every_csp3_directive_is_accepted():
    names = [
        "worker-src", "manifest-src", "frame-ancestors", "form-action", "base-uri", "script-src-elem",
        "script-src-attr", "style-src-elem", "style-src-attr", "trusted-types", "require-trusted-types-for",
        "report-to", "child-src", "fenced-frame-src", "webrtc",
    ]  # fmt: skip
    for name in names:
        assert name in csp.DIRECTIVES
    policy = csp.from_dict({"trusted-types": ["default", "none"], "require-trusted-types-for": ["script"]})
    assert policy.serialise() == "trusted-types default 'none'; require-trusted-types-for 'script'"


def test_string_values_of_source_lists_are_split_and_quoted():
    assert csp.from_dict({"default-src": "self https:"}).serialise() == "default-src 'self' https:"


def test_none_values_leave_the_directive_out():
    assert csp.from_dict({"default-src": ["self"], "img-src": None}).serialise() == "default-src 'self'"


def test_sources_that_would_break_the_header_are_dropped():
    policy = csp.from_dict(
        {
            "default-src": ["self", "evil.com; script-src *", "a\r\nSet-Cookie: x", "b,c", "ünï"],
            "bad name;": ["x"],
        }
    )
    assert policy.serialise() == "default-src 'self'"


def test_nonce_marker_renders_or_disappears():
    compiled = csp.CompiledPolicy.build(
        csp.from_dict({"script-src": ["self", "nonce"], "style-src": ["nonce"], "img-src": ["self"]})
    )
    assert compiled.plain == "script-src 'self'; style-src 'none'; img-src 'self'"
    assert compiled.render(None) == compiled.plain
    assert (
        compiled.render("N0nce") == "script-src 'self' 'nonce-N0nce'; style-src 'nonce-N0nce'; img-src 'self'"
    )


def test_verbatim_policy_is_never_rewritten():
    text = "default-src 'self'; script-src *.google.com"
    compiled = csp.CompiledPolicy.verbatim(text)
    assert compiled.render("n") == text
    assert compiled.policy.get("script-src") == ("*.google.com",)


def test_parse_first_duplicate_wins_and_names_are_lowercased():
    policy = csp.parse(" Default-Src 'self' ;; img-src a; img-src b; upgrade-insecure-requests ")
    assert policy.directives == (
        ("default-src", ("'self'",)),
        ("img-src", ("a",)),
        ("upgrade-insecure-requests", ()),
    )


@given(
    st.dictionaries(
        st.sampled_from(sorted(csp.DIRECTIVES)),
        st.lists(st.text(min_size=1, max_size=12), max_size=4) | st.booleans() | st.none(),
        max_size=8,
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_dictionary_serialises_to_a_safe_single_policy(policy_dict):
    header = csp.from_dict(policy_dict).serialise("nonce0")
    assert not re.search(r"[\r\n\x00,]", header)
    header.encode("latin-1")
    # Parsing what we send gives back the same directive names, in order.
    sent = [name for name, _ in csp.parse(header)]
    assert sent == [name for name, value in csp.from_dict(policy_dict)]


def test_update_starts_from_the_fallback_and_drops_none():
    base = csp.from_dict({"default-src": ["self"], "object-src": ["none"]})
    updated = csp.update(base, {"img-src": ("https://img.example.com",), "object-src": ("'self'",)})
    assert updated.get("img-src") == ("'self'", "https://img.example.com")
    assert updated.get("object-src") == ("'self'",)
    assert updated.get("default-src") == ("'self'",)


def test_update_follows_the_csp3_fallback_chain():
    base = csp.from_dict({"default-src": ["self"], "script-src": ["https://js.example.com"]})
    assert csp.effective_sources(base, "script-src-elem") == ("https://js.example.com",)
    assert csp.effective_sources(base, "worker-src") == ("https://js.example.com",)
    assert csp.effective_sources(base, "base-uri") is None  # does not fall back
    updated = csp.update(base, {"script-src-elem": ("'nonce-x'",), "upgrade-insecure-requests": ()})
    assert updated.get("script-src-elem") == ("https://js.example.com", "'nonce-x'")
    assert "upgrade-insecure-requests" in updated


def test_replace_sets_and_removes():
    base = csp.from_dict({"default-src": ["self"], "object-src": ["none"]})
    replaced = csp.replace(base, {"default-src": ("https:",), "object-src": None, "img-src": ("data:",)})
    assert replaced.serialise() == "default-src https:; img-src data:"


def test_changes_apply_in_order_to_their_target():
    base = csp.from_dict({"script-src": ["self"]})
    changes = (
        csp.Change.of("replace", {"script_src": ["https://a.example.com"]}),
        csp.Change.of("update", {"script-src": ["nonce"]}),
        csp.Change.of("update", {"img-src": ["x.example.com"]}, csp.REPORT_ONLY),
    )
    result = csp.apply_changes(base, changes, csp.MAIN)
    assert result is not None
    assert result.serialise("n") == "script-src https://a.example.com 'nonce-n'"
    assert csp.apply_changes(base, (csp.Change("exempt", csp.ALL),), csp.MAIN) is None
    assert csp.apply_changes(base, (csp.Change("exempt", csp.REPORT_ONLY),), csp.MAIN) == base


# -- validation ---------------------------------------------------------------------------


def codes(problems):
    return [problem.code for problem in problems]


def test_documented_example_only_draws_obsolete_warnings():
    problems = csp.validate_dict(DOCUMENTED)
    assert codes(problems) == ["obsolete", "obsolete"]
    assert not any(problem.error for problem in problems)


def test_unknown_directive_suggests_the_right_one():
    (problem,) = csp.validate_dict({"scirpt-src": ["self"]})
    assert problem.code == "unknown"
    assert problem.error
    assert "Did you mean 'script-src'?" in problem.message
    assert "Did you mean 'img-src'" in csp.validate_dict({"img_src": ["self"]})[0].message


@pytest.mark.parametrize("source", ["a b", "a;b", "a,b", "a\rb", "a\nb", "\x00", "ünïcode"])
def test_injection_characters_are_errors(source):
    assert "injection" in codes(csp.validate_dict({"img-src": [source]}))


def test_type_errors():
    assert codes(csp.validate_dict(["default-src"])) == ["type"]
    assert "type" in codes(csp.validate_dict({"upgrade-insecure-requests": ["yes"]}))
    assert "type" in codes(csp.validate_dict({"report-to": ["a", "b"]}))
    assert "type" in codes(csp.validate_dict({"img-src": True}))
    assert "type" in codes(csp.validate_dict({"img-src": 3}))
    assert "type" in codes(csp.validate_dict({"img-src": [3]}))


def test_none_mixed_and_unsafe_inline_beside_nonce_or_hash():
    assert codes(csp.validate_dict({"img-src": ["none", "self"]})) == ["none"]
    assert codes(csp.validate_dict({"script-src": ["unsafe-inline", "nonce"]})) == ["unsafe-inline"]
    assert codes(csp.validate_dict({"script-src": ["unsafe-inline", "sha256-abc="]})) == ["unsafe-inline"]
    assert codes(csp.validate_string("script-src 'unsafe-inline' 'nonce-abc'")) == ["unsafe-inline"]
    assert codes(csp.validate_dict({"script-src": ["unsafe-inline", "self"]})) == []


def test_report_to_needs_a_defined_endpoint():
    assert codes(csp.validate_dict({"report-to": "csp"})) == ["report-to"]
    assert codes(csp.validate_dict({"report-to": "csp"}, endpoints=["csp"])) == []


def test_string_rules():
    assert codes(csp.validate_string("default-src self; img-src 'self' sha256-abc")) == [
        "unquoted",
        "unquoted",
    ]
    assert codes(csp.validate_string("default-src 'self', img-src 'self'")) == ["injection"]
    assert codes(csp.validate_string("img-src a; img-src b")) == ["duplicate"]
    assert codes(csp.validate_string("default-src 'self'; block-all-mixed-content")) == ["obsolete"]
    assert codes(csp.validate_string(42)) == ["type"]


# -- hashes and nonces ----------------------------------------------------------------------


def test_csp_hash_matches_the_browser_algorithm():
    expected = base64.b64encode(hashlib.sha256(b"alert('hi')").digest()).decode()
    assert csp_hash("alert('hi')") == f"sha256-{expected}"
    assert csp_hash(b"x", "sha384").startswith("sha384-")
    assert csp.quote(csp_hash("x")) == f"'{csp_hash('x')}'"
    with pytest.raises(ValueError, match="algorithm"):
        csp_hash("x", "md5")


def test_inline_hashes_cover_inline_blocks_only():
    html = (
        "<script>a()</script><script src='/x.js'></script><style> p{} </style>"
        "<SCRIPT type=module>b()</SCRIPT><script>a()</script>"
    )
    assert inline_hashes(html) == {
        "script-src": [csp_hash("a()"), csp_hash("b()")],
        "style-src": [csp_hash(" p{} ")],
    }


def test_nonces_are_random_and_long_enough():
    nonces = {new_nonce() for _ in range(200)}
    assert len(nonces) == 200
    for nonce in nonces:
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}", nonce)  # 18 bytes = 144 bits


def test_lazy_nonce_is_made_on_first_read_only():
    nonce = LazyNonce()
    assert bool(nonce)
    assert not nonce.used
    assert "unused" in repr(nonce)
    value = str(nonce)
    assert nonce.used
    assert str(nonce) == value == nonce.value
    assert nonce == value
    assert hash(nonce) == hash(value)
    assert len(nonce) == 24
    assert "n-" + nonce == "n-" + value
    assert nonce + "!" == value + "!"
    assert f"{nonce}" == value
    assert nonce.__html__() == value
