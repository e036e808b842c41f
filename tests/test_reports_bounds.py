"""Issue 11: what a stranger can make the report endpoint store, through the real view."""

import io
import json
import logging
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from security.models import BrowserReportAggregate, CspReport, CspReportAggregate, ReportUserAgent
from security.reports import storage
from security.views import csp_report

from .reports_samples import REPORT_URI, dumps

SAVE = "/reports/csp-report/save/"
URLS = "/reports/security/reports/"
RAPI = "application/reports+json"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def item(i=0, directive="img-src", page="/", line=None, **body):
    fields = {
        "documentURL": f"https://shop.example{page}",
        "blockedURL": f"https://cdn{i}.example/x.png",
        "effectiveDirective": directive,
        "disposition": "enforce",
        **({"lineNumber": line} if line is not None else {}),
        **body,
    }
    return {"type": "csp-violation", "url": fields["documentURL"], "body": fields}


def post(client, body, url=SAVE, content_type=RAPI, **extra):
    return client.post(
        url, body if isinstance(body, bytes) else dumps(body), content_type=content_type, **extra
    )


def stored_bytes():
    """What the report tables hold: every column value's length, plus a row header and its index keys."""
    total = 0
    for model, indexed in (
        (CspReport, 2),
        (CspReportAggregate, 2),
        (BrowserReportAggregate, 2),
        (ReportUserAgent, 1),
    ):
        for row in model.objects.values_list():
            total += 24 + sum(len(str(value)) for value in row if value is not None) + indexed * 48
    return total


# -- junk -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{}", "application/json"),
        (b'{"a": 1}', "application/json"),
        (b'{"csp-report": {}}', "application/csp-report"),
        (b'{"csp-report": {"unknown": 1}}', "application/json"),
        (b"[]", RAPI),
        (b"[1, 2]", RAPI),
        (b'[{"type": "csp-violation"}]', RAPI),
        (b'[{"type": 5, "body": {}}]', RAPI),
        (b'[{"type": "csp-violation", "body": {}}]', RAPI),
        (b'[{"type": "made-up", "body": {"x": 1}}]', RAPI),
        (b'[{"type": "deprecation", "body": {}}, "junk"]', RAPI),
    ],
)
def test_bodies_without_a_report_are_400_and_store_nothing(client, body, content_type):
    response = post(client, body, content_type=content_type)
    assert response.status_code == 400
    assert not CspReport.objects.exists()
    assert not CspReportAggregate.objects.exists()
    assert not BrowserReportAggregate.objects.exists()


# -- request-like objects ---------------------------------------------------------------


