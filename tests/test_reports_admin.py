"""Admin pages of reports and aggregates: lists, escaping, the dashboard under a strict CSP."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from security.csp.reports import ViolationReport
from security.models import CspReport, CspReportAggregate
from security.reports import dashboard, storage

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    reports = [
        ViolationReport(
            document_uri="https://s.example/page\x1b[31m",
            blocked_uri="https://cdn.example/a.js",
            effective_directive="script-src-elem",
        )
    ] * 3 + [
        ViolationReport(
            document_uri="https://s.example/",
            blocked_uri="chrome-extension://abc/x.js",
            effective_directive="script-src",
        )
    ]
    storage.store(reports, raw=True, aggregate=True, sender_ip="127.0.0.1", user_agent="UA")
    return reports


def test_report_changelist_and_detail_show_control_characters_escaped(admin_client, stored):
    response = admin_client.get(reverse("admin:security_cspreport_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "\x1b" not in html
    assert "page\\x1b[31m" in html
    row = CspReport.objects.filter(document_uri__contains="page").first()
    detail = admin_client.get(reverse("admin:security_cspreport_change", args=[row.pk])).content.decode()
    assert "\x1b" not in detail
    assert "page\\x1b[31m" in detail


def test_report_list_filters_and_searches(admin_client, stored):
    url = reverse("admin:security_cspreport_changelist")
    assert admin_client.get(url, {"q": "chrome-extension"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"effective_directive": "script-src-elem"}).context["cl"].result_count == 3
    fp = CspReportAggregate.objects.get(blocked="https://cdn.example").fingerprint
    assert admin_client.get(url, {"fingerprint": fp}).context["cl"].result_count == 3


def test_directive_filters_list_known_names_not_attacker_values(admin_client, stored):
    made_up = ViolationReport(
        document_uri="https://s.example/", blocked_uri="inline", effective_directive="evil\x1b[31m-src"
    )
    storage.store([made_up], raw=True, aggregate=True)
    for name, param in (("cspreport", "effective_directive"), ("cspreportaggregate", "directive")):
        url = reverse(f"admin:security_{name}_changelist")
        html = admin_client.get(url).content.decode()
        assert "\x1b" not in html  # shown escaped in every column, label and link
        assert "evil\\x1b[31m-src" in html
        # The filter sidebar is a <nav> on Django 5.2 and a <search> element on 6.x.
        filters = re.search(r'id="changelist-filter".*?</(nav|search)>', html, re.S).group(0)
        assert "evil" not in filters
        assert f"?{param}=img-src" in html  # known names are offered even without reports
        assert admin_client.get(url, {param: "other"}).context["cl"].result_count == 1
        assert admin_client.get(url, {param: "script-src"}).context["cl"].result_count == 1


def test_aggregate_changelist_marks_noise_and_links_dashboard(admin_client, stored):
    response = admin_client.get(reverse("admin:security_cspreportaggregate_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "browser extension" in html
    assert reverse("admin:security_cspreportaggregate_dashboard") in html
    assert (
        admin_client.get(reverse("admin:security_cspreportaggregate_changelist"), {"q": "cdn"})
        .context["cl"]
        .result_count
        == 1
    )


def test_reports_cannot_be_added_or_edited(admin_client, stored):
    assert admin_client.get(reverse("admin:security_cspreport_add")).status_code == 403
    assert admin_client.get(reverse("admin:security_cspreportaggregate_add")).status_code == 403


def test_dashboard_draws_chart_and_top_offenders_without_script(admin_client, stored):
    response = admin_client.get(reverse("admin:security_cspreportaggregate_dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "<script" not in html.split('id="content-main"')[1]
    assert ' style="' not in html.split('id="content-main"')[1]
    offenders = html.split('id="top-offenders"')[1].split("</table>")[0]
    assert offenders.index("https://cdn.example") < offenders.index("chrome-extension://abc")
    assert re.search(r"<td>3</td>", offenders)
    assert f"{timezone.localdate().isoformat()}: 4" in html


def test_dashboard_needs_staff(client, stored):
    response = client.get(reverse("admin:security_cspreportaggregate_dashboard"))
    assert response.status_code == 302


def test_daily_counts_fill_missing_days(stored):
    old = CspReport.objects.first()
    CspReport.objects.filter(pk=old.pk).update(date_received=timezone.now() - timedelta(days=2))
    series = dashboard.daily_counts(days=5)
    assert len(series) == 5
    assert [n for _, n in series][-3:] == [1, 0, 3]


def test_bar_chart_escapes_and_scales():
    svg = dashboard.bar_chart_svg([(timezone.localdate(), 0)])
    assert svg.startswith("<svg")
    assert "max 0/day" in svg
    assert 'width="0"' in dashboard.hbar_svg(0, 0)
