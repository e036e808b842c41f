"""The proposal from stored reports: the csp_propose_policy command and the admin page."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from security.csp.hashes import csp_hash
from security.models import CspReport, CspReportAggregate
from security.reports import proposals

pytestmark = pytest.mark.django_db

SITE = "https://s.example"
HOSTILE = "\x1b[31mred\u202e\u2028x"


def report(blocked: str, directive: str = "script-src-elem", **extra: str) -> CspReport:
    return CspReport.objects.create(
        document_uri=f"{SITE}/page",
        blocked_uri=blocked,
        effective_directive=directive,
        violated_directive=directive,
        disposition="report",
        **extra,
    )


@pytest.fixture
def templates(tmp_path):
    (tmp_path / "page.html").write_text(
        '<script nonce="{{ csp_nonce }}">window.ok = 1;</script>\n<style>.x { color: red; }</style>\n'
    )
    setting = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(tmp_path)],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
        }
    ]
    with override_settings(TEMPLATES=setting):
        yield tmp_path


@pytest.fixture
def stored(templates):
    report(f"{SITE}/static/app.js")
    report(f"{SITE}/static/app.js")
    report("https://img.example/a.png", "img-src")
    report("inline", script_sample="window.ok = 1;")
    report("inline", "style-src-elem", script_sample=".x { color: red; }")
    report("chrome-extension://abc/inject.js")
    report("eval", "script-src", source_file=f"{SITE}/{HOSTILE}.js", script_sample=HOSTILE)


def run(*args: str) -> str:
    out = StringIO()
    call_command("csp_propose_policy", *args, stdout=out)
    return out.getvalue()


def test_json_output_is_the_proposed_csp_dict(stored):
    policy = json.loads(run("--json"))
    assert policy == {
        "default-src": ["none"],
        "img-src": ["https://img.example"],
        "script-src": ["self", "nonce"],
        "style-src": [csp_hash(".x { color: red; }")],
    }


def test_text_output_lists_noise_and_code_changes_with_sender_text_escaped(stored):
    out = run()
    assert "Proposed from 7 report(s)" in out
    assert "Header: default-src 'none'; img-src https://img.example; script-src 'self' 'nonce-…'" in out
    assert "Left out as likely noise: 1" in out
    assert "chrome-extension:" in out
    assert "unsafe-eval" in out
    assert "\x1b" not in out
    assert "\\x1b[31mred" in out


def test_raw_reports_are_read_newest_first_and_bounded(stored):
    assert sum(seen.count for seen in proposals.observations(limit=3)) == 3
    assert json.loads(run("--json", "--limit", "0"))  # clamped to at least one report


def test_without_raw_reports_the_aggregates_are_used(templates):
    now = timezone.now()
    CspReportAggregate.objects.create(
        fingerprint="a" * 40,
        directive="img-src",
        blocked="https://img.example",
        count=4,
        first_seen=now,
        last_seen=now,
    )
    proposal = proposals.current_proposal()
    assert proposal.reports == 4
    assert proposal.policy["img-src"] == ["https://img.example"]


def test_nothing_stored_proposes_a_policy_that_allows_nothing(templates):
    assert "Left out as likely noise: none" in run()
    assert json.loads(run("--json")) == {"default-src": ["none"]}


def test_template_scan_is_bounded(templates, monkeypatch):
    for i in range(5):
        (templates / f"t{i}.html").write_text("<script>x()</script>")
    monkeypatch.setattr(proposals, "MAX_TEMPLATES", 3)
    assert len(list(proposals._template_files())) == 3


def test_admin_page_shows_the_proposal_escaped_next_to_the_dashboard(admin_client, stored):
    url = reverse("admin:security_cspreportaggregate_proposal")
    dashboard = admin_client.get(reverse("admin:security_cspreportaggregate_dashboard")).content.decode()
    assert url in dashboard
    response = admin_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert '"https://img.example"' in body or "&quot;https://img.example&quot;" in body
    assert 'id="left-out-noise"' in body
    assert "chrome-extension:" in body
    assert "\x1b" not in body
    assert "\\x1b[31mred" in body


def test_admin_page_needs_staff(client, stored):
    response = client.get(reverse("admin:security_cspreportaggregate_proposal"))
    assert response.status_code == 302