class OnlyMetaAndBody:
    method = "POST"
    body = dumps(REPORT_URI).decode()
    META = {"CONTENT_TYPE": "application/json", "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "Fake"}


class OnlyMetaAndRead:
    def __init__(self):
        self._stream = io.BytesIO(dumps(REPORT_URI))
        self.META = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/csp-report", "REMOTE_ADDR": "::1"}

    def read(self, n=-1):
        return self._stream.read(n)


@pytest.mark.parametrize("request_class", [OnlyMetaAndBody, OnlyMetaAndRead])
def test_csp_report_takes_any_object_with_meta_and_a_body(request_class):
    assert csp_report(request_class()).status_code == 204
    assert csp_report(request_class(), csp_save=True).status_code == 204
    assert CspReport.objects.get().blocked_uri == "https://evil.example/x.js"


# -- amplification ------------------------------------------------------------------------


def tiny_flood(n):
    """``n`` distinct violations, as small as a report that names a directive can be."""
    items = [
        {"type": "csp-violation", "body": {"effectiveDirective": "a", "blockedURL": f"//{i}"}}
        for i in range(n)
    ]
    return json.dumps(items, separators=(",", ":")).encode()


def test_one_big_request_of_tiny_reports_is_bounded_in_rows_and_bytes(client):
    body = tiny_flood(780)
    user_agent = "U" * 900
    assert 60 * 1024 < len(body) < 64 * 1024
    assert post(client, body, HTTP_USER_AGENT=user_agent).status_code == 204
    received = len(body) + len(user_agent)
    assert stored_bytes() <= 3 * received
    assert CspReport.objects.count() <= 100  # CSP_REPORTS_MAX_PER_REQUEST
    assert ReportUserAgent.objects.count() <= 1


def test_the_worst_small_request_stays_within_a_few_times_its_bytes(client):
    """100 distinct tiny reports (the per-request cap) with a long User-Agent, default budgets."""
    body = tiny_flood(100)
    user_agent = "Mozilla/5.0 " + "x" * 988
    assert post(client, body, HTTP_USER_AGENT=user_agent).status_code == 204
    received = len(body) + len(user_agent)
    assert CspReport.objects.count() == 20  # CSP_REPORTS_NEW_PER_CLIENT violations get rows
    assert ReportUserAgent.objects.get().value == user_agent  # once, not per row
    assert set(CspReport.objects.values_list("agent__value", flat=True)) == {user_agent}
    assert stored_bytes() <= 3 * received


@override_settings(CSP_REPORTS_NEW_PER_CLIENT=None)
def test_without_the_per_client_budget_one_request_is_still_bounded_by_the_cap(client):
    body = tiny_flood(100)
    assert post(client, body, HTTP_USER_AGENT="UA").status_code == 204
    assert CspReport.objects.count() == 100
    assert ReportUserAgent.objects.count() == 1
    assert stored_bytes() <= 8 * len(body)  # ~450 bytes of rows per distinct violation, at most 100


def test_identical_reports_in_one_batch_collapse_into_one_row(client):
    assert post(client, [item(1)] * 50).status_code == 204
    assert CspReport.objects.count() == 1
    assert CspReportAggregate.objects.get().count == 50


@override_settings(CSP_REPORTS_MAX_PER_REQUEST=10)
def test_reports_past_the_per_request_cap_are_not_counted(client):
    assert post(client, [item(i) for i in range(30)]).status_code == 204
    assert sum(CspReportAggregate.objects.values_list("count", flat=True)) == 10


@override_settings(CSP_REPORTS_SAMPLES_PER_VIOLATION=3)
def test_raw_samples_per_violation_are_bounded_counts_are_not(client):
    for line in range(10):
        assert post(client, [item(1, line=line)]).status_code == 204
    assert CspReport.objects.count() == 3
    assert CspReportAggregate.objects.get().count == 10


@override_settings(CSP_REPORTS_RAW_PER_WINDOW=4)
def test_site_wide_raw_budget_leaves_only_counts(client):
    assert post(client, [item(i) for i in range(10)]).status_code == 204
    assert post(client, [item(i) for i in range(10, 20)], REMOTE_ADDR="198.51.100.9").status_code == 204
    assert CspReport.objects.count() == 4
    assert sum(CspReportAggregate.objects.values_list("count", flat=True)) == 20


# -- per-client budgets ----------------------------------------------------------------------


@override_settings(CSP_REPORTS_RATE_LIMIT=10)
def test_rate_limit_counts_reports_not_requests(client):
    assert post(client, [item(i) for i in range(8)]).status_code == 204
    assert post(client, [item(i) for i in range(8, 16)]).status_code == 204  # 2 of these fit
    third = post(client, [item(99)])
    assert third.status_code == 429
    assert third["Retry-After"] == "60"
    assert sum(CspReportAggregate.objects.values_list("count", flat=True)) == 10


@override_settings(CSP_REPORTS_RATE_LIMIT=5)
def test_rotating_addresses_in_one_ipv6_64_share_a_budget(client):
    statuses = [post(client, [item(i)], REMOTE_ADDR=f"2001:db8:1:2::{i:x}").status_code for i in range(8)]
    assert statuses == [204] * 5 + [429] * 3
    assert post(client, [item(1)], REMOTE_ADDR="2001:db8:1:3::1").status_code == 204  # another /64


@override_settings(CSP_REPORTS_RATE_LIMIT=2, SECURITY_TRUSTED_PROXIES=["127.0.0.1/32"])
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(client):
    def send(forwarded):
        return post(client, [item(1)], HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [send("203.0.113.1") for _ in range(3)] == [204, 204, 429]
    assert send("203.0.113.2") == 204
    assert set(CspReport.objects.values_list("sender_ip", flat=True)) == {"203.0.113.1", "203.0.113.2"}


@override_settings(CSP_REPORTS_NEW_PER_CLIENT=5, CSP_REPORTS_MAX_AGGREGATES=20, CSP_REPORTS_RATE_LIMIT=None)
def test_one_sender_cannot_starve_the_aggregate_cap(client):
    for start in range(0, 100, 25):
        assert (
            post(client, [item(i) for i in range(start, start + 25)], REMOTE_ADDR="192.0.2.66").status_code
            == 204
        )
    junk_rows = CspReportAggregate.objects.exclude(directive="other").count()
    assert junk_rows == 5
    overflow = CspReportAggregate.objects.get(blocked=storage.CLIENT_OVERFLOW.blocked)
    assert overflow.count == 95
    skimmer = item(0, directive="script-src-elem", blockedURL="https://skimmer.example/s.js")
    for n in range(3):  # real violations from other clients still get rows of their own
        assert post(client, [skimmer], REMOTE_ADDR=f"198.51.100.{n + 1}").status_code == 204
    assert CspReportAggregate.objects.get(blocked="https://skimmer.example").count == 3


# -- database cost ------------------------------------------------------------------------


def test_a_batch_of_new_violations_costs_a_fixed_number_of_statements(client):
    with CaptureQueriesContext(connection) as one:
        post(client, [item(0)], HTTP_USER_AGENT="UA")
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        post(client, [item(i) for i in range(1, 21)], HTTP_USER_AGENT="UA")
    assert len(many) == len(one) <= 10
    assert CspReportAggregate.objects.count() == 21


@override_settings(CSP_REPORTS_MAX_AGGREGATES=3, CSP_REPORTS_NEW_PER_CLIENT=None)
def test_a_full_cap_costs_no_offset_probe(client):
    post(client, [item(i) for i in range(3)])
    with CaptureQueriesContext(connection) as queries:
        post(client, [item(i) for i in range(3, 13)])
    assert not any("OFFSET" in q["sql"].upper() for q in queries)
    assert len(queries) <= 10
    assert CspReportAggregate.objects.get(blocked=storage.OVERFLOW.blocked).count == 10


# -- escaping -----------------------------------------------------------------------------

NASTY = "a\x1b[31m\u2028b\u2029c\u202ed\u2066e\x85f\x07"


def assert_escaped(text):
    for char in "\x1b\u2028\u2029\u202e\u2066\x85\x07":
        assert char not in text
    assert "\\x1b[31m" in text


def test_log_lines_escape_controls_separators_and_bidi(client, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        post(client, [item(1, directive=NASTY), {"type": "deprecation", "url": "/", "body": {"id": NASTY}}])
    (csp_line, browser_line) = [r.getMessage() for r in caplog.records if r.name == "security"]
    assert_escaped(csp_line)
    assert_escaped(browser_line)


def test_summary_command_escapes_every_sender_field(client):
    post(client, [item(1, directive=NASTY, page="/p" + NASTY, blockedURL="https://x.example/" + NASTY)])
    out = io.StringIO()
    call_command("csp_report_summary", stdout=out)
    assert_escaped(out.getvalue())


def test_admin_dashboard_and_lists_escape_sender_text(admin_client, client):
    post(client, [item(1, directive=NASTY, disposition=NASTY)])
    post(client, [{"type": "permissions-policy-violation", "url": "/", "body": {"featureId": NASTY}}])
    for url in (
        "/admin/security/cspreportaggregate/dashboard/",
        "/admin/security/cspreport/",
        "/admin/security/cspreportaggregate/",
        "/admin/security/browserreportaggregate/",
    ):
        page = admin_client.get(url).content.decode()
        assert_escaped(page)


def test_admin_disposition_and_type_filters_offer_known_values_only(admin_client, client):
    post(client, [item(1, disposition="made-up-disposition")])
    post(client, [{"type": "deprecation", "url": "/", "body": {"id": "X"}}])
    page = admin_client.get("/admin/security/cspreport/").content.decode()
    assert "?disposition=enforce" in page
    # The filter sidebar is a <nav> on Django 5.2 and a <search> element on 6.x.
    filters = re.search(r'id="changelist-filter".*?</(nav|search)>', page, re.S).group(0)
    assert "?disposition=report" in filters
    assert "made-up-disposition" not in filters
    other = admin_client.get("/admin/security/cspreport/?disposition=other").content.decode()
    assert "made-up-disposition" in other
    kinds = admin_client.get("/admin/security/browserreportaggregate/").content.decode()
    assert "?kind=crash" in kinds


def test_escaping_helper_covers_every_unsafe_class():
    from security.escaping import escape_controls

    unsafe = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]
    unsafe += ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029", *map(chr, range(0x202A, 0x202F))]
    unsafe += list(map(chr, range(0x2066, 0x206A)))
    for char in unsafe:
        escaped = escape_controls(f"x{char}y")
        assert char not in escaped
        assert escaped.startswith("x\\")
        assert escaped.endswith("y")
    assert escape_controls("a\\x1b") == "a\\\\x1b"  # an escaped-looking text stays distinguishable
    assert escape_controls("plain ünïcode ✓") == "plain ünïcode ✓"
