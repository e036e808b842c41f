"""Bounded report logging (``security.reports.log_lines``) and the parse memo, through the real view."""

import json
import logging
import time

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from security.reports import memo
from security.reports.config import report_settings
from security.reports.log_lines import LIMITER

from .reports_samples import REPORT_URI, dumps

LOG_ONLY = "/reports/csp-report/"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def post(client, body, content_type="application/csp-report"):
    return client.post(LOG_ONLY, body, content_type=content_type)


def report(i: int = 0, document: str = "https://shop.example/cart") -> bytes:
    body = json.loads(dumps(REPORT_URI))
    body["csp-report"]["document-uri"] = document
    body["csp-report"]["line-number"] = i
    return dumps(body)


def lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "security"]


def test_each_report_is_logged_up_to_the_repeat_budget_then_counted(client, caplog):
    with override_settings(CSP_REPORTS_LOG_REPEATS=2), caplog.at_level(logging.WARNING, logger="security"):
        for _ in range(6):
            assert post(client, report()).status_code == 204
        assert len(lines(caplog)) == 2  # logged as they came, the copies after that only counted
        LIMITER.close_interval()
    first, second, summary = lines(caplog)
    assert "repeated" not in first.getMessage() + second.getMessage()
    assert "(repeated 4x more within 10 s)" in summary.getMessage()
    assert summary.csp_report == first.csp_report
    assert [r.repeats for r in (first, second, summary)] == [1, 1, 4]


def test_a_few_identical_reports_are_each_logged_at_once_by_default(client, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        for _ in range(10):
            post(client, report())
        assert len(lines(caplog)) == 10
        post(client, report())
        assert len(lines(caplog)) == 10  # the 11th copy within the interval is counted


def test_the_interval_ends_by_itself(client, caplog):
    limits = {"CSP_REPORTS_LOG_INTERVAL": 0.2, "CSP_REPORTS_LOG_REPEATS": 1}
    with override_settings(**limits), caplog.at_level(logging.WARNING, logger="security"):
        post(client, report())
        post(client, report())
        deadline = time.monotonic() + 5
        while len(lines(caplog)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "(repeated 1x more within 0.2 s)" in lines(caplog)[1].getMessage()
        post(client, report())  # a new interval: logged at once again
    assert len(lines(caplog)) == 3


def test_interval_zero_logs_every_report_as_the_original_did(client, caplog):
    with override_settings(CSP_REPORTS_LOG_INTERVAL=0), caplog.at_level(logging.WARNING, logger="security"):
        for _ in range(30):
            post(client, report())
    assert len(lines(caplog)) == 30
    assert all("repeated" not in r.getMessage() for r in lines(caplog))


def test_identical_reports_in_one_batch_are_one_line_with_their_count(client, caplog):
    item = {
        "type": "csp-violation",
        "url": "https://s.example/",
        "body": {"documentURL": "https://s.example/"},
    }
    with caplog.at_level(logging.WARNING, logger="security"):
        post(client, json.dumps([item] * 3), "application/reports+json")
    (line,) = lines(caplog)
    assert line.getMessage().endswith("(3x)")
    assert line.repeats == 3


def test_distinct_reports_past_the_line_budget_are_counted_in_one_line(client, caplog):
    with override_settings(CSP_REPORTS_LOG_LINES=2), caplog.at_level(logging.WARNING, logger="security"):
        for i in range(5):
            post(client, report(i))
        assert len(lines(caplog)) == 2
        LIMITER.close_interval()
    (overflow,) = lines(caplog)[2:]
    assert overflow.getMessage().startswith("CSP reports: 3 more report(s) not logged one by one")
    assert "CSP_REPORTS_LOG_LINES (2 distinct reports within 10 s)" in overflow.getMessage()


def test_a_flood_writes_a_bounded_number_of_lines_and_every_report_is_counted(client, caplog):
    """2 000 reports of 300 distinct kinds in one interval: LOG_LINES * (LOG_REPEATS + 1) + 1 lines, counts exact."""
    limits = {"CSP_REPORTS_LOG_LINES": 50, "CSP_REPORTS_LOG_REPEATS": 3, "CSP_REPORTS_RATE_LIMIT": None}
    with override_settings(**limits), caplog.at_level(logging.WARNING, logger="security"):
        for i in range(2000):
            assert post(client, report(i % 300)).status_code == 204
        LIMITER.close_interval()
    records = lines(caplog)
    # 50 distinct reports with 3 lines each and one repeat count each, and one overflow line.
    assert len(records) == 50 * (3 + 1) + 1
    assert sum(r.repeats for r in records) == 2000


def test_summary_lines_escape_sender_text(client, caplog):
    with override_settings(CSP_REPORTS_LOG_REPEATS=1), caplog.at_level(logging.WARNING, logger="security"):
        post(client, report(document="https://s.example/\x1b[31m\u202eFAKE"))
        post(client, report(document="https://s.example/\x1b[31m\u202eFAKE"))
        LIMITER.close_interval()
    assert len(lines(caplog)) == 2
    for line in lines(caplog):
        message = line.getMessage()
        assert "\x1b" not in message
        assert "\u202e" not in message
        assert "\\x1b[31m\\u202eFAKE" in message


def test_nothing_is_counted_when_the_logger_is_off(client, caplog):
    with caplog.at_level(logging.ERROR, logger="security"):
        post(client, report())
    assert not LIMITER._logged


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("CSP_REPORTS_LOG_INTERVAL", -1, "security.E201"),
        ("CSP_REPORTS_LOG_INTERVAL", 3601, "security.E201"),
        ("CSP_REPORTS_LOG_INTERVAL", "10", "security.E201"),
        ("CSP_REPORTS_LOG_INTERVAL", True, "security.E201"),
        ("CSP_REPORTS_LOG_INTERVAL", float("nan"), "security.E201"),
        ("CSP_REPORTS_LOG_LINES", 0, "security.E200"),
        ("CSP_REPORTS_LOG_LINES", None, "security.E200"),
        ("CSP_REPORTS_LOG_LINES", 2.5, "security.E200"),
        ("CSP_REPORTS_LOG_REPEATS", 0, "security.E200"),
    ],
)
def test_bad_log_settings_are_reported_and_fall_back_to_the_bounded_defaults(name, value, check_id):
    with override_settings(**{name: value}):
        errors = [e for e in run_checks() if e.obj == name]
        assert [e.id for e in errors] == [check_id]
        settings = report_settings()
        assert (settings.log_interval, settings.log_lines, settings.log_repeats) == (10.0, 100, 10)


