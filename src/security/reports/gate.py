"""Cheap checks that answer a bad report request before any real work.

Order matters for flood resistance: the method and content type are known
from headers; the declared length is refused before a byte of the body is
read; the body itself is read with a hard cap (``cap + 1`` bytes at most), so a
client that lies about its length cannot make us buffer more.

Only ``request.META`` and the body are used (``read()`` when the object has
it, else ``body``): the documented view is called with request-like objects
that have nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http.request import UnreadablePostError

from ..csp.reports import CONTENT_TYPES


class Rejected(Exception):
    """The request is answered with ``status`` and nothing else happens."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def method(request: Any) -> str:
    """The request method, from the request or (request-like objects) ``META``."""
    value = getattr(request, "method", None) or request.META.get("REQUEST_METHOD") or ""
    return str(value).upper()


def content_type(meta: Mapping[str, Any]) -> str:
    """The request's media type, lower-cased, if it is one we parse (415 otherwise)."""
    raw = meta.get("CONTENT_TYPE")
    media_type = (raw if isinstance(raw, str) else "").split(";", 1)[0].strip().lower()
    if media_type not in CONTENT_TYPES:
        raise Rejected(415, f"unsupported content type {media_type[:100]!r}")
    return media_type


def declared_length(meta: Mapping[str, Any], cap: int) -> None:
    """Refuse a body whose declared Content-Length is over ``cap`` (413) or is not a number (400)."""
    raw = meta.get("CONTENT_LENGTH") or ""
    if not raw:
        return
    try:
        length = int(raw)
    except (TypeError, ValueError):
        raise Rejected(400, "Content-Length is not a number") from None
    if length < 0:
        raise Rejected(400, "Content-Length is negative")
    if length > cap:
        raise Rejected(413, f"body of {length} bytes is over the {cap}-byte limit")


def _raw_body(request: Any, cap: int) -> bytes:
    read = getattr(request, "read", None)
    data = read(cap + 1) if callable(read) else getattr(request, "body", b"")
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return bytes(data or b"")


def read_body(request: Any, cap: int) -> bytes:
    """At most ``cap`` bytes of body; 413 if there are more, 400 if the client went away."""
    try:
        body = _raw_body(request, cap)
    except (UnreadablePostError, OSError):
        raise Rejected(400, "the body could not be read") from None
    if len(body) > cap:
        raise Rejected(413, f"body is over the {cap}-byte limit")
    if not body:
        raise Rejected(400, "empty body")
    return body
