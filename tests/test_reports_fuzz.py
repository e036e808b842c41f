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


# -- batches: size, duplication, user agents, addresses ------------------------------------

import ipaddress  # noqa: E402

from security.models import BrowserReportAggregate, CspReport, CspReportAggregate, ReportUserAgent  # noqa: E402
from security.reports.buffer import BUFFER  # noqa: E402

POOL = [
    {
        "type": "csp-violation",
        "url": "https://s.example/",
        "body": {
            "documentURL": f"https://s.example/p{i % 3}",
            "effectiveDirective": ["img-src", "script-src-elem"][i % 2],
            "blockedURL": f"https://cdn{i}.example/x",
            "lineNumber": i,
        },
    }
    for i in range(8)
] + [{"type": "deprecation", "url": "https://s.example/", "body": {"id": f"Old{i}"}} for i in range(2)]
ADDRESSES = ["203.0.113.1", "203.0.113.2", "2001:db8:1:1::1", "2001:db8:1:1::ffff", "2001:db8:1:2::1"]
AGENTS = ["", "Chrome/131", "Firefox/133", "x" * 1500]
RATE, PER_REQUEST, SAMPLES = 30, 10, 2

REQUESTS = st.lists(
    st.tuples(
        st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=15),
        st.integers(0, len(ADDRESSES) - 1),
        st.integers(0, len(AGENTS) - 1),
    ),
    min_size=1,
    max_size=12,
)


def group_of(address):
    parsed = ipaddress.ip_address(address)
    return str(ipaddress.ip_network(f"{address}/64", strict=False)) if parsed.version == 6 else address


@override_settings(
    CSP_REPORTS_RATE_LIMIT=RATE,
    CSP_REPORTS_MAX_PER_REQUEST=PER_REQUEST,
    CSP_REPORTS_SAMPLES_PER_VIOLATION=SAMPLES,
    CSP_REPORTS_NEW_PER_CLIENT=4,
    # Windows no example runs across (a window boundary would reset the budgets mid-example).
    CSP_REPORTS_RATE_WINDOW=10**9,
    CSP_REPORTS_SAMPLE_WINDOW=10**9,
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(requests=REQUESTS)
def test_batches_keep_every_bound_and_count_exactly_what_was_accepted(requests):
    cache.clear()
    BUFFER.discard()
    for model in (CspReport, CspReportAggregate, BrowserReportAggregate, ReportUserAgent):
        model.objects.all().delete()
    client = Client(raise_request_exception=False)
    used: dict[str, int] = {}
    accepted = 0
    for indexes, address_index, agent_index in requests:
        address = ADDRESSES[address_index]
        body = json.dumps([POOL[i] for i in indexes]).encode()
        response = client.post(
            "/reports/csp-report/save/",
            body,
            content_type="application/reports+json",
            REMOTE_ADDR=address,
            HTTP_USER_AGENT=AGENTS[agent_index],
        )
        group = group_of(address)
        n = min(len(indexes), PER_REQUEST)
        if used.get(group, 0) >= RATE:
            assert response.status_code == 429
            continue
        assert response.status_code == 204, response.content
        accepted += min(n, RATE - used.get(group, 0))
        used[group] = used.get(group, 0) + n
    counted = sum(CspReportAggregate.objects.values_list("count", flat=True))
    counted += sum(BrowserReportAggregate.objects.values_list("count", flat=True))
    assert counted == accepted  # exact: every accepted report counted once, over-budget ones on overflow rows
    distinct_csp = len({(p["body"]["effectiveDirective"], p["body"]["blockedURL"]) for p in POOL[:8]})
    assert CspReport.objects.count() <= SAMPLES * distinct_csp
    assert ReportUserAgent.objects.count() <= len(AGENTS) - 1
    assert CspReportAggregate.objects.exclude(directive="other").count() <= 4 * len(
        {group_of(a) for a in ADDRESSES}
    )
