"""Fuzzing the collector: no body, header or content type may produce a 5xx.

Runs on whichever database the suite uses (so on PostgreSQL too, where NUL
characters and over-long values would otherwise be database errors).
"""

import json

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .reports_samples import REPORT_URI, REPORTING_API

pytestmark = pytest.mark.django_db

CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/csp-report",
            "application/reports+json",
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/CSP-REPORT",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "",
        ]
    ),
    st.text(max_size=40),
)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)
KNOWN_KEYS = sorted({*REPORT_URI["csp-report"], *REPORTING_API[0]["body"], "type", "body", "csp-report"})
REPORTISH = st.one_of(
    st.dictionaries(st.sampled_from(KNOWN_KEYS), JSON_VALUES, max_size=8).map(lambda d: {"csp-report": d}),
    st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["csp-violation", "deprecation", 1]),
                "body": JSON_VALUES | st.dictionaries(st.sampled_from(KNOWN_KEYS), JSON_VALUES, max_size=8),
            }
        ),
        max_size=3,
    ),
    JSON_VALUES,
)
BODIES = st.one_of(
    st.binary(max_size=600),
    REPORTISH.map(lambda value: json.dumps(value).encode()),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_USER_AGENT": st.text(max_size=2000),
        "REMOTE_ADDR": st.sampled_from(["127.0.0.1", "::1", "", "unix:/tmp/sock", "999.1.1.1"]),
        "HTTP_X_FORWARDED_FOR": st.text(max_size=50),
    },
)


@override_settings(CSP_REPORTS_MAX_BODY=512, CSP_REPORTS_RATE_LIMIT=1000)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, content_type=CONTENT_TYPES, headers=HEADERS, url=st.sampled_from(["save/", "", "quiet/"]))
def test_no_input_produces_a_server_error(body, content_type, headers, url):
    cache.clear()
    client = Client(raise_request_exception=False)
    response = client.generic(
        "POST", f"/reports/csp-report/{url}", body, content_type=content_type, **headers
    )
    assert response.status_code in {204, 400, 413, 415, 429}, response.content


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]), body=st.binary(max_size=50)
)
def test_other_methods_are_405(method, body):
    response = Client(raise_request_exception=False).generic(method, "/reports/csp-report/save/", body)
    assert response.status_code == 405
