"""The per-process buffer: when reports reach the database, and what a failed flush costs."""

import logging
import time

import pytest
from django.db import connection
from django.test import override_settings

from security.models import BrowserReportAggregate, CspReport, CspReportAggregate
from security.reports import buffer

from .reports_samples import REPORT_URI, dumps

BUFFERED = "/reports/security/reports/"
DOCUMENTED = "/reports/csp-report/save/"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def post(client, url=BUFFERED, body=None, content_type="application/csp-report", **extra):
    return client.post(url, dumps(body or REPORT_URI), content_type=content_type, **extra)


@override_settings(CSP_REPORTS_FLUSH_INTERVAL=60)
def test_buffered_reports_reach_the_database_on_flush_with_exact_counts(client):
    for _ in range(12):
        assert post(client).status_code == 204
    assert not CspReportAggregate.objects.exists()  # buffered, not yet written
    assert buffer.flush() == 12
    assert CspReportAggregate.objects.get().count == 12
    assert CspReport.objects.count() == 5  # CSP_REPORTS_SAMPLES_PER_VIOLATION raw samples
    assert buffer.flush() == 0  # nothing left


@override_settings(CSP_REPORTS_FLUSH_INTERVAL=60, CSP_REPORTS_FLUSH_REPORTS=5)
def test_a_full_buffer_is_flushed_by_the_request_that_filled_it(client):
    for _ in range(4):
        post(client)
    assert not CspReportAggregate.objects.exists()
    post(client)
    assert CspReportAggregate.objects.get().count == 5


@override_settings(CSP_REPORTS_FLUSH_INTERVAL=60)
def test_the_documented_view_stores_during_the_request(client):
    assert post(client, DOCUMENTED).status_code == 204
    assert CspReport.objects.count() == 1
    assert CspReportAggregate.objects.get().count == 1


@pytest.mark.django_db(transaction=True)
@override_settings(CSP_REPORTS_FLUSH_INTERVAL=0.2)
def test_the_timer_flushes_within_the_interval(client):
    post(client)
    post(client)
    deadline = time.monotonic() + 10
    while not CspReportAggregate.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert CspReportAggregate.objects.get().count == 2
    post(client)  # a new timer for reports that arrive after a flush
    deadline = time.monotonic() + 10
    while CspReportAggregate.objects.get().count < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert CspReportAggregate.objects.get().count == 3


@override_settings(CSP_REPORTS_FLUSH_INTERVAL=60)
def test_a_failed_flush_is_logged_and_dropped_so_memory_stays_bounded(client, caplog):
    deprecation = [
        {"type": "deprecation", "url": "https://a.example/", "body": {"id": "Old", "message": "m"}}
    ]
    assert post(client, body=deprecation, content_type="application/reports+json").status_code == 204
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(BrowserReportAggregate._meta.db_table)}")
    with caplog.at_level(logging.ERROR, logger="security"):
        assert buffer.flush() == 0
    assert "CSP reports lost" in caplog.text
    assert buffer.flush() == 0  # dropped, not retried forever


@override_settings(CSP_REPORTS_FLUSH_INTERVAL=60, CSP_REPORTS_NEW_PER_CLIENT=2)
def test_known_violations_do_not_spend_the_new_violation_budget(client):
    def blocking(origin):
        return {"csp-report": {**REPORT_URI["csp-report"], "blocked-uri": origin}}

    post(client)  # new violation 1 of 2
    buffer.flush()
    post(client, body=blocking("https://other.example/"))  # new violation 2 of 2
    for _ in range(3):
        post(client)  # known: counted on its own row, no budget spent
    post(client, body=blocking("https://third.example/"))  # over the budget
    buffer.flush()
    rows = dict(CspReportAggregate.objects.values_list("blocked", "count"))
    assert rows == {
        "https://evil.example": 4,
        "https://other.example": 1,
        "(over CSP_REPORTS_NEW_PER_CLIENT)": 1,
    }


@override_settings(CSP_REPORTS_FLUSH_INTERVAL=60, CSP_REPORTS_FLUSH_REPORTS=10_000)
def test_the_buffer_stays_bounded_in_distinct_violations(client):
    settings = buffer.report_settings()
    samples = [buffer.Sample(buffer_report(i), f"{i:040d}", None, "") for i in range(buffer.MAX_TRACKED + 50)]
    buffer.BUFFER.add([], samples, settings)
    assert len(buffer.BUFFER.take().samples) == buffer.MAX_TRACKED


def buffer_report(i):
    from security.csp.reports import ViolationReport

    return ViolationReport(document_uri=f"https://a.example/{i}", violated_directive="img-src")


def test_the_portable_writer_adds_counts_like_the_upsert():
    """Databases without ``ON CONFLICT`` get the same result a row at a time (run here on the suite's database)."""
    from django.db import router
    from django.utils import timezone

    from security.csp.reports import Fingerprint
    from security.reports import storage

    now = timezone.now()
    fp = Fingerprint("img-src", "https://a.example", "/", "")
    alias = router.db_for_write(CspReportAggregate)
    for n in (2, 3):
        storage._add_one(CspReportAggregate, buffer.Count(buffer.CSP, fp, n, now, now), alias)
    assert CspReportAggregate.objects.get().count == 5


def test_the_set_of_known_violations_stays_bounded():
    buffer.BUFFER.learn({f"k{i}" for i in range(10)}, limit=4)
    assert buffer.BUFFER.knows("k1")
    buffer.BUFFER.learn({"new"}, limit=4)  # over twice the limit: forgotten, relearnt from later flushes
    assert buffer.BUFFER.knows("new")
    assert not buffer.BUFFER.knows("k1")
