"""Response-header middleware through Django's request/response cycle (WSGI and ASGI)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.test import AsyncClient, Client, RequestFactory, override_settings

from security import middleware
from security.middleware import headers as header_middleware

# Closing a response sends request_finished, whose close_old_connections may touch the test database.
pytestmark = pytest.mark.django_db

MW = "security.middleware."
RESPONSE_KINDS = [
    ("/h/page/", 200),
    ("/h/async/", 200),
    ("/h/missing/", 404),
    ("/h/boom/", 500),
    ("/h/redirect/", 302),
    ("/h/streaming/", 200),
    ("/h/async-streaming/", 200),
    ("/h/file/", 200),
]


def fetch(path: str, mode: str = "sync", method: str = "get", **extra):
    """One request through the configured MIDDLEWARE, by the sync or the async handler."""
    if mode == "sync":
        client = Client(raise_request_exception=False)
        response = getattr(client, method)(path, **extra)
    else:
        client = AsyncClient(raise_request_exception=False)
        response = async_to_sync(getattr(client, method))(path, **extra)
    if getattr(response, "streaming", False):
        response.close()
    return response


@pytest.fixture(params=["sync", "async"])
def mode(request):
    return request.param


ALL_HEADER_MIDDLEWARE = [
    MW + "ContentNoSniff",
    MW + "StrictTransportSecurityMiddleware",
    MW + "XFrameOptionsMiddleware",
    MW + "XssProtectMiddleware",
    MW + "P3PPolicyMiddleware",
    MW + "ReferrerPolicyMiddleware",
    MW + "PermissionsPolicyMiddleware",
    MW + "CrossOriginIsolationMiddleware",
    MW + "ClearSiteDataMiddleware",
]
FULL_SETTINGS = {
    "P3P_COMPACT_POLICY": "NOI DSP",
    "PERMISSIONS_POLICY": {"geolocation": [], "camera": ["self"]},
    "CROSS_ORIGIN_EMBEDDER_POLICY": "require-corp",
    "CLEAR_SITE_DATA_URLS": [r"^/h/"],
}
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Frame-Options": "sameorigin",
    "X-XSS-Protection": "1",
    "P3P": 'policyref="/w3c/p3p.xml" CP="NOI DSP"',
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Clear-Site-Data": '"cache", "cookies", "storage"',
}


@pytest.mark.parametrize(("path", "status"), RESPONSE_KINDS)
def test_every_header_on_every_kind_of_response(mode, path, status):
    with override_settings(MIDDLEWARE=ALL_HEADER_MIDDLEWARE, **FULL_SETTINGS):
        response = fetch(path, mode, secure=True)
    assert response.status_code == status
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name


@pytest.mark.parametrize("combined", [False, True])
def test_head_requests_get_the_headers(mode, combined):
    stack = [MW + "SecurityHeadersMiddleware"] if combined else ALL_HEADER_MIDDLEWARE
    families = sorted(header_middleware.HEADER_FAMILIES)
    with override_settings(MIDDLEWARE=stack, SECURITY_HEADERS=families, **FULL_SETTINGS):
        response = fetch("/h/page/", mode, method="head", secure=True)
    assert response.content == b""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name


def test_security_headers_middleware_defaults_to_the_modern_set(mode):
    with override_settings(MIDDLEWARE=[MW + "SecurityHeadersMiddleware"], **FULL_SETTINGS):
        response = fetch("/h/page/", mode, secure=True)
    legacy = {"X-XSS-Protection", "P3P"}
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == (None if name in legacy else value), name


def test_security_headers_middleware_subset(mode):
    with override_settings(MIDDLEWARE=[MW + "SecurityHeadersMiddleware"], SECURITY_HEADERS=["nosniff"]):
        response = fetch("/h/page/", mode, secure=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response
    assert "X-Frame-Options" not in response


def test_security_headers_middleware_refuses_unknown_names(mode):
    with (
        override_settings(
            MIDDLEWARE=[MW + "SecurityHeadersMiddleware"], SECURITY_HEADERS=["nosniff", "bogus"]
        ),
        pytest.raises(ImproperlyConfigured, match=r"SECURITY_HEADERS.*bogus"),
    ):
        fetch("/h/page/", mode)


def test_never_sent_twice_with_djangos_own_middleware():
    """Django's SecurityMiddleware/XFrameOptionsMiddleware and ours together: one of each header."""
    stack = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        *ALL_HEADER_MIDDLEWARE,
        MW + "SecurityHeadersMiddleware",
        MW + "DoNotTrackMiddleware",
        MW + "NoConfidentialCachingMiddleware",
    ]
    sent: list[tuple[str, str]] = []

    def start_response(status, headers, exc_info=None):
        sent.extend(headers)

    with override_settings(
        MIDDLEWARE=stack,
        SECURE_HSTS_SECONDS=60,
        NO_CONFIDENTIAL_CACHING={"WHITELIST_ON": True},
        SECURITY_HEADERS=sorted(header_middleware.HEADER_FAMILIES),
        **FULL_SETTINGS,
    ):
        environ = RequestFactory()._base_environ(
            PATH_INFO="/h/page/", REQUEST_METHOD="GET", HTTP_DNT="1", **{"wsgi.url_scheme": "https"}
        )
        body = WSGIHandler()(environ, start_response)
        body.close()
    names = [name.lower() for name, _ in sent]
    assert len(names) == len(set(names)), sorted(names)
    # Django's middleware is listed first (outermost), so ours set the values it then kept.
    assert dict(sent)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert dict(sent)["DNT"] == "1"


