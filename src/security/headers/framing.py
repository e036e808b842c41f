"""X-Frame-Options values, and the CSP ``frame-ancestors`` that makes ``allow-from`` work today.

Browsers dropped ``X-Frame-Options: ALLOW-FROM`` (they ignore the header), so
an ``allow-from <url>`` setting is also expressed as the CSP Level 2
directive ``frame-ancestors <url>``, which every current browser enforces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import SettingError

_ALLOW_FROM = re.compile(r"allow-from *:? *(?P<url>[^ ]+)\Z", re.IGNORECASE)
_PRINTABLE_ASCII = re.compile(r"[ -~]*\Z")


@dataclass(frozen=True)
class FrameOptions:
    """The compiled ``X_FRAME_OPTIONS``: header value and, for allow-from, the CSP sources."""

    header: str
    frame_ancestors: tuple[str, ...] = ()


def frame_ancestor_source(url: str) -> str:
    """``url`` checked as a CSP host-source usable in ``frame-ancestors``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in ";,'\""):
        raise SettingError(
            f"X_FRAME_OPTIONS allow-from needs an http(s) origin such as https://example.com, not {url!r}"
        )
    return url


def frame_options(value: Any) -> FrameOptions:
    """Parse ``X_FRAME_OPTIONS`` (``deny``, ``sameorigin`` or ``allow-from <url>``, any case).

    The header carries the value as the project wrote it (the keywords are
    case-insensitive for browsers), so projects that compare the header with
    their setting keep working.
    """
    if not isinstance(value, str):
        raise SettingError(f"X_FRAME_OPTIONS must be a string, not {type(value).__name__}")
    if not _PRINTABLE_ASCII.match(value):
        # CR/LF would split the header; non-latin-1 text cannot be sent at all.
        raise SettingError(f"X_FRAME_OPTIONS may only contain printable ASCII characters, not {value!r}")
    text = value.strip()
    if text.lower() in ("deny", "sameorigin"):
        return FrameOptions(text)
    allow_from = _ALLOW_FROM.match(text)
    if allow_from is None:
        raise SettingError(
            f"X_FRAME_OPTIONS must be 'deny', 'sameorigin' or 'allow-from <url>', not {value!r}"
        )
    url = frame_ancestor_source(allow_from.group("url"))
    return FrameOptions(text, (url,))
