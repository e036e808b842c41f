"""Safe ``next`` targets: a redirect after login can never leave the site.

Browsers read ``//host``, ``/\\host``, ``\\\\host`` and URLs with tabs or
newlines in odd ways, and ``javascript:`` is not a place at all.  Rather than
enumerate tricks, a target is accepted only when Django's own
``url_has_allowed_host_and_scheme`` accepts it *and* it is a plain path on
this site (starts with exactly one ``/``, no backslash, no control characters).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

_UNSAFE_CHARACTERS = re.compile(r"[\\\x00-\x1f\x7f]")


def _is_plain_local_path(url: str) -> bool:
    if not url.startswith("/") or url.startswith("//"):
        return False
    return _UNSAFE_CHARACTERS.search(url) is None


def safe_next_url(candidate: str | None, request: HttpRequest | None = None) -> str | None:
    """``candidate`` when it is a same-site path, else ``None``.

    Only local paths are accepted (absolute URLs, even to this host, are
    refused), and the check is repeated on the percent-decoded form so that
    ``/%2F%2Fevil.example`` cannot turn into ``//evil.example`` further down.
    """
    if not candidate or not isinstance(candidate, str):
        return None
    require_https = bool(request is not None and request.is_secure())
    for form in (candidate, unquote(candidate)):
        if not _is_plain_local_path(form):
            return None
        if not url_has_allowed_host_and_scheme(form, allowed_hosts=None, require_https=require_https):
            return None
    return candidate