def test_views_own_headers_are_kept(mode):
    with override_settings(MIDDLEWARE=[*ALL_HEADER_MIDDLEWARE, MW + "DoNotTrackMiddleware"], **FULL_SETTINGS):
        response = fetch("/h/own-headers/", mode, secure=True, headers={"DNT": "1"})
    assert response["Strict-Transport-Security"] == "max-age=60"
    assert response["X-XSS-Protection"] == "0"
    assert response["P3P"] == 'CP="VIEW"'
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Permissions-Policy"] == "camera=(self)"
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert response["Clear-Site-Data"] == '"cache"'
    assert response["DNT"] == "0"


# -- Strict-Transport-Security ------------------------------------------------------------

HSTS = [MW + "StrictTransportSecurityMiddleware"]


def test_hsts_on_every_response_by_default_as_documented(mode):
    """The original sent HSTS on plain http too; behind a TLS proxy without SECURE_PROXY_SSL_HEADER
    a secure-only rule would drop it for every request."""
    with override_settings(MIDDLEWARE=HSTS):
        assert fetch("/h/page/", mode)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert fetch("/h/page/", mode, secure=True)["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )


def test_hsts_only_on_secure_requests_when_asked(mode):
    with override_settings(MIDDLEWARE=HSTS, STS_SECURE_ONLY=True):
        assert "Strict-Transport-Security" not in fetch("/h/page/", mode)
        assert fetch("/h/page/", mode, secure=True)["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )


def test_hsts_secure_only_honours_secure_proxy_ssl_header(mode):
    with override_settings(
        MIDDLEWARE=HSTS, STS_SECURE_ONLY=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        assert "Strict-Transport-Security" in fetch("/h/page/", mode, headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in fetch(
            "/h/page/", mode, headers={"X-Forwarded-Proto": "http"}
        )
    # Without the setting the proxy's header is not trusted.
    with override_settings(MIDDLEWARE=HSTS, STS_SECURE_ONLY=True):
        assert "Strict-Transport-Security" not in fetch(
            "/h/page/", mode, headers={"X-Forwarded-Proto": "https"}
        )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"STS_MAX_AGE": 600}, "max-age=600; includeSubDomains"),
        ({"STS_INCLUDE_SUBDOMAINS": False}, "max-age=31536000"),
        ({"STS_PRELOAD": True}, "max-age=31536000; includeSubDomains; preload"),
        ({"STS_MAX_AGE": 0, "STS_INCLUDE_SUBDOMAINS": False}, "max-age=0"),
    ],
)
def test_hsts_settings(mode, settings, expected):
    with override_settings(MIDDLEWARE=HSTS, **settings):
        assert fetch("/h/page/", mode, secure=True)["Strict-Transport-Security"] == expected


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"STS_MAX_AGE": "one year"}, "STS_MAX_AGE"),
        ({"STS_PRELOAD": "yes"}, "STS_PRELOAD"),
        ({"STS_SECURE_ONLY": 1}, "STS_SECURE_ONLY"),
    ],
)
def test_bad_hsts_setting_stops_the_site_at_load(mode, settings, named):
    with override_settings(MIDDLEWARE=HSTS, **settings), pytest.raises(ImproperlyConfigured, match=named):
        fetch("/h/page/", mode, secure=True)


