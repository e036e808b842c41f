"""The documented ``csp_report`` view and ``security.urls`` through Django's request cycle."""

import io
import logging

import pytest
from asgiref.sync import sync_to_async
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.test import AsyncClient, RequestFactory, override_settings
from django.urls import reverse

from security.models import CspReport, CspReportAggregate
from security.views import csp_report

from .reports_samples import REPORT_URI, REPORTING_API, dumps

SAVE = "/reports/csp-report/save/"
LOG_ONLY = "/reports/csp-report/"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def post(client, url, body, content_type="application/csp-report", **extra):
    return client.post(url, body, content_type=content_type, **extra)


def test_report_uri_report_is_saved_with_every_field(client):
    response = post(client, SAVE, dumps(REPORT_URI), HTTP_USER_AGENT="TestBrowser/1.0")
    assert response.status_code == 204
    row = CspReport.objects.get()
    assert row.document_uri == "https://shop.example/cart?id=7"
    assert row.blocked_uri == "https://evil.example/x.js"
    assert row.violated_directive == row.effective_directive == "script-src-elem"
    assert row.original_policy.startswith("default-src")
    assert (row.line_number, row.column_number, row.status_code) == (12, 4, 200)
    assert row.disposition == "enforce"
    assert row.user_agent_text == "TestBrowser/1.0"
    assert row.sender_ip == "127.0.0.1"
    aggregate = CspReportAggregate.objects.get()
    assert (aggregate.count, aggregate.blocked, aggregate.document_path) == (
        1,
        "https://evil.example",
        "/cart",
    )
    assert row.fingerprint == aggregate.fingerprint


def test_reporting_api_batch_is_saved_and_other_types_skipped(client):
    response = post(client, SAVE, dumps(REPORTING_API), "application/reports+json")
    assert response.status_code == 204
    row = CspReport.objects.get()
    assert (row.blocked_uri, row.script_sample) == ("inline", "alert(1)")
    assert row.user_agent_text.startswith("Mozilla/5.0")


def test_identical_reports_are_one_aggregate_row(client):
    for _ in range(5):
        assert post(client, SAVE, dumps(REPORT_URI)).status_code == 204
    assert CspReport.objects.count() == 5
    aggregate = CspReportAggregate.objects.get()
    assert aggregate.count == 5
    assert aggregate.first_seen <= aggregate.last_seen


def test_default_mode_logs_to_security_logger_and_saves_nothing(client, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        response = post(client, LOG_ONLY, dumps(REPORT_URI))
    assert response.status_code == 204
    assert not CspReport.objects.exists()
    assert not CspReportAggregate.objects.exists()
    (record,) = [r for r in caplog.records if r.name == "security"]
    assert "script-src-elem" in record.getMessage()
    assert "https://evil.example/x.js" in record.getMessage()
    assert record.csp_report.document_uri == "https://shop.example/cart?id=7"


def test_csp_log_false_logs_nothing(client, caplog):
    with caplog.at_level(logging.DEBUG, logger="security"):
        assert post(client, "/reports/csp-report/quiet/", dumps(REPORT_URI)).status_code == 204
    assert not [r for r in caplog.records if r.name == "security"]
    assert CspReport.objects.count() == 1


def test_logged_control_characters_are_escaped(client, caplog):
    body = {"csp-report": {"document-uri": "https://s.example/\nFAKE LOG LINE", "blocked-uri": "inline"}}
    with caplog.at_level(logging.WARNING, logger="security"):
        post(client, LOG_ONLY, dumps(body))
    assert "\n" not in caplog.records[0].getMessage()
    assert "\\nFAKE" in caplog.records[0].getMessage()


def test_view_called_directly_with_documented_keywords():
    request = RequestFactory().post("/x/", dumps(REPORT_URI), content_type="application/csp-report")
    assert csp_report(request, csp_save=True, csp_log=False).status_code == 204
    assert CspReport.objects.count() == 1
    assert getattr(csp_report, "csrf_exempt", False)


def test_csrf_is_not_required(client):
    csrf_client = client.__class__(enforce_csrf_checks=True)
    assert post(csrf_client, SAVE, dumps(REPORT_URI)).status_code == 204


@pytest.mark.parametrize("method", ["get", "put", "delete", "options", "head"])
def test_only_post_is_allowed(client, method):
    response = getattr(client, method)(SAVE)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]
)
def test_unsupported_content_type_is_415(client, content_type):
    assert post(client, SAVE, dumps(REPORT_URI), content_type).status_code == 415


