"""Adding precompiled headers to a response at the cost of a dict lookup.

Header values of this package are validated once, when settings are compiled
(:func:`header` refuses CR/LF and non-latin-1 text), so re-validating them on
every response as ``response[name] = value`` does is wasted work.  When Django's
``ResponseHeaders`` keeps its usual ``{lowercase name: (name, value)}`` store
(every supported Django version), headers are written into it directly;
otherwise the public API is used.
"""

from __future__ import annotations

from typing import NamedTuple

from django.http import HttpResponseBase
from django.http.response import ResponseHeaders

from ..headers import SettingError, header_value_problem


class Header(NamedTuple):
    """A ready header: lowercase name (the store key), name, value."""

    key: str
    name: str
    value: str


def header(name: str, value: str) -> Header:
    """A header ready for direct store writes; ``SettingError`` for a value Django would refuse.

    Raised when settings are compiled, never per request: the direct writes skip
    the CR/LF and latin-1 checks ``response[name] = value`` makes.
    """
    problem = header_value_problem(value)
    if problem:
        raise SettingError(f"{name}: {value!r} {problem}")
    return Header(name.lower(), name, value)


def _store_layout_is_known() -> bool:
    probe = ResponseHeaders({"X-Probe": "1"})
    return getattr(probe, "_store", None) == {"x-probe": ("X-Probe", "1")}


_DIRECT = _store_layout_is_known()


def has(response: HttpResponseBase, key: str) -> bool:
    """Whether ``response`` has the header whose lowercase name is ``key``."""
    if _DIRECT:
        return key in response.headers._store
    return key in response.headers


def set_default(response: HttpResponseBase, item: Header) -> None:
    """Add ``item`` unless the response already has that header (the view's choice wins)."""
    if _DIRECT:
        store = response.headers._store
        if item.key not in store:
            store[item.key] = (item.name, item.value)
    else:
        response.headers.setdefault(item.name, item.value)


def replace(response: HttpResponseBase, item: Header) -> None:
    """Set ``item``, replacing any value the response had."""
    if _DIRECT:
        response.headers._store[item.key] = (item.name, item.value)
    else:
        response.headers[item.name] = item.value
