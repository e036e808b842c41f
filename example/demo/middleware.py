"""Demo-only middleware that writes the response's own headers into the page."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

MARKER = b"<!--response-headers-->"


class ShowHeadersMiddleware:
    """Replace ``MARKER`` in HTML pages by a table of the headers the response carries.

    It sits first in ``MIDDLEWARE``, so every other middleware has already
    added its headers when this one runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "streaming", False) or MARKER not in response.content:
            return response
        # Content-Length changes once the table is written in, so it is left out.
        rows = "".join(
            f"<tr><th>{escape(name)}</th><td><code>{escape(value)}</code></td></tr>"
            for name, value in sorted(response.items())
            if name.lower() != "content-length"
        )
        response.content = response.content.replace(MARKER, f"<table>{rows}</table>".encode())
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