def test_content_type_parameters_and_case_are_accepted(client):
    assert post(client, SAVE, dumps(REPORT_URI), "Application/CSP-Report; charset=utf-8").status_code == 204


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"csp-report": "x"}', b'{"csp-report": {"document-uri": {}}}', b"\xff"],
)
def test_bad_bodies_are_400(client, body):
    assert post(client, SAVE, body).status_code == 400
    assert not CspReport.objects.exists()


def test_empty_body_is_400():
    environ = RequestFactory()._base_environ(
        REQUEST_METHOD="POST", CONTENT_TYPE="application/csp-report", **{"wsgi.input": io.BytesIO(b"")}
    )
    assert csp_report(WSGIRequest(environ)).status_code == 400


@override_settings(CSP_REPORTS_MAX_BODY=100)
def test_declared_length_over_cap_is_413(client):
    response = post(client, SAVE, b"{" + b" " * 200 + b"}")
    assert response.status_code == 413


class CountingStream(io.BytesIO):
    """A request body that remembers how many bytes the view read."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


@override_settings(CSP_REPORTS_MAX_BODY=100)
def test_body_longer_than_declared_is_cut_at_cap_plus_one():
    """A client lying about Content-Length cannot make the view buffer the whole body."""
    stream = CountingStream(b"x" * 1_000_000)
    environ = RequestFactory()._base_environ(
        REQUEST_METHOD="POST",
        PATH_INFO="/x/",
        CONTENT_TYPE="application/csp-report",
        CONTENT_LENGTH="1000000",
        **{"wsgi.input": stream},
    )
    environ["CONTENT_LENGTH"] = "50"  # the lie: small declared length, huge stream
    assert csp_report(WSGIRequest(environ)).status_code == 400  # only 50 bytes read: not JSON
    assert stream.bytes_read <= 101
    environ = RequestFactory()._base_environ(
        REQUEST_METHOD="POST",
        PATH_INFO="/x/",
        CONTENT_TYPE="application/csp-report",
        **{"wsgi.input": (stream := CountingStream(b"x" * 1_000_000))},
    )
    environ["CONTENT_LENGTH"] = "100"
    response = csp_report(WSGIRequest(environ))
    assert response.status_code == 400
    assert stream.bytes_read <= 101


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_nonsense_content_length_is_400(length):
    request = RequestFactory().post("/x/", dumps(REPORT_URI), content_type="application/csp-report")
    request.META["CONTENT_LENGTH"] = length
    assert csp_report(request).status_code == 400


def test_over_long_strings_are_truncated_to_the_column(client):
    long = "https://s.example/" + "a" * 5000
    body = {
        "csp-report": {
            "document-uri": long,
            "blocked-uri": long,
            "script-sample": long,
            "original-policy": long,
        }
    }
    assert post(client, SAVE, dumps(body)).status_code == 204
    row = CspReport.objects.get()
    assert len(row.document_uri) == len(row.blocked_uri) == len(row.script_sample) == 1000
    assert row.original_policy == long
    assert len(CspReportAggregate.objects.get().blocked) <= 500


def test_control_characters_are_stored_as_sent_except_nul(client):
    body = {"csp-report": {"document-uri": "https://s.example/\x1b[31m\x00", "blocked-uri": "inline"}}
    assert post(client, SAVE, dumps(body)).status_code == 204
    assert CspReport.objects.get().document_uri == "https://s.example/\x1b[31m\ufffd"


@override_settings(CSP_REPORTS_RATE_LIMIT=3, CSP_REPORTS_RATE_WINDOW=60)
def test_rate_limit_per_client_answers_429(client):
    statuses = [post(client, SAVE, dumps(REPORT_URI)).status_code for _ in range(5)]
    assert statuses == [204, 204, 204, 429, 429]
    assert CspReport.objects.count() == 3
    other = post(client, SAVE, dumps(REPORT_URI), REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 204


@override_settings(CSP_REPORTS_RATE_LIMIT=None)
def test_rate_limit_can_be_switched_off(client):
    assert all(post(client, SAVE, dumps(REPORT_URI)).status_code == 204 for _ in range(130))


@override_settings(CSP_REPORTS_SAMPLE_RATE=0)
def test_sampling_zero_keeps_nothing_but_still_answers_204(client):
    assert post(client, SAVE, dumps(REPORT_URI)).status_code == 204
    assert not CspReport.objects.exists()


@override_settings(CSP_REPORTS_SAMPLE_RATE=50, CSP_REPORTS_RATE_LIMIT=None)
def test_sampling_keeps_about_the_configured_share(client):
    for _ in range(400):
        post(client, SAVE, dumps(REPORT_URI))
    assert 120 < CspReportAggregate.objects.get().count < 280


@override_settings(CSP_REPORTS_SAVE_RAW=False)
def test_raw_storage_can_be_switched_off(client):
    post(client, SAVE, dumps(REPORT_URI))
    assert not CspReport.objects.exists()
    assert CspReportAggregate.objects.get().count == 1


@override_settings(CSP_REPORTS_AGGREGATE=False)
def test_aggregation_can_be_switched_off(client):
    post(client, SAVE, dumps(REPORT_URI))
    assert CspReport.objects.count() == 1
    assert not CspReportAggregate.objects.exists()


def test_security_urls_names_resolve_and_collect(client):
    for name, content_type, body in [
        ("security-csp-report", "application/csp-report", REPORT_URI),
        ("security-reports", "application/reports+json", REPORTING_API),
    ]:
        url = reverse(name)
        assert post(client, url, dumps(body), content_type).status_code == 204
    assert CspReport.objects.count() == 2


@override_settings(CSP_REPORTS_URLS_SAVE=False)
def test_security_urls_can_log_only(client):
    assert (
        post(
            client, reverse("security-reports"), dumps(REPORTING_API), "application/reports+json"
        ).status_code
        == 204
    )
    assert not CspReport.objects.exists()


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_rate_limit_with_a_cache_that_keeps_nothing_lets_reports_in(client):
    assert all(post(client, SAVE, dumps(REPORT_URI)).status_code == 204 for _ in range(3))


@override_settings(CSP_REPORTS_CACHE="missing")
def test_broken_cache_config_lets_reports_in(client):
    assert post(client, SAVE, dumps(REPORT_URI)).status_code == 204


def close_connection():
    connection.close()


@pytest.mark.django_db(transaction=True)
async def test_async_client_through_asgi_handler():
    client = AsyncClient()
    response = await client.post(SAVE, dumps(REPORTING_API), content_type="application/reports+json")
    assert response.status_code == 204
    assert await CspReport.objects.acount() == 1
    response = await client.post(SAVE, b"x" * 70_000, content_type="application/csp-report")
    assert response.status_code == 413
    assert (await client.get(SAVE)).status_code == 405
    await sync_to_async(close_connection)()  # the ORM thread's connection; the DB is dropped next


def test_rate_limit_holds_across_clients_sharing_redis(client, redis_url):
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "reports": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    with override_settings(CACHES=caches, CSP_REPORTS_CACHE="reports", CSP_REPORTS_RATE_LIMIT=2):
        from django.core.cache import caches as live

        live["reports"].clear()
        first = [post(client, SAVE, dumps(REPORT_URI)).status_code for _ in range(2)]
        # A second "process": a fresh client and a fresh cache connection see the same counter.
        live["reports"].close()
        other = client.__class__()
        assert [*first, post(other, SAVE, dumps(REPORT_URI)).status_code] == [204, 204, 429]
