"""ContentSecurityPolicyMiddleware through Django's request cycle (sync Client and AsyncClient)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpResponse
from django.test import AsyncClient, Client

from security.middleware import ContentSecurityPolicyMiddleware

from .test_csp_policy import DOCUMENTED

CSP = "security.middleware.ContentSecurityPolicyMiddleware"
XFO = "security.middleware.XFrameOptionsMiddleware"
ENFORCE = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"
POLICY = {
    "default-src": ["self"],
    "script-src": ["self", "nonce"],
    "style-src": ["self", "nonce"],
    "img-src": ["self", "data:"],
    "object-src": ["none"],
}
PLAIN = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'"


@pytest.fixture
def csp_settings(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, CSP]
    settings.CSP_DICT = POLICY
    return settings


def nonce_in(header: str) -> str:
    match = re.search(r"'nonce-([A-Za-z0-9_-]+)'", header)
    assert match, header
    return match.group(1)


# -- the documented contract ---------------------------------------------------------------


def test_documented_dictionary_is_sent_with_quoted_keywords(settings, client):
    settings.MIDDLEWARE = [CSP]
    settings.CSP_DICT = DOCUMENTED
    response = client.get("/csp/page/")
    assert response[ENFORCE].startswith("default-src 'self' https:; script-src 'self' http://js.example.com;")
    assert "object-src 'none'" in response[ENFORCE]
    assert "; sandbox; plugin-types application/pdf; reflected-xss filter; " in response[ENFORCE]
    assert REPORT_ONLY not in response
    for legacy in ("X-WebKit-CSP", "X-Content-Security-Policy"):
        assert legacy not in response


def test_string_is_sent_verbatim(settings, client):
    settings.MIDDLEWARE = [CSP]
    settings.CSP_STRING = "default-src 'self'; script-src *.google.com"
    assert client.get("/csp/page/")[ENFORCE] == "default-src 'self'; script-src *.google.com"


@pytest.mark.parametrize("mode", ["report-only", "Report-Only"])
def test_report_only_mode_uses_the_report_only_header(csp_settings, client, mode):
    csp_settings.CSP_MODE = mode
    response = client.get("/csp/page/")
    assert response[REPORT_ONLY] == PLAIN
    assert ENFORCE not in response


def test_enforce_is_the_default_mode(csp_settings, client):
    assert client.get("/csp/page/")[ENFORCE] == PLAIN


def test_dict_and_string_together_raise_at_construction(settings):
    settings.CSP_DICT = POLICY
    settings.CSP_STRING = "default-src 'self'"
    with pytest.raises(ImproperlyConfigured, match="both CSP_DICT and CSP_STRING"):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())


def test_dict_and_string_together_stop_the_client(settings):
    settings.MIDDLEWARE = [CSP]
    settings.CSP_DICT = POLICY
    settings.CSP_STRING = "default-src 'self'"
    with pytest.raises(ImproperlyConfigured):
        Client().get("/csp/page/")


def test_report_only_pair_together_raise(settings):
    settings.CSP_REPORT_ONLY_DICT = POLICY
    settings.CSP_REPORT_ONLY_STRING = "default-src 'self'"
    with pytest.raises(ImproperlyConfigured, match="both CSP_REPORT_ONLY_DICT and CSP_REPORT_ONLY_STRING"):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())


def test_unknown_mode_raises(settings):
    settings.CSP_MODE = "block"
    with pytest.raises(ImproperlyConfigured, match="CSP_MODE"):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())


def test_no_policy_no_header(settings, client):
    settings.MIDDLEWARE = [CSP]
    with pytest.raises(MiddlewareNotUsed):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    response = client.get("/csp/page/")
    assert ENFORCE not in response
    assert REPORT_ONLY not in response
    assert "Reporting-Endpoints" not in response


def test_settings_changes_apply_on_the_next_request(csp_settings, client):
    assert client.get("/csp/page/")[ENFORCE] == PLAIN
    csp_settings.CSP_DICT = {"default-src": ["none"]}
    assert client.get("/csp/page/")[ENFORCE] == "default-src 'none'"


# -- the second, report-only policy ------------------------------------------------------------


def test_second_policy_is_sent_report_only_beside_the_enforced_one(csp_settings, client):
    csp_settings.CSP_REPORT_ONLY_DICT = {
        "default-src": ["self"],
        "script-src": ["self", "strict-dynamic", "nonce"],
    }
    response = client.get("/csp/nonce/")
    nonce = nonce_in(response[ENFORCE])
    assert response[REPORT_ONLY] == f"default-src 'self'; script-src 'self' 'strict-dynamic' 'nonce-{nonce}'"


def test_report_only_mode_and_second_policy_share_one_header(csp_settings, client):
    csp_settings.CSP_MODE = "report-only"
    csp_settings.CSP_REPORT_ONLY_STRING = "img-src 'none'"
    assert client.get("/csp/page/")[REPORT_ONLY] == f"{PLAIN}, img-src 'none'"


# -- nonces --------------------------------------------------------------------------------------


def test_unused_nonce_stays_out_of_the_header_and_cache(csp_settings, client):
    response = client.get("/csp/page/")
    assert "nonce-" not in response[ENFORCE]
    assert "private" not in response.get("Cache-Control", "")


def test_used_nonce_is_in_the_header_and_every_template_form(csp_settings, client):
    response = client.get("/csp/nonce/")
    nonce = nonce_in(response[ENFORCE])
    body = response.content.decode()
    assert body.count(nonce) == 4  # {{ request.csp_nonce }}, both tags, {{ csp_nonce }}
    assert f'<script nonce="{nonce}">2</script>' in body
    assert response[ENFORCE] == PLAIN.replace(
        "script-src 'self'", f"script-src 'self' 'nonce-{nonce}'"
    ).replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
    assert "private" in response["Cache-Control"]
    assert len(nonce) >= 22  # at least 128 bits of base64


def test_each_request_gets_a_new_nonce(csp_settings, client):
    first = nonce_in(client.get("/csp/nonce/")[ENFORCE])
    second = nonce_in(client.get("/csp/nonce/")[ENFORCE])
    assert first != second


def test_truth_test_of_the_nonce_does_not_use_it(csp_settings, client):
    response = client.get("/csp/if-nonce/")
    assert response.content == b"yes"
    assert "nonce-" not in response[ENFORCE]


def test_streamed_response_gets_a_nonce_up_front(csp_settings, client):
    response = client.get("/csp/streamed/")
    nonce = nonce_in(response[ENFORCE])
    assert f'nonce="{nonce}"' in b"".join(response.streaming_content).decode()


async def test_async_view_nonce(csp_settings):
    response = await AsyncClient().get("/csp/async-nonce/")
    nonce = nonce_in(response[ENFORCE])
    assert response.content.decode() == f'<script nonce="{nonce}">1</script>'
    assert "private" in response["Cache-Control"]


def test_nonce_pages_are_never_served_from_djangos_cache(csp_settings):
    csp_settings.MIDDLEWARE = [
        "django.middleware.cache.UpdateCacheMiddleware",
        CSP,
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
    csp_settings.CACHE_MIDDLEWARE_SECONDS = 60
    client = Client()
    first, second = client.get("/csp/nonce/"), client.get("/csp/nonce/")
    assert nonce_in(first[ENFORCE]) != nonce_in(second[ENFORCE])
    assert nonce_in(second[ENFORCE]) in second.content.decode()
    # Pages without a nonce stay cacheable.
    assert client.get("/csp/page/")["Cache-Control"] == "max-age=60"


def test_nonce_with_a_string_policy_is_not_added(settings, client):
    settings.MIDDLEWARE = [CSP]
    settings.CSP_STRING = "script-src 'self'"
    assert client.get("/csp/nonce/")[ENFORCE] == "script-src 'self'"


def test_django_nonce_sentinel_is_accepted(settings, client):
    settings.MIDDLEWARE = [CSP]
    settings.CSP_DICT = {"script-src": ["self", "<CSP_NONCE_SENTINEL>"]}
    nonce_in(client.get("/csp/nonce/")[ENFORCE])


# -- a policy set by the view, idempotence ------------------------------------------------------


def test_header_set_by_the_view_wins(csp_settings, client):
    assert client.get("/csp/own-header/")[ENFORCE] == "default-src 'none'"


def test_running_twice_changes_nothing(csp_settings, client):
    csp_settings.MIDDLEWARE = [CSP, CSP]
    response = client.get("/csp/nonce/")
    assert response[ENFORCE].count("script-src") == 1
    nonce_in(response[ENFORCE])


# -- per-view decorators ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/csp/exempt/", "/csp/class-exempt/"])
def test_exempt_views_send_no_policy(csp_settings, client, url):
    csp_settings.CSP_REPORT_ONLY_DICT = {"default-src": ["self"]}
    response = client.get(url)
    assert ENFORCE not in response
    assert REPORT_ONLY not in response


def test_exempt_from_the_second_policy_only(csp_settings, client):
    csp_settings.CSP_REPORT_ONLY_DICT = {"default-src": ["self"]}
    response = client.get("/csp/exempt-report-only/")
    assert response[ENFORCE] == PLAIN
    assert REPORT_ONLY not in response


def test_replace(csp_settings, client):
    assert client.get("/csp/replaced/")[ENFORCE] == (
        "default-src 'self'; script-src 'self' https://cdn.example.com; style-src 'self'; img-src 'self' data:"
    )


async def test_update_on_an_async_view(csp_settings):
    response = await AsyncClient().get("/csp/async-updated/")
    assert "img-src 'self' data: https://images.example.com;" in response[ENFORCE]


def test_update_missing_directive_starts_from_default_src(settings, client):
    settings.MIDDLEWARE = [CSP]
    settings.CSP_STRING = "default-src 'self'"
    assert (
        client.get("/csp/as-view-updated/")[ENFORCE]
        == "default-src 'self'; connect-src 'self' wss://live.example.com"
    )


def test_stacked_decorators_apply_from_the_view_outwards(csp_settings, client):
    header = client.get("/csp/stacked/")[ENFORCE]
    assert "script-src https://a.example.com https://b.example.com;" in header


def test_update_of_the_second_policy(csp_settings, client):
    csp_settings.CSP_REPORT_ONLY_DICT = {"default-src": ["self"]}
    response = client.get("/csp/updated-report-only/")
    assert response[ENFORCE] == PLAIN
    assert response[REPORT_ONLY] == "default-src 'self'; img-src 'self' https://trial.example.com"


async def test_async_class_based_view_replace(csp_settings):
    response = await AsyncClient().get("/csp/async-class-replaced/")
    assert response.content == b"async class replaced"
    assert response[ENFORCE].endswith("; frame-ancestors 'none'")


def test_method_decorator(csp_settings, client):
    assert "img-src 'self' data: https://m.example.com;" in client.get("/csp/method-decorated/")[ENFORCE]


def test_decorating_something_else_fails_clearly():
    from security.decorators import csp_exempt

    with pytest.raises(TypeError, match="class-based view"):
        csp_exempt(int)


# -- reporting ---------------------------------------------------------------------------------


def test_report_uri_and_reporting_endpoints_from_url_names(csp_settings, client):
    csp_settings.CSP_DICT = {**POLICY, "report-uri": "security-csp-report", "report-to": "csp-endpoint"}
    csp_settings.CSP_REPORTING_ENDPOINTS = {
        "csp-endpoint": "security-reports",
        "other": "https://r.example/x",
    }
    response = client.get("/csp/page/")
    assert response[ENFORCE].endswith("; report-uri /reports/security/csp-report/; report-to csp-endpoint")
    assert (
        response["Reporting-Endpoints"]
        == 'csp-endpoint="/reports/security/reports/", other="https://r.example/x"'
    )


def test_unresolvable_url_names_are_left_out(csp_settings, client, caplog):
    csp_settings.CSP_DICT = {**POLICY, "report-uri": "no-such-view"}
    csp_settings.CSP_REPORTING_ENDPOINTS = {"csp-endpoint": "no-such-view"}
    response = client.get("/csp/page/")
    assert response[ENFORCE] == PLAIN
    assert "Reporting-Endpoints" not in response
    assert "no-such-view" in caplog.text


def test_invalid_endpoint_names_stop_the_site_at_load(csp_settings):
    csp_settings.CSP_REPORTING_ENDPOINTS = {"bad name": "/x/"}
    with pytest.raises(ImproperlyConfigured, match="CSP_REPORTING_ENDPOINTS"):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())


def test_reporting_endpoints_keep_those_already_declared(csp_settings):
    from security.middleware.csp import _add_reporting_endpoints

    response = HttpResponse()
    response["Reporting-Endpoints"] = 'coop="/coop/"'
    _add_reporting_endpoints(response, 'csp-endpoint="/csp/", coop="/other/"')
    assert response["Reporting-Endpoints"] == 'coop="/coop/", csp-endpoint="/csp/"'


# -- X_FRAME_OPTIONS = "allow-from <url>" with XFrameOptionsMiddleware, in either order ------------


@pytest.mark.parametrize("order", [[CSP, XFO], [XFO, CSP]])
@pytest.mark.parametrize(
    ("mode", "url", "expected"),
    [
        ("enforce", "/csp/page/", {ENFORCE: f"{PLAIN}; frame-ancestors https://partner.example"}),
        ("report-only", "/csp/page/", {ENFORCE: None, REPORT_ONLY: PLAIN}),
        ("enforce", "/csp/exempt/", {ENFORCE: None}),
        ("enforce", "/csp/async-class-replaced/", {ENFORCE: f"{PLAIN}; frame-ancestors 'none'"}),
        ("enforce", "/csp/own-header/", {ENFORCE: "default-src 'none'"}),
    ],
)
def test_allow_from_becomes_frame_ancestors_whatever_the_order(settings, order, mode, url, expected):
    settings.MIDDLEWARE = order
    settings.CSP_DICT = POLICY
    settings.CSP_MODE = mode
    settings.X_FRAME_OPTIONS = "allow-from https://partner.example"
    settings.X_FRAME_OPTIONS_CSP = True
    response = Client().get(url)
    assert {name: response.get(name) for name in expected} == expected
    assert response["X-Frame-Options"] == "allow-from https://partner.example"
    if mode == "enforce":
        assert REPORT_ONLY not in response


def test_allow_from_is_not_merged_unless_asked(settings, client):
    settings.MIDDLEWARE = [CSP, XFO]
    settings.CSP_DICT = POLICY
    settings.X_FRAME_OPTIONS = "allow-from https://partner.example"
    assert client.get("/csp/page/")[ENFORCE] == PLAIN


def test_frame_ancestors_in_the_policy_wins(settings, client):
    settings.MIDDLEWARE = [CSP, XFO]
    settings.CSP_DICT = {"default-src": ["self"], "frame-ancestors": ["self"]}
    settings.X_FRAME_OPTIONS = "allow-from https://partner.example"
    settings.X_FRAME_OPTIONS_CSP = True
    assert client.get("/csp/page/")[ENFORCE] == "default-src 'self'; frame-ancestors 'self'"
