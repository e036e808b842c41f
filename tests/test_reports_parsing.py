"""The pure report parser: every browser format to one record, fingerprints, noise."""

import json

import pytest

from security.csp import reports
from security.csp.reports import (
    CSP_REPORT,
    JSON,
    REPORTS_JSON,
    Fingerprint,
    ReportFormatError,
    ViolationReport,
    blocked_source,
    escape_controls,
    fingerprint,
    noise_reason,
    parse_reports,
)

from .reports_samples import REPORT_URI, REPORTING_API, dumps


def test_report_uri_format_maps_every_kebab_key():
    (report,) = parse_reports(dumps(REPORT_URI), CSP_REPORT)
    assert report == ViolationReport(
        document_uri="https://shop.example/cart?id=7",
        referrer="https://shop.example/",
        blocked_uri="https://evil.example/x.js",
        violated_directive="script-src-elem",
        effective_directive="script-src-elem",
        original_policy="default-src 'self'; report-uri /csp-report/",
        disposition="enforce",
        source_file="https://shop.example/static/app.js?v=3",
        line_number=12,
        column_number=4,
        status_code=200,
        script_sample="",
    )


def test_reporting_api_format_keeps_csp_violations_and_skips_other_types():
    (report,) = parse_reports(dumps(REPORTING_API), REPORTS_JSON)
    assert report.document_uri == "https://shop.example/cart"
    assert report.blocked_uri == "inline"
    assert report.effective_directive == report.violated_directive == "script-src-elem"
    assert report.script_sample == "alert(1)"
    assert (report.line_number, report.column_number, report.status_code) == (3, 9, 200)
    assert report.user_agent.startswith("Mozilla/5.0")


@pytest.mark.parametrize(
    "document",
    [REPORT_URI, REPORTING_API, REPORTING_API[0], REPORT_URI["csp-report"], REPORTING_API[0]["body"]],
)
def test_plain_json_accepts_every_shape(document):
    (report,) = parse_reports(dumps(document), JSON)
    assert report.document_uri.startswith("https://shop.example/cart")


def test_unknown_keys_are_ignored_and_scalars_coerced():
    body = {"csp-report": {"document-uri": 5, "blocked-uri": None, "line-number": "17", "new-key": {"x": 1}}}
    (report,) = parse_reports(dumps(body), CSP_REPORT)
    assert report.document_uri == "5"
    assert report.blocked_uri == ""
    assert report.line_number == 17


@pytest.mark.parametrize("value", [-1, 2**31, 1.5, True, "x", "²", "1" * 30, [1]])
def test_integers_out_of_range_or_odd_become_none(value):
    (report,) = parse_reports(
        dumps({"csp-report": {"document-uri": "https://a.example/", "line-number": value}}), CSP_REPORT
    )
    assert report.line_number is None


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", CSP_REPORT),
        (b"\xff\xfe", JSON),
        (b"[]", CSP_REPORT),
        (b'{"csp-report": []}', CSP_REPORT),
        (b'{"csp-report": {"document-uri": ["x"]}}', CSP_REPORT),
        (b'{"type": "csp-violation"}', REPORTS_JSON),
        (b"[1]", REPORTS_JSON),
        (b'"text"', REPORTS_JSON),
        (b"[" * 100_000, JSON),
    ],
)
def test_wrong_shape_raises_report_format_error(body, content_type):
    with pytest.raises(ReportFormatError):
        parse_reports(body, content_type)


def test_nul_and_lone_surrogates_are_made_storable():
    body = json.dumps({"csp-report": {"document-uri": "a\x00b", "script-sample": "\ud800x"}}).encode()
    (report,) = parse_reports(body, CSP_REPORT)
    assert report.document_uri == "a\ufffdb"
    assert report.script_sample == "\ufffdx"
    report.script_sample.encode("utf-8")


def test_escape_controls_shows_invisible_characters():
    assert escape_controls("plain") == "plain"
    assert escape_controls("a\x1b[31mred\nb\\") == "a\\x1b[31mred\\nb\\\\"
    assert escape_controls("\x85") == "\\x85"


@pytest.mark.parametrize(
    ("blocked", "expected"),
    [
        ("", "inline"),
        ("inline", "inline"),
        ("EVAL", "eval"),
        ("https://CDN.example:8443/lib.js?x=1", "https://cdn.example:8443"),
        ("data:image/png;base64,AAAA", "data:"),
        ("blob:https://shop.example/123", "blob:"),
        ("chrome-extension://abcdef/inject.js", "chrome-extension://abcdef"),
        ("about", "about:") if False else ("about:blank", "about:"),
        ("http://[::1", "http://[::1"),
        ("cdn.example", "cdn.example"),
    ],
)
def test_blocked_source_normalises_to_origin_scheme_or_keyword(blocked, expected):
    assert blocked_source(blocked) == expected


def test_fingerprint_ignores_query_strings_and_line_numbers():
    a = ViolationReport(
        document_uri="https://s.example/p?a=1",
        blocked_uri="https://cdn.example/a.js?v=1",
        effective_directive="script-src-elem",
        source_file="https://s.example/app.js?v=1",
        line_number=1,
    )
    b = ViolationReport(
        document_uri="https://s.example/p?a=2#frag",
        blocked_uri="https://cdn.example/b.js",
        violated_directive="script-src-elem 'self'",
        source_file="https://s.example/app.js?v=2",
        line_number=99,
    )
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a).digest == fingerprint(b).digest
    assert fingerprint(a) == Fingerprint(
        "script-src-elem", "https://cdn.example", "/p", "https://s.example/app.js"
    )
    other = ViolationReport(document_uri="https://s.example/q", blocked_uri="https://cdn.example/a.js")
    assert fingerprint(other).digest != fingerprint(a).digest


@pytest.mark.parametrize(
    ("fp", "noisy"),
    [
        (Fingerprint("script-src", "chrome-extension://abc", "/", ""), True),
        (Fingerprint("img-src", "data:", "/", "moz-extension://x/content.js"), True),
        (Fingerprint("frame-src", "about:", "/", ""), True),
        (Fingerprint("script-src", "https://cdn.example", "/", "https://s.example/app.js"), False),
        (Fingerprint("img-src", "data:", "/", "https://s.example/app.js"), False),
    ],
)
def test_noise_reason_marks_extensions_and_internal_pages(fp, noisy):
    assert bool(noise_reason(fp)) is noisy


def test_unsupported_content_type_is_a_key_error():
    with pytest.raises(KeyError):
        parse_reports(b"{}", "text/plain")
    assert "text/plain" not in reports.CONTENT_TYPES
