"""Do Not Track, Global Privacy Control and the /.well-known/gpc.json view."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client, override_settings

# Closing a response sends request_finished, whose close_old_connections may touch the test database.
pytestmark = pytest.mark.django_db

DNT = ["security.middleware.DoNotTrackMiddleware"]


def fetch(path, mode, headers=None, method="get"):
    if mode == "sync":
        return getattr(Client(), method)(path, headers=headers or {})
    return async_to_sync(getattr(AsyncClient(), method))(path, headers=headers or {})


@pytest.fixture(params=["sync", "async"])
def mode(request):
    return request.param


@pytest.mark.parametrize("path", ["/h/signals/", "/h/async-signals/"])
@pytest.mark.parametrize(
    ("headers", "dnt", "gpc", "echo"),
    [
        ({}, None, False, None),
        ({"DNT": "1"}, True, False, "1"),
        ({"DNT": "0"}, False, False, "0"),
        # The client's own value is echoed, as the original did.
        ({"DNT": "yes"}, None, False, "yes"),
        ({"DNT": "1, 0"}, None, False, "1, 0"),
        ({"Sec-GPC": "1"}, None, True, None),
        ({"Sec-GPC": "0"}, None, False, None),
        ({"Sec-GPC": "1", "DNT": "1"}, True, True, "1"),
    ],
)
def test_request_attributes_and_echo(mode, path, headers, dnt, gpc, echo):
    with override_settings(MIDDLEWARE=DNT):
        response = fetch(path, mode, headers)
    assert json.loads(response.content) == {"dnt": dnt, "gpc": gpc}
    assert response.get("DNT") == echo


def test_echo_on_error_and_redirect_responses(mode):
    with override_settings(MIDDLEWARE=DNT):
        assert fetch("/h/missing/", mode, {"DNT": "1"})["DNT"] == "1"
        assert fetch("/h/redirect/", mode, {"DNT": "0"})["DNT"] == "0"


def test_without_the_middleware_views_see_no_attributes(mode):
    with override_settings(MIDDLEWARE=[]):
        assert json.loads(fetch("/h/signals/", mode, {"DNT": "1"}).content) == {
            "dnt": "unset",
            "gpc": "unset",
        }


def test_gpc_json_defaults(mode):
    response = fetch("/h/.well-known/gpc.json", mode)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"gpc": True}


def test_gpc_json_settings(mode):
    with override_settings(GPC_SUPPORTED=False, GPC_LAST_UPDATE="2025-06-30"):
        body = json.loads(fetch("/h/.well-known/gpc.json", mode).content)
    assert body == {"gpc": False, "lastUpdate": "2025-06-30"}


def test_gpc_json_only_answers_get_and_head(mode):
    assert fetch("/h/.well-known/gpc.json", mode, method="head").status_code == 200
    assert fetch("/h/.well-known/gpc.json", mode, method="post").status_code == 405


def test_gpc_json_bad_settings_do_not_fail(mode, caplog):
    with override_settings(GPC_LAST_UPDATE="yesterday"):
        response = fetch("/h/.well-known/gpc.json", mode)
    assert response.status_code == 200
    assert json.loads(response.content) == {"gpc": True}
    assert "GPC_LAST_UPDATE" in caplog.text


@pytest.mark.parametrize("value", ["1\r\nSet-Cookie: a=b", "1\n2", "x" * 17, "caf\u00e9", "\x1b[31m"])
def test_echo_never_carries_unsafe_or_long_client_text(value):
    """Only process_response runs (as in the original's tests); no header injection, no 500."""
    from django.http import HttpRequest, HttpResponse

    from security.middleware import DoNotTrackMiddleware

    request = HttpRequest()
    request.META["HTTP_DNT"] = value
    response = DoNotTrackMiddleware(lambda r: HttpResponse()).process_response(request, HttpResponse())
    assert "DNT" not in response
    assert all("Set-Cookie" not in name for name in response.headers)


def test_echo_reads_the_request_when_only_process_response_runs():
    from django.http import HttpRequest, HttpResponse

    from security.middleware import DoNotTrackMiddleware

    request = HttpRequest()
    request.META["HTTP_DNT"] = "off"
    response = DoNotTrackMiddleware(lambda r: HttpResponse()).process_response(request, HttpResponse())
    assert response["DNT"] == "off"