def test_none_means_the_documented_default(mode):
    with override_settings(MIDDLEWARE=HSTS, STS_MAX_AGE=None, STS_INCLUDE_SUBDOMAINS=None):
        assert fetch("/h/page/", mode)["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# -- X-Frame-Options ------------------------------------------------------------------------

XFO = [MW + "XFrameOptionsMiddleware"]


def test_frame_options_alias():
    assert middleware.FrameOptionsMiddleware is middleware.XFrameOptionsMiddleware


def test_frame_options_default_is_sameorigin_not_djangos_deny(mode):
    with override_settings(MIDDLEWARE=XFO):
        assert fetch("/h/page/", mode)["X-Frame-Options"] == "sameorigin"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("deny", "deny"), ("DENY", "DENY"), ("sameorigin", "sameorigin"), (" SameOrigin ", "SameOrigin")],
)
def test_frame_options_values(mode, setting, expected):
    with override_settings(MIDDLEWARE=XFO, X_FRAME_OPTIONS=setting):
        response = fetch("/h/page/", mode)
    assert response["X-Frame-Options"] == expected
    assert "Content-Security-Policy" not in response
    assert not hasattr(response, "security_frame_ancestors")


@pytest.mark.parametrize(
    "setting", ["allow-from https://partner.example", "ALLOW-FROM https://partner.example"]
)
def test_allow_from_is_sent_as_written_and_touches_no_policy(mode, setting):
    with override_settings(MIDDLEWARE=XFO, X_FRAME_OPTIONS=setting):
        response = fetch("/h/page/", mode)
        with_csp = fetch("/h/with-csp/", mode)
    assert response["X-Frame-Options"] == setting
    assert "Content-Security-Policy" not in response
    assert with_csp["Content-Security-Policy"] == "default-src 'self'"


def test_allow_from_becomes_frame_ancestors_of_a_csp_dict_when_asked(mode):
    stack = [*XFO, MW + "ContentSecurityPolicyMiddleware"]
    allow = "allow-from https://partner.example"
    with override_settings(
        MIDDLEWARE=stack, X_FRAME_OPTIONS=allow, X_FRAME_OPTIONS_CSP=True, CSP_DICT={"default-src": ["self"]}
    ):
        response = fetch("/h/page/", mode)
        exempt = fetch("/h/exempt/", mode)
    assert (
        response["Content-Security-Policy"] == "default-src 'self'; frame-ancestors https://partner.example"
    )
    assert exempt["Content-Security-Policy"] == "default-src 'self'"
    # Either middleware order gives the same header.
    with override_settings(
        MIDDLEWARE=stack[::-1],
        X_FRAME_OPTIONS=allow,
        X_FRAME_OPTIONS_CSP=True,
        CSP_DICT={"default-src": ["self"]},
    ):
        assert fetch("/h/page/", mode)["Content-Security-Policy"] == response["Content-Security-Policy"]


def test_csp_string_is_never_edited_for_allow_from(mode):
    stack = [*XFO, MW + "ContentSecurityPolicyMiddleware"]
    with override_settings(
        MIDDLEWARE=stack,
        X_FRAME_OPTIONS="allow-from https://partner.example",
        X_FRAME_OPTIONS_CSP=True,
        CSP_STRING="default-src 'self'",
    ):
        assert fetch("/h/page/", mode)["Content-Security-Policy"] == "default-src 'self'"


