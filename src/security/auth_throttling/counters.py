"""Atomic counters in Django's cache: ``add`` then ``incr``, so every process sees one count.

With Redis or Memcached both operations are atomic on the server, so two
app servers reserving at the same moment get different numbers.  Django's
local-memory cache is atomic only inside one process and the database and
file caches not at all (their ``incr`` is get-then-set); the
``security.W096`` check warns about those.
"""

from __future__ import annotations

import contextlib

from django.core.cache.backends.base import BaseCache

_RETRIES = 3


def reserve(cache: BaseCache, key: str, window: int) -> int:
    """Increment the counter ``key`` (created with a ``window``-second lifetime); return the new value.

    Returns 0 when the cache cannot count (e.g. the dummy cache): the caller
    then lets the attempt through rather than locking everybody out.
    """
    for _ in range(_RETRIES):
        cache.add(key, 0, window)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr: start again
            continue
    return 0


async def areserve(cache: BaseCache, key: str, window: int) -> int:
    """Async form of :func:`reserve`."""
    for _ in range(_RETRIES):
        await cache.aadd(key, 0, window)
        try:
            return int(await cache.aincr(key))
        except ValueError:
            continue
    return 0


def release(cache: BaseCache, key: str) -> None:
    """Give back one reservation (the attempt did not count)."""
    with contextlib.suppress(ValueError):  # already expired or reset
        cache.decr(key)


async def arelease(cache: BaseCache, key: str) -> None:
    """Async form of :func:`release`."""
    with contextlib.suppress(ValueError):
        await cache.adecr(key)
