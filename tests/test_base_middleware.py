"""BaseMiddleware: documented settings semantics and native sync/async dispatch."""

from __future__ import annotations

import threading

import pytest
from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client, override_settings

from security.middleware import BaseMiddleware

from .base_middleware import PlainMiddleware, RecordingMiddleware

RECORDING = "tests.base_middleware.RecordingMiddleware"
PLAIN = "tests.base_middleware.PlainMiddleware"


def view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


async def async_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@pytest.fixture(autouse=True)
def _reset_calls():
    RecordingMiddleware.calls.clear()
    yield
    RecordingMiddleware.calls.clear()


@override_settings(RECORDING_REQUIRED="r1")
def test_load_setting_called_once_per_key_with_none_for_unset_optional():
    RecordingMiddleware(view)
    assert RecordingMiddleware.calls == [("RECORDING_REQUIRED", "r1"), ("RECORDING_OPTIONAL", None)]


@override_settings(RECORDING_REQUIRED="r1", RECORDING_OPTIONAL="o1")
def test_load_setting_receives_optional_value_when_set():
    middleware = RecordingMiddleware(view)
    assert middleware.recording_optional == "o1"


def test_missing_required_setting_raises_naming_it():
    with pytest.raises(ImproperlyConfigured, match="RECORDING_REQUIRED"):
        RecordingMiddleware(view)


@override_settings(RECORDING_REQUIRED="r1")
def test_load_setting_called_again_when_a_declared_setting_changes_and_is_restored():
    middleware = RecordingMiddleware(view)
    RecordingMiddleware.calls.clear()
    with override_settings(RECORDING_OPTIONAL="changed"):
        assert middleware.recording_optional == "changed"
    assert middleware.recording_optional is None
    assert RecordingMiddleware.calls == [("RECORDING_OPTIONAL", "changed"), ("RECORDING_OPTIONAL", None)]


@override_settings(RECORDING_REQUIRED="r1")
def test_unrelated_setting_changes_are_not_forwarded():
    RecordingMiddleware(view)
    RecordingMiddleware.calls.clear()
    with override_settings(SOME_OTHER_SETTING=1):
        pass
    assert RecordingMiddleware.calls == []


def test_load_setting_never_called_without_declared_settings():
    middleware = PlainMiddleware(view)
    with override_settings(RECORDING_OPTIONAL="x"):
        response = middleware(HttpRequest())
    assert response["X-Plain"] == "1"


def test_get_response_is_required():
    with pytest.raises(ValueError, match="get_response"):
        BaseMiddleware(None)  # type: ignore[arg-type]


def test_capabilities_and_coroutine_marking():
    assert BaseMiddleware.sync_capable
    assert BaseMiddleware.async_capable
    assert not iscoroutinefunction(PlainMiddleware(view))
    assert iscoroutinefunction(PlainMiddleware(async_view))


@override_settings(RECORDING_REQUIRED="r1", RECORDING_OPTIONAL="o1", MIDDLEWARE=[RECORDING, PLAIN])
def test_sync_request_through_test_client():
    response = Client().get("/plain/")
    assert response.status_code == 200
    assert response["X-Recording"] == "sync;o1"
    assert response["X-Plain"] == "1"


@override_settings(RECORDING_REQUIRED="r1", RECORDING_OPTIONAL="o1", MIDDLEWARE=[RECORDING, PLAIN])
async def test_async_request_through_async_client_runs_async_hooks():
    response = await AsyncClient().get("/async/")
    assert response.status_code == 200
    assert response["X-Recording"] == "async;o1"
    assert response["X-Recording-Thread"] == str(threading.get_ident())
    assert response["X-Plain"] == "1"


@override_settings(RECORDING_REQUIRED="r1", MIDDLEWARE=[RECORDING, PLAIN])
def test_short_circuit_response_still_gets_process_response():
    response = Client().get("/plain/", {"short": "1"})
    assert response.content == b"short-circuited"
    assert response["X-Recording"] == "sync;None"


@override_settings(RECORDING_REQUIRED="r1", MIDDLEWARE=[RECORDING, PLAIN])
async def test_async_short_circuit():
    response = await AsyncClient().get("/async/", {"short": "1"})
    assert response.content == b"short-circuited"
    assert response["X-Recording"] == "async;None"


@override_settings(RECORDING_REQUIRED="r1", MIDDLEWARE=[RECORDING])
def test_override_settings_takes_effect_on_the_next_request():
    client = Client()
    assert client.get("/plain/")["X-Recording"] == "sync;None"
    with override_settings(RECORDING_OPTIONAL="later"):
        assert client.get("/plain/")["X-Recording"] == "sync;later"
    assert client.get("/plain/")["X-Recording"] == "sync;None"
