"""Views for the regression tests of the header/CSP fixes (tests/test_header_csp_fixes.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from security.decorators import csp_update


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>page</p>")


async def async_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>page</p>")


@csp_update(script_src=["nonce"])
def streamed_with_view_nonce(request: HttpRequest) -> StreamingHttpResponse:
    def body() -> Iterator[str]:
        yield f'<script nonce="{request.csp_nonce}">'  # type: ignore[attr-defined]
        yield "</script>"

    return StreamingHttpResponse(body())


urlpatterns = [
    path("page/", page),
    path("admin/login/", page),
    path("async/", async_page),
    path("streamed-nonce/", streamed_with_view_nonce),
]
