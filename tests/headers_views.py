"""Views for the response-header, privacy and caching tests (mounted under ``/h/``)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator, Iterator

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import path, re_path
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin

from security.privacy_views import gpc_json


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<!doctype html><p>page</p>")


async def async_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<!doctype html><p>async page</p>")


def redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect("/h/page/")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("view failed on purpose")


def _chunks() -> Iterator[bytes]:
    yield b"one,"
    yield b"two"


async def _achunks() -> AsyncIterator[bytes]:
    yield b"one,"
    yield b"two"


def streaming(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(_chunks(), content_type="text/plain")


async def async_streaming(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse(_achunks(), content_type="text/plain")


def file(request: HttpRequest) -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    handle.write(b"file body")
    handle.seek(0)
    return FileResponse(handle, content_type="application/octet-stream")


@xframe_options_exempt
def exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("exempt")


@xframe_options_sameorigin
def own_frame_options(request: HttpRequest) -> HttpResponse:
    return HttpResponse("view chose sameorigin")


def own_headers(request: HttpRequest) -> HttpResponse:
    """A view that chose its own values for headers the middleware also sends."""
    response = HttpResponse("own")
    response["X-Content-Type-Options"] = "nosniff"
    response["Strict-Transport-Security"] = "max-age=60"
    response["X-XSS-Protection"] = "0"
    response["P3P"] = 'CP="VIEW"'
    response["Referrer-Policy"] = "no-referrer"
    response["Permissions-Policy"] = "camera=(self)"
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    response["Clear-Site-Data"] = '"cache"'
    response["DNT"] = "0"
    return response


def weak_cache(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("cacheable")
    response["Cache-Control"] = "public, max-age=3600"
    response["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
    return response


def with_csp(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("csp")
    response["Content-Security-Policy"] = "default-src 'self'"
    return response


def signals(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        json.dumps({"dnt": getattr(request, "dnt", "unset"), "gpc": getattr(request, "gpc", "unset")}),
        content_type="application/json",
    )


async def async_signals(request: HttpRequest) -> HttpResponse:
    return signals(request)


urlpatterns = [
    path("page/", page),
    path("async/", async_page),
    path("redirect/", redirect),
    path("boom/", boom),
    path("streaming/", streaming),
    path("async-streaming/", async_streaming),
    path("file/", file),
    path("exempt/", exempt),
    path("own-frame-options/", own_frame_options),
    path("own-headers/", own_headers),
    path("weak-cache/", weak_cache),
    path("with-csp/", with_csp),
    path("signals/", signals),
    path("async-signals/", async_signals),
    path("admin-area/", page),
    path("admin-area/inner/", page),
    path("public/", page),
    path("logout/", redirect),
    re_path(r"^anything/.*$", page),
    path(".well-known/gpc.json", gpc_json),
]