def test_good_log_settings_pass_the_checks():
    with override_settings(CSP_REPORTS_LOG_INTERVAL=0, CSP_REPORTS_LOG_LINES=5, CSP_REPORTS_LOG_REPEATS=1):
        assert not [e for e in run_checks() if str(e.obj).startswith("CSP_REPORTS_LOG")]
        settings = report_settings()
        assert (settings.log_interval, settings.log_lines, settings.log_repeats) == (0.0, 5, 1)


# -- the parse memo -------------------------------------------------------------------


def test_a_repeated_body_is_parsed_once():
    body = report(1)
    first = memo.parse(body, "application/csp-report", 100)
    assert memo.parse(bytes(body), "application/csp-report", 100) is first
    assert memo.parse(body, "application/json", 100) is not first  # the media type is part of the key
    assert memo.parse(body, "application/csp-report", 1) is not first  # and so is the cap


def test_large_and_malformed_bodies_are_not_remembered(client):
    big = report(document="https://s.example/" + "a" * memo.MAX_BODY)
    assert memo.parse(big, "application/csp-report", 100) is not memo.parse(
        big, "application/csp-report", 100
    )
    for _ in range(3):
        assert post(client, b"{}").status_code == 400
    assert memo._remembered.cache_info().currsize == 0


def test_the_memo_holds_a_bounded_number_of_bodies():
    for i in range(memo.ENTRIES + 50):
        memo.parse(report(i), "application/csp-report", 100)
    assert memo._remembered.cache_info().currsize == memo.ENTRIES


@override_settings(CSP_REPORTS_RATE_LIMIT=3, CSP_REPORTS_LOG_INTERVAL=0)
def test_a_partly_allowed_batch_does_not_change_the_remembered_one(client, caplog):
    item = {
        "type": "csp-violation",
        "url": "https://s.example/",
        "body": {"documentURL": "https://s.example/"},
    }
    body = json.dumps([item] * 2)
    with caplog.at_level(logging.WARNING, logger="security"):
        assert post(client, body, "application/reports+json").status_code == 204  # 2 of 3
        assert post(client, body, "application/reports+json").status_code == 204  # 1 allowed
    assert [r.repeats for r in lines(caplog)] == [2, 1]
    assert dict(memo.parse(body.encode(), "application/reports+json", 100).batch).popitem()[1] == 2


def test_an_interval_whose_timer_cannot_start_is_ended_by_the_next_report(client, caplog, monkeypatch):
    """A server without threads: the report after the interval (plus a second) ends it inline."""
    import threading

    def no_threads(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Timer, "start", no_threads)
    limits = {"CSP_REPORTS_LOG_INTERVAL": 0.1, "CSP_REPORTS_LOG_REPEATS": 1}
    with override_settings(**limits), caplog.at_level(logging.WARNING, logger="security"):
        assert post(client, report()).status_code == 204
        assert post(client, report()).status_code == 204  # counted, no timer to log it
        time.sleep(1.2)
        assert post(client, report()).status_code == 204  # ends the old interval, opens a new one
    messages = [r.getMessage() for r in lines(caplog)]
    assert len(messages) == 3
    assert "(repeated 1x more within 0.1 s)" in messages[1]
    assert "repeated" not in messages[2]
