"""Per-client rate limit (shared through Django's cache) and sampling.

The rate limit is a fixed window counter per client address: ``cache.add``
creates the window's key (a no-op when it exists) and ``cache.incr`` bumps it
atomically in Redis and Memcached, so the limit holds across processes and
servers.  A broken cache never breaks report collection: it lets reports in.
"""

from __future__ import annotations

import hashlib
import random
import time

from django.core.cache import caches

from ..log import logger
from .config import ReportSettings


def client_key(address: str, window: int, now: float | None = None) -> str:
    """Cache key of ``address``'s counter for the current window (safe for every cache backend)."""
    digest = hashlib.blake2s(address.encode("utf-8", "replace"), digest_size=10).hexdigest()
    index = int((time.time() if now is None else now) // window)
    return f"security:csp-reports:{digest}:{index}"


def over_rate_limit(address: str, settings: ReportSettings) -> bool:
    """Count one request of ``address``; whether it went over the limit of its window."""
    if settings.rate_limit is None:
        return False
    key = client_key(address, settings.rate_window)
    try:
        cache = caches[settings.cache_alias]
        cache.add(key, 0, timeout=settings.rate_window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=settings.rate_window + 1)
            count = 1
    except Exception:  # the cache is down: collecting reports must go on
        logger.warning("CSP report rate limit skipped: cache %r failed", settings.cache_alias, exc_info=True)
        return False
    return int(count) > settings.rate_limit


def sampled(settings: ReportSettings) -> bool:
    """Whether this request's reports are kept (``CSP_REPORTS_SAMPLE_RATE`` percent of them)."""
    rate = settings.sample_rate
    if rate >= 100:
        return True
    if rate <= 0:
        return False
    return random.random() * 100 < rate  # noqa: S311 (sampling, not secrecy)
