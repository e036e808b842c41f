"""The throttle: reserve an attempt per client IP and per username before the password is checked.

Reserving first (an atomic ``incr``) rather than counting failures after the
fact is what makes the limit exact under concurrency: of N+k simultaneous
attempts on one username, exactly N get their password checked.  Only
failures keep their reservation: ``user_login_failed`` settles an attempt as
a failure; valid credentials give it back (see :mod:`.pending`), and a
successful login also resets the username's counter.

Lock-out mode: once a counter passes its limit, every attempt is refused
until the window (``WINDOW_SECONDS``, counted from the first failure) ends.
Delay mode: past the limit, each further attempt must wait
``DELAY_SECONDS * 2**k`` (capped at ``MAX_DELAY_SECONDS``) after the previous one;
a gate key taken with ``cache.add`` lets exactly one caller through per delay.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass, field

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from ..log import logger
from . import counters
from .config import ThrottleConfig, current

#: Request attribute holding the :class:`Decision` of the latest attempt.
REQUEST_ATTRIBUTE = "security_throttle"

_PREFIX = "security:throttle"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def normalise_username(username: object) -> str | None:
    """The form usernames are counted under: stripped and case-folded (stricter, never looser)."""
    if not isinstance(username, str) or not username.strip():
        return None
    return username.strip().casefold()


def counter_key(kind: str, value: str) -> str:
    """Cache key of the failure counter of one username (``kind="user"``) or IP (``"ip"``)."""
    return f"{_PREFIX}:{kind}:{_digest(value)}"


def client_ip(request: HttpRequest | None, config: ThrottleConfig | None = None) -> str | None:
    """The client's IP: ``REMOTE_ADDR``, or the right-most entry of ``CLIENT_IP_HEADER`` when set.

    Only configure ``CLIENT_IP_HEADER`` behind a proxy that sets it: the
    right-most entry is the one the nearest (trusted) proxy added.
    """
    if request is None:
        return None
    config = config or current()
    candidates = []
    if config.client_ip_header:
        raw = request.META.get(config.client_ip_header, "")
        candidates.append(raw.split(",")[-1].strip() if isinstance(raw, str) else "")
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def ip_group(ip: str) -> str:
    """What one IP counter covers: the /64 network of an IPv6 address, else the address itself.

    An IPv6 subscriber usually holds a whole /64 and can use a fresh address
    for every attempt; counting per address would not slow them down.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass
class Decision:
    """The outcome of one attempt; kept on the request for the login form's message."""

    allowed: bool = True
    reason: str | None = None  # "username" or "ip" when refused
    retry_after: int = 0
    reserved: list[str] = field(default_factory=list)
    settled: bool = False  # the outcome is known (a failure, or the reservations were given back)

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return f"Too many failed login attempts. Please try again in {minutes} {unit}."


@dataclass(frozen=True)
class _Counter:
    kind: str
    key: str
    limit: int