def test_frame_options_respects_view_choices(mode):
    with override_settings(MIDDLEWARE=XFO, X_FRAME_OPTIONS="deny"):
        exempt = fetch("/h/exempt/", mode)
        own = fetch("/h/own-frame-options/", mode)
    assert "X-Frame-Options" not in exempt
    assert own["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("rules", [[r"^/h/public/$"], [r"^h/public/$"], (r"^/h/pub",)])
def test_frame_options_exclusions(mode, rules):
    with override_settings(MIDDLEWARE=XFO, X_FRAME_OPTIONS_EXCLUDE_URLS=rules):
        assert "X-Frame-Options" not in fetch("/h/public/", mode)
        assert "X-Frame-Options" in fetch("/h/page/", mode)


def test_exclusion_path_tricks(mode):
    """Encoding, case, double slashes and newlines neither bypass nor wrongly trigger a rule."""
    with override_settings(MIDDLEWARE=XFO, X_FRAME_OPTIONS_EXCLUDE_URLS=[r"^/h/public/$"]):
        # Percent-encoding reaches the same view, and the same exclusion.
        encoded = fetch("/h/%70ublic/", mode)
        assert encoded.status_code == 200
        assert "X-Frame-Options" not in encoded
        # Other case / doubled slash / trailing newline: not the excluded page, header sent.
        for path in ("/H/PUBLIC/", "/h//public/", "//h/public/", "/h/public/%0A"):
            assert fetch(path, mode)["X-Frame-Options"] == "sameorigin", path


def test_exclusions_match_path_info_under_a_script_prefix():
    with override_settings(MIDDLEWARE=XFO, X_FRAME_OPTIONS_EXCLUDE_URLS=[r"^/h/public/$"]):
        response = Client().get("/h/public/", SCRIPT_NAME="/mounted")
    assert "X-Frame-Options" not in response


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"X_FRAME_OPTIONS": "allowall"}, "X_FRAME_OPTIONS"),
        ({"X_FRAME_OPTIONS_EXCLUDE_URLS": ["(unclosed"]}, "X_FRAME_OPTIONS_EXCLUDE_URLS"),
        ({"X_FRAME_OPTIONS_EXCLUDE_URLS": 1}, "X_FRAME_OPTIONS_EXCLUDE_URLS"),
    ],
)
def test_bad_frame_options_stop_the_site_at_load(mode, settings, named):
    with override_settings(MIDDLEWARE=XFO, **settings), pytest.raises(ImproperlyConfigured, match=named):
        fetch("/h/page/", mode)


def test_frame_options_none_means_deny_as_in_the_original(mode):
    with override_settings(MIDDLEWARE=XFO, X_FRAME_OPTIONS=None, X_FRAME_OPTIONS_EXCLUDE_URLS=None):
        assert fetch("/h/page/", mode)["X-Frame-Options"] == "deny"


# -- legacy and modern single headers -------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, "1"), ("sanitize", "1"), ("on", "1; mode=block"), ("off", "0"), ("Off", "0")],
)
def test_xss_protect(mode, setting, expected):
    extra = {} if setting is None else {"XSS_PROTECT": setting}
    with override_settings(MIDDLEWARE=[MW + "XssProtectMiddleware"], **extra):
        assert fetch("/h/page/", mode)["X-XSS-Protection"] == expected


def test_p3p(mode):
    with override_settings(MIDDLEWARE=[MW + "P3PPolicyMiddleware"], P3P_COMPACT_POLICY="NOI DSP COR"):
        assert fetch("/h/page/", mode)["P3P"] == 'policyref="/w3c/p3p.xml" CP="NOI DSP COR"'
    with override_settings(
        MIDDLEWARE=[MW + "P3PPolicyMiddleware"], P3P_COMPACT_POLICY="NOI", P3P_POLICY_URL="/p3p.xml"
    ):
        assert fetch("/h/page/", mode)["P3P"] == 'policyref="/p3p.xml" CP="NOI"'


def test_p3p_requires_its_compact_policy():
    from django.core.exceptions import ImproperlyConfigured
    from django.http import HttpResponse

    with pytest.raises(ImproperlyConfigured, match="P3P_COMPACT_POLICY"):
        middleware.P3PPolicyMiddleware(lambda request: HttpResponse())


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, "same-origin"),
        ("no-referrer", "no-referrer"),
        (["origin", "strict-origin"], "origin, strict-origin"),
    ],
)
def test_referrer_policy(mode, setting, expected):
    extra = {} if setting is None else {"REFERRER_POLICY": setting}
    with override_settings(MIDDLEWARE=[MW + "ReferrerPolicyMiddleware"], **extra):
        assert fetch("/h/page/", mode)["Referrer-Policy"] == expected


