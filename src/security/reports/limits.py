"""Per-client budgets (shared through Django's cache) and sampling.

Every budget is a fixed-window counter: ``cache.incr`` adds atomically in
Redis and Memcached (``cache.add`` creates the window's key), so a limit holds
across processes and servers.  Clients are counted by network
(:func:`security.client_ip.network_of`: an IPv4 address, an IPv6 /64) as the
trusted-proxy settings identify them, so rotating addresses inside one
subscriber's /64 shares one budget.  A broken cache never breaks report
collection: it lets reports in (the per-request and per-process bounds still
hold).

Budgets:

* ``CSP_REPORTS_RATE_LIMIT`` reports (not requests) per client per
  ``CSP_REPORTS_RATE_WINDOW``;
* ``CSP_REPORTS_NEW_PER_CLIENT`` violations not seen before per client per
  window, so one sender cannot fill ``CSP_REPORTS_MAX_AGGREGATES``;
* ``CSP_REPORTS_RAW_PER_WINDOW`` raw rows per ``CSP_REPORTS_SAMPLE_WINDOW``
  for the whole site.
"""

from __future__ import annotations

import functools
import hashlib
import random
import time
from collections.abc import Mapping
from typing import Any

from django.core.cache import caches

from .. import client_ip
from ..log import logger
from .config import ReportSettings

#: The budget IPv6 clients share: one subscriber's /64.
IPV6_PREFIX = 64


def client_group(meta: Mapping[str, Any]) -> tuple[str | None, str]:
    """The client's address (as stored) and the group its budgets count in."""
    config = client_ip.current()
    remote = meta.get("REMOTE_ADDR")
    if not (config.hops or config.networks) and isinstance(remote, str):
        return _group_of(remote)  # no proxies: REMOTE_ADDR decides alone
    return _group_of(client_ip.client_ip(meta, config) or str(remote or ""))


@functools.lru_cache(maxsize=4096)
def _group_of(address: str) -> tuple[str | None, str]:
    """``address`` as stored and its budget group (parsed once per distinct address)."""
    parsed = client_ip.parse_address(address)
    if parsed is None:
        return None, address[:100]
    return str(parsed), client_ip.network_of(parsed, IPV6_PREFIX)


def _key(kind: str, name: str, window: int, now: float | None = None) -> str:
    digest = hashlib.blake2s(name.encode("utf-8", "replace"), digest_size=10).hexdigest()
    index = int((time.time() if now is None else now) // window)
    return f"security:reports:{kind}:{digest}:{index}"


def client_key(address: str, window: int, now: float | None = None) -> str:
    """Cache key of ``address``'s report counter for the current window (safe for every backend)."""
    return _key("rate", address, window, now)


def _add(alias: str, key: str, n: int, timeout: int) -> int | None:
    """Add ``n`` to the counter ``key``; its new value, or ``None`` when the cache failed."""
    try:
        cache = caches[alias]
        try:
            return int(cache.incr(key, n))
        except ValueError:  # no key in this window yet (or evicted)
            if cache.add(key, n, timeout=timeout):
                return n
            return int(cache.incr(key, n))
    except Exception:  # the cache is down: collecting reports must go on
        logger.warning("CSP report budget skipped: cache %r failed", alias, exc_info=True)
        return None


def rate_exhausted(group: str, settings: ReportSettings) -> bool:
    """Whether ``group`` has used its whole report budget (checked before the body is read)."""
    if settings.rate_limit is None:
        return False
    try:
        used = caches[settings.cache_alias].get(client_key(group, settings.rate_window))
    except Exception:
        return False
    return isinstance(used, int) and used >= settings.rate_limit


def _allowance(limit: int | None, used: int | None, n: int) -> int:
    """How many of ``n`` fit under ``limit`` when the counter reads ``used`` after adding them."""
    if limit is None or used is None:
        return n
    return max(0, min(n, limit - (used - n)))


def take_reports(group: str, n: int, settings: ReportSettings) -> int:
    """Count ``n`` reports of ``group``; how many of them are within its rate limit."""
    if settings.rate_limit is None:
        return n
    key = client_key(group, settings.rate_window)
    return _allowance(settings.rate_limit, _add(settings.cache_alias, key, n, settings.rate_window + 1), n)


def take_new_violations(group: str, n: int, settings: ReportSettings) -> int:
    """Count ``n`` violations of ``group`` not yet known; how many may get rows of their own."""
    if settings.new_per_client is None or n == 0:
        return n
    key = _key("new", group, settings.rate_window)
    used = _add(settings.cache_alias, key, n, settings.rate_window + 1)
    return _allowance(settings.new_per_client, used, n)


def take_raw_rows(n: int, settings: ReportSettings) -> int:
    """Count ``n`` raw rows about to be written; how many fit the site-wide budget of the window."""
    if settings.raw_per_window is None or n == 0:
        return n
    key = _key("raw", "site", settings.sample_window)
    used = _add(settings.cache_alias, key, n, settings.sample_window + 1)
    return _allowance(settings.raw_per_window, used, n)


def sampled(settings: ReportSettings) -> bool:
    """Whether this request's reports are kept (``CSP_REPORTS_SAMPLE_RATE`` percent of them)."""
    rate = settings.sample_rate
    if rate >= 100:
        return True
    if rate <= 0:
        return False
    return random.random() * 100 < rate  # noqa: S311 (sampling, not secrecy)