class Throttle:
    """Failed-login throttle over one Django cache (``AUTH_THROTTLING["CACHE"]``)."""

    def __init__(self, config: ThrottleConfig | None = None) -> None:
        self.config = config or current()

    @property
    def cache(self) -> BaseCache:
        return caches[self.config.cache_alias]

    def _counters(self, request: HttpRequest | None, username: object) -> list[_Counter]:
        found = []
        ip = client_ip(request, self.config)
        if ip and self.config.ip_failures:
            found.append(_Counter("ip", counter_key("ip", ip_group(ip)), self.config.ip_failures))
        name = normalise_username(username)
        if name and self.config.username_failures:
            found.append(_Counter("username", counter_key("user", name), self.config.username_failures))
        return found

    # -- the per-attempt decision ---------------------------------------------------------

    def _delay(self, counter: _Counter, count: int) -> float:
        """Delay mode: seconds attempt number ``count`` must wait after the previous one."""
        failures_past_limit = count - 1 - counter.limit
        return float(min(self.config.delay * 2**failures_past_limit, self.config.max_delay))

    def _judge(self, counter: _Counter, count: int, now: float, meta: dict[str, float | None]) -> int:
        """Seconds the attempt must wait (0: allowed); ``meta`` holds the counter's stamps."""
        if count <= counter.limit:
            return 0
        since, last = meta.get("since"), meta.get("last")
        if self.config.mode == "lockout":
            started = since if since is not None else now
            return max(1, math.ceil(started + self.config.window - now))
        remaining = (last or 0) + self._delay(counter, count) - now
        return math.ceil(remaining) if remaining > 0 else 0

    def _gate(self, counter: _Counter, count: int) -> tuple[str, int] | None:
        """Delay mode past the limit: the gate key and its lifetime (one caller per delay takes it)."""
        if self.config.mode != "delay" or count <= counter.limit:
            return None
        return counter.key + ":gate", max(1, math.ceil(self._delay(counter, count)))

    def _refused(self, decision: Decision, counter: _Counter, count: int, wait: int) -> Decision:
        decision.allowed, decision.reason, decision.retry_after = False, counter.kind, wait
        if self.config.mode == "lockout" and count == counter.limit + 1:
            logger.warning(
                "Login throttled: %s locked out for %ss after %d failed attempts",
                counter.kind,
                wait,
                counter.limit,
            )
        elif self.config.mode == "delay":
            logger.warning("Login throttled: %s must wait %ss before the next attempt", counter.kind, wait)
        return decision

    def attempt(self, request: HttpRequest | None, username: object) -> Decision:
        """Reserve this login attempt; the decision says whether the password may be checked."""
        decision = Decision()
        if not self.config.enabled:
            return decision
        cache, now = self.cache, time.time()
        for counter in self._counters(request, username):
            count = counters.reserve(cache, counter.key, self.config.window)
            if count == 1:
                cache.set(counter.key + ":since", now, self.config.window)
            meta = cache.get_many([counter.key + ":since", counter.key + ":last"])
            wait = self._judge(counter, count, now, {k.rsplit(":", 1)[1]: v for k, v in meta.items()})
            gate = self._gate(counter, count) if not wait else None
            if gate and not cache.add(gate[0], now, gate[1]):
                wait = gate[1]  # a parallel caller took this delay window's only slot
            if wait:
                if self.config.mode == "delay":
                    counters.release(cache, counter.key)  # an early retry is not a failure
                return self._refused(decision, counter, count, wait)
            decision.reserved.append(counter.key)
            cache.set(counter.key + ":last", now, self.config.window)
        return decision

    async def aattempt(self, request: HttpRequest | None, username: object) -> Decision:
        """Async form of :meth:`attempt`."""
        decision = Decision()
        if not self.config.enabled:
            return decision
        cache, now = self.cache, time.time()
        for counter in self._counters(request, username):
            count = await counters.areserve(cache, counter.key, self.config.window)
            if count == 1:
                await cache.aset(counter.key + ":since", now, self.config.window)
            meta = await cache.aget_many([counter.key + ":since", counter.key + ":last"])
            wait = self._judge(counter, count, now, {k.rsplit(":", 1)[1]: v for k, v in meta.items()})
            gate = self._gate(counter, count) if not wait else None
            if gate and not await cache.aadd(gate[0], now, gate[1]):
                wait = gate[1]
            if wait:
                if self.config.mode == "delay":
                    await counters.arelease(cache, counter.key)
                return self._refused(decision, counter, count, wait)
            decision.reserved.append(counter.key)
            await cache.aset(counter.key + ":last", now, self.config.window)
        return decision

    # -- after the attempt ---------------------------------------------------------------

    def succeeded(self, decision: Decision | None, username: object) -> None:
        """A login succeeded: reset the username's counter and give back the IP reservation."""
        if not self.config.enabled:
            return
        name = normalise_username(username)
        if name:
            self.reset(username=name)
        for key in decision.reserved if decision else ():
            if key.startswith(f"{_PREFIX}:ip:"):
                counters.release(self.cache, key)

    def give_back(self, decision: Decision) -> None:
        """The attempt was not a failure (the credentials were valid): release its reservations."""
        for key in decision.reserved:
            counters.release(self.cache, key)
        decision.reserved.clear()

    async def agive_back(self, decision: Decision) -> None:
        """Async form of :meth:`give_back`."""
        for key in decision.reserved:
            await counters.arelease(self.cache, key)
        decision.reserved.clear()

    def reset(self, username: str | None = None, ip: str | None = None) -> None:
        """Forget the failures of a username and/or an IP (admin action and reset view)."""
        keys = []
        name = normalise_username(username)
        if name:
            keys.append(counter_key("user", name))
        if ip:
            keys.append(counter_key("ip", ip_group(ip)))
        self.cache.delete_many(
            [suffixed for key in keys for suffixed in (key, key + ":since", key + ":last", key + ":gate")]
        )

    def failures(self, username: str | None = None, ip: str | None = None) -> int:
        """Current counter value of a username or an IP (for the admin and tests)."""
        name = normalise_username(username)
        key = counter_key("user", name) if name else counter_key("ip", ip_group(ip)) if ip else None
        return int(self.cache.get(key) or 0) if key else 0


def reset_throttle(username: str | None = None, ip: str | None = None) -> None:
    """Forget the failed logins of ``username`` and/or ``ip`` (module-level shortcut)."""
    Throttle().reset(username=username, ip=ip)