def test_permissions_policy(mode):
    with override_settings(MIDDLEWARE=[MW + "PermissionsPolicyMiddleware"]):
        assert "Permissions-Policy" not in fetch("/h/page/", mode)  # empty by default
    policy = {"geolocation": [], "fullscreen": "*", "payment": ["self", "https://pay.example"]}
    with override_settings(MIDDLEWARE=[MW + "PermissionsPolicyMiddleware"], PERMISSIONS_POLICY=policy):
        assert fetch("/h/page/", mode)["Permissions-Policy"] == (
            'geolocation=(), fullscreen=*, payment=(self "https://pay.example")'
        )


def test_cross_origin_isolation(mode):
    stack = [MW + "CrossOriginIsolationMiddleware"]
    with override_settings(MIDDLEWARE=stack):
        response = fetch("/h/page/", mode)
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Cross-Origin-Embedder-Policy" not in response
    with override_settings(
        MIDDLEWARE=stack,
        CROSS_ORIGIN_OPENER_POLICY=None,
        CROSS_ORIGIN_EMBEDDER_POLICY="credentialless",
        CROSS_ORIGIN_RESOURCE_POLICY="cross-origin",
    ):
        response = fetch("/h/page/", mode)
    assert "Cross-Origin-Opener-Policy" not in response
    assert response["Cross-Origin-Embedder-Policy"] == "credentialless"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_clear_site_data_on_configured_paths_only(mode):
    stack = [MW + "ClearSiteDataMiddleware"]
    with override_settings(MIDDLEWARE=stack):
        assert "Clear-Site-Data" not in fetch("/h/logout/", mode)  # no URLs by default
    with override_settings(MIDDLEWARE=stack, CLEAR_SITE_DATA_URLS=[r"^/h/logout/$"]):
        logout = fetch("/h/logout/", mode)
        assert logout.status_code == 302
        assert logout["Clear-Site-Data"] == '"cache", "cookies", "storage"'
        assert "Clear-Site-Data" not in fetch("/h/page/", mode)
    with override_settings(
        MIDDLEWARE=stack, CLEAR_SITE_DATA_URLS=[r"^h/logout/"], CLEAR_SITE_DATA=["cookies"]
    ):
        assert fetch("/h/logout/", mode)["Clear-Site-Data"] == '"cookies"'


def test_settings_changes_apply_on_the_next_request(mode):
    with override_settings(MIDDLEWARE=[MW + "XssProtectMiddleware"]):
        assert fetch("/h/page/", mode)["X-XSS-Protection"] == "1"
        with override_settings(XSS_PROTECT="off"):
            assert fetch("/h/page/", mode)["X-XSS-Protection"] == "0"
        assert fetch("/h/page/", mode)["X-XSS-Protection"] == "1"


@pytest.mark.parametrize(
    ("settings", "header"),
    [
        ({"XSS_PROTECT": "maybe"}, "X-XSS-Protection"),
        ({"REFERRER_POLICY": "nope"}, "Referrer-Policy"),
        ({"PERMISSIONS_POLICY": {"camera": "everyone"}}, "Permissions-Policy"),
        ({"CROSS_ORIGIN_OPENER_POLICY": "isolated"}, "Cross-Origin-Opener-Policy"),
        ({"CLEAR_SITE_DATA": ["everything"], "CLEAR_SITE_DATA_URLS": ["^/"]}, "Clear-Site-Data"),
        ({"P3P_COMPACT_POLICY": 'say "hi"'}, "P3P"),
    ],
)
def test_bad_values_stop_the_site_at_load_naming_the_setting(mode, settings, header):
    named = next(iter(settings))
    with (
        override_settings(MIDDLEWARE=ALL_HEADER_MIDDLEWARE, **{**FULL_SETTINGS, **settings}),
        pytest.raises(ImproperlyConfigured, match=named),
    ):
        fetch("/h/page/", mode, secure=True)
