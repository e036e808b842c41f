"""Management commands: purge of old raw reports, summary with a suggested policy."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from security.csp.reports import ViolationReport
from security.models import CspReport, CspReportAggregate
from security.reports import analysis, storage

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def report(blocked, directive="script-src-elem", source="https://s.example/app.js", path="/"):
    return ViolationReport(
        document_uri=f"https://s.example{path}",
        blocked_uri=blocked,
        effective_directive=directive,
        source_file=source,
    )


def test_purge_deletes_only_rows_older_than_retention():
    storage.store([report("inline")] * 4, raw=True, aggregate=True)
    ids = list(CspReport.objects.values_list("pk", flat=True))
    CspReport.objects.filter(pk__in=ids[:3]).update(date_received=timezone.now() - timedelta(days=31))
    assert "Would delete 3" in run("purge_csp_reports", "--dry-run")
    assert CspReport.objects.count() == 4
    assert "Deleted 3" in run("purge_csp_reports")
    assert CspReport.objects.count() == 1
    assert CspReportAggregate.objects.get().count == 4  # counts survive the purge
    assert "Deleted 1" in run("purge_csp_reports", "--days", "0")


def test_purge_deletes_aggregates_not_seen_within_retention():
    storage.store([report("inline"), report("https://old.example/x.js")], raw=False, aggregate=True)
    old = CspReportAggregate.objects.get(blocked="https://old.example")
    CspReportAggregate.objects.filter(pk=old.pk).update(last_seen=timezone.now() - timedelta(days=31))
    assert "Would delete 1 aggregated violation(s)" in run("purge_csp_reports", "--dry-run")
    assert CspReportAggregate.objects.count() == 2
    assert "Deleted 1 aggregated violation(s) not seen for 30 day(s)" in run("purge_csp_reports")
    assert list(CspReportAggregate.objects.values_list("blocked", flat=True)) == ["inline"]


@override_settings(CSP_REPORTS_MAX_AGGREGATES=3)
def test_distinct_aggregates_are_capped_and_the_rest_counted_on_one_overflow_row():
    first = [report(f"https://cdn{i}.example/x.js") for i in range(3)]
    storage.store(first, raw=False, aggregate=True)
    later = [report(f"https://new{i}.example/x.js") for i in range(4)] + first
    storage.store(later, raw=True, aggregate=True)
    storage.count_violation(storage.fingerprint(report("https://one-more.example/")))
    rows = dict(CspReportAggregate.objects.values_list("blocked", "count"))
    assert rows == {
        **{f"https://cdn{i}.example": 2 for i in range(3)},  # existing rows keep counting
        storage.OVERFLOW.blocked: 5,
    }
    assert CspReport.objects.count() == 7  # raw rows are not affected


@override_settings(CSP_REPORTS_RETENTION_DAYS=None)
def test_purge_without_retention_needs_days():
    with pytest.raises(CommandError, match="retention"):
        run("purge_csp_reports")


def test_summary_lists_violations_marks_noise_and_suggests_sources():
    storage.store(
        [report("https://cdn.example/lib.js")] * 5
        + [report("inline")] * 2
        + [report("data:image/png;base64,x", directive="img-src")]
        + [report("chrome-extension://abc/inject.js", source="chrome-extension://abc/inject.js")] * 9
        + [report("https://fonts.example/f.css", directive="style-src-elem")],
        raw=False,
        aggregate=True,
    )
    out = run("csp_report_summary")
    assert "18 report(s) in 5 distinct violation(s); 9 likely noise." in out
    assert "[noise: blocked is chrome-extension:" in out
    assert "script-src: https://cdn.example 'unsafe-inline'" in out
    assert "img-src: data:" in out
    assert "style-src: https://fonts.example" in out
    assert "chrome-extension" not in out.split("Suggested policy")[1]
    assert "prefer nonces or hashes" in out


def test_summary_of_nothing():
    assert "0 report(s) in 0 distinct" in run("csp_report_summary", "--days", "7")


def test_suggested_policy_string():
    storage.store([report("https://a.example/x"), report("eval")], raw=False, aggregate=True)
    policy = analysis.suggested_policy(analysis.violations())
    assert analysis.policy_string(policy) in {
        "script-src 'unsafe-eval' https://a.example",
        "script-src https://a.example 'unsafe-eval'",
    }
