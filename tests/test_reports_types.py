"""Every Reporting API type browsers send, at the same endpoint, and the headers that name it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from security.checks.reports import check_report_settings
from security.models import BrowserReportAggregate, CspReport, CspReportAggregate

from .reports_samples import dumps

ENDPOINT = "/reports/security/reports/"
PAGE = "https://shop.example/cart?x=1"

#: One report of each type, shaped as Chromium sends them.
SAMPLES = {
    "deprecation": {
        "id": "UnloadHandler",
        "message": "Unload event listeners are deprecated.",
        "sourceFile": "https://shop.example/app.js",
        "lineNumber": 3,
        "columnNumber": 7,
    },
    "intervention": {"id": "HeavyAdIntervention", "message": "Ad was removed.", "sourceFile": ""},
    "crash": {"reason": "oom", "is_top_level": True, "visibility_state": "visible"},
    "coep": {
        "type": "corp",
        "blockedURL": "https://cdn.example/img.png?v=2",
        "destination": "image",
        "disposition": "enforce",
    },
    "coop": {
        "type": "navigation-to-response",
        "effectivePolicy": "same-origin",
        "disposition": "enforce",
        "previousResponseURL": "https://other.example/",
    },
    "permissions-policy-violation": {
        "featureId": "geolocation",
        "sourceFile": "https://shop.example/app.js",
        "lineNumber": 9,
        "columnNumber": 1,
        "disposition": "enforce",
        "message": "Geolocation access has been blocked",
    },
    "integrity-violation": {
        "documentURL": PAGE,
        "blockedURL": "https://cdn.example/lib.js",
        "destination": "script",
        "reportOnly": False,
    },
}
KEYS = {
    "deprecation": "UnloadHandler",
    "intervention": "HeavyAdIntervention",
    "crash": "oom",
    "coep": "corp image https://cdn.example",
    "coop": "navigation-to-response same-origin",
    "permissions-policy-violation": "geolocation",
    "integrity-violation": "script https://cdn.example",
}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def batch(kinds, times=1):
    return [
        {"type": kind, "age": 1, "url": PAGE, "user_agent": "Chrome/131", "body": SAMPLES[kind]}
        for kind in kinds
    ] * times


def test_every_type_is_accepted_normalised_and_counted_by_type_and_fingerprint(client):
    response = client.post(ENDPOINT, dumps(batch(SAMPLES, times=3)), content_type="application/reports+json")
    assert response.status_code == 204
    rows = {row.kind: row for row in BrowserReportAggregate.objects.all()}
    assert {kind: row.key for kind, row in rows.items()} == KEYS
    assert {row.count for row in rows.values()} == {3}
    assert rows["deprecation"].document_path == "/cart"
    assert rows["deprecation"].source_file == "https://shop.example/app.js"
    assert rows["permissions-policy-violation"].disposition == "enforce"
    assert rows["intervention"].message == "Ad was removed."
    assert not CspReport.objects.exists()  # CSP violations only are CspReport rows
    assert not CspReportAggregate.objects.exists()


def test_csp_violations_in_a_mixed_batch_stay_csp_reports(client):
    csp = {
        "type": "csp-violation",
        "url": PAGE,
        "body": {
            "documentURL": PAGE,
            "effectiveDirective": "img-src",
            "blockedURL": "https://x.example/a.png",
        },
    }
    body = dumps([csp, *batch(["deprecation"])])
    assert client.post(ENDPOINT, body, content_type="application/reports+json").status_code == 204
    assert CspReport.objects.get().effective_directive == "img-src"
    assert BrowserReportAggregate.objects.get().kind == "deprecation"


def test_chromiums_policy_id_spelling_is_read_too(client):
    body = dict(SAMPLES["permissions-policy-violation"])
    body["policyId"] = body.pop("featureId")
    report = [{"type": "permissions-policy-violation", "url": PAGE, "body": body}]
    assert client.post(ENDPOINT, dumps(report), content_type="application/reports+json").status_code == 204
    assert BrowserReportAggregate.objects.get().key == "geolocation"


def test_unknown_types_next_to_known_ones_are_skipped(client):
    body = dumps([{"type": "network-error", "url": PAGE, "body": {"type": "tcp.reset"}}, *batch(["crash"])])
    assert client.post(ENDPOINT, body, content_type="application/reports+json").status_code == 204
    assert list(BrowserReportAggregate.objects.values_list("kind", flat=True)) == ["crash"]


def test_the_dashboard_shows_other_reports_by_type(admin_client, client):
    client.post(ENDPOINT, dumps(batch(["deprecation", "crash"], 2)), content_type="application/reports+json")
    page = admin_client.get("/admin/security/cspreportaggregate/dashboard/").content.decode()
    assert "deprecation (2)" in page
    assert "crash (2)" in page
    assert "UnloadHandler" in page


@override_settings(CSP_REPORTS_MAX_AGGREGATES=2, CSP_REPORTS_NEW_PER_CLIENT=None)
def test_other_types_share_the_aggregate_cap(client):
    client.post(ENDPOINT, dumps(batch(SAMPLES)), content_type="application/reports+json")
    kinds = sorted(BrowserReportAggregate.objects.values_list("kind", flat=True))
    assert len(kinds) == 3
    assert "other" in kinds
    assert sum(BrowserReportAggregate.objects.values_list("count", flat=True)) == len(SAMPLES)


# -- headers naming the endpoint ----------------------------------------------------------

HEADERS = {
    "SECURITY_REPORTS_ENDPOINT": "security-reports",
    "PERMISSIONS_POLICY": {"geolocation": [], "camera": ["self"]},
    "CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "CROSS_ORIGIN_EMBEDDER_POLICY": "require-corp",
}


@pytest.mark.parametrize(
    "middleware",
    [
        [
            "security.middleware.CrossOriginIsolationMiddleware",
            "security.middleware.PermissionsPolicyMiddleware",
        ],
        ["security.middleware.SecurityHeadersMiddleware"],
    ],
)
def test_coop_coep_and_permissions_policy_report_to_the_endpoint(client, middleware):
    with override_settings(MIDDLEWARE=middleware, **HEADERS):
        response = client.get("/plain/")
    assert response["Reporting-Endpoints"] == 'default="/reports/security/reports/"'
    assert response["Cross-Origin-Opener-Policy"] == 'same-origin; report-to="default"'
    assert response["Cross-Origin-Embedder-Policy"] == 'require-corp; report-to="default"'
    assert (
        response["Permissions-Policy"] == "geolocation=();report-to=default, camera=(self);report-to=default"
    )
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"  # CORP has no reporting


def test_without_the_setting_headers_are_unchanged(client):
    settings = {**HEADERS, "SECURITY_REPORTS_ENDPOINT": None}
    with override_settings(MIDDLEWARE=["security.middleware.SecurityHeadersMiddleware"], **settings):
        response = client.get("/plain/")
    assert "Reporting-Endpoints" not in response
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_an_endpoint_someone_else_declared_as_default_wins(client):
    from django.http import HttpResponse

    from security.headers import reporting

    response = HttpResponse()
    response["Reporting-Endpoints"] = 'csp="/c/", default="/theirs/"'
    reporting.add_endpoint(response, reporting.endpoints_member("/ours/"))
    assert response["Reporting-Endpoints"] == 'csp="/c/", default="/theirs/"'
    response["Reporting-Endpoints"] = 'csp="/c/"'
    reporting.add_endpoint(response, reporting.endpoints_member("/ours/"))
    assert response["Reporting-Endpoints"] == 'csp="/c/", default="/ours/"'


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, False),
        ("security-reports", False),
        ("/r/", False),
        ("https://reports.example/r", False),
        ("no-such-url-name", True),
        ("http://reports.example/r", True),
        ('/r/"; x', True),
        ("//evil.example/", True),
        (5, True),
    ],
)
def test_the_setting_is_checked(value, problem):
    with override_settings(SECURITY_REPORTS_ENDPOINT=value):
        found = [m.id for m in check_report_settings(None)]
    assert found == (["security.E202"] if problem else [])


def test_an_invalid_setting_stops_the_site_at_load(client):
    settings = {**HEADERS, "SECURITY_REPORTS_ENDPOINT": "http://plain.example/r"}
    with (
        override_settings(MIDDLEWARE=["security.middleware.SecurityHeadersMiddleware"], **settings),
        pytest.raises(ImproperlyConfigured, match="SECURITY_REPORTS_ENDPOINT"),
    ):
        client.get("/plain/")
