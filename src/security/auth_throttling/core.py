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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from .. import client_ip as proxies
from ..log import logger
from . import accounts, counters
from .accounts import normalise_username as normalise_username
from .config import ThrottleConfig, current

#: Request attribute holding the :class:`Decision` of the latest attempt.
REQUEST_ATTRIBUTE = "security_throttle"

#: ``DELAY_FUNCTION(username_failures, ip_failures) -> (username_delay, ip_delay)`` in seconds.
DelayFunction = Callable[[int, int], tuple[float, float]]

#: Counter lifetime under a delay function (the original kept its counters 48 hours).
DELAY_FUNCTION_WINDOW = 48 * 60 * 60

_PREFIX = "security:throttle"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def counter_key(kind: str, value: str) -> str:
    """Cache key of the failure counter of one username (``kind="user"``) or IP (``"ip"``)."""
    return f"{_PREFIX}:{kind}:{_digest(value)}"


def generation_key(name: str | None) -> str:
    """Cache key of an account's reset generation (bumped to reset all its per-address budgets)."""
    return f"{_PREFIX}:gen:{_digest(name or '')}"


def pair_key(name: str, network: str, generation: int = 0) -> str:
    """Cache key of the budget of one account from one client network."""
    return counter_key("pair", f"{generation}|{name}|{network}")


def _as_generation(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def client_ip(request: HttpRequest | None, config: ThrottleConfig | None = None) -> str | None:
    """The client's IP, by the shared proxy rule (``security.client_ip``: ``SECURITY_TRUSTED_PROXIES`` ...).

    The deprecated ``AUTH_THROTTLING["CLIENT_IP_HEADER"]`` still works: it
    means one trusted proxy that appends to that header (its right-most entry).
    """
    if request is None:
        return None
    config = config or current()
    proxy = proxies.ProxyConfig(hops=1, header=config.client_ip_header) if config.client_ip_header else None
    return proxies.client_ip(request.META, proxy)


def ip_group(ip: str, ipv6_prefix: int = 64) -> str:
    """What one IP counter covers: an IPv6 address's ``/ipv6_prefix`` network, else the address itself.

    An IPv6 subscriber usually holds a whole /64 (often a /56 or /48) and can
    use a fresh address for every attempt; counting per address would not
    slow them down.
    """
    return proxies.network_of(ip, ipv6_prefix)


def _is_ipv6(ip: str) -> bool:
    return isinstance(proxies.parse_address(ip), ipaddress.IPv6Address)


@dataclass
class Decision:
    """The outcome of one attempt; kept on the request for the login form's message."""

    allowed: bool = True
    reason: str | None = None  # "username" or "ip" when refused
    retry_after: int = 0
    reserved: list[str] = field(default_factory=list)
    settled: bool = False  # the outcome is known (a failure, or the reservations were given back)
    by_middleware: bool = False  # reserved by security.auth_throttling.Middleware (the backend skips it)
    account: str | None = None  # the account budget's name (see Throttle.account_of), found once per attempt
    account_found: bool = False  # ``account`` is an existing account's (not the text of an unknown name)

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
    """Failed-login throttle over one Django cache (``AUTH_THROTTLING["CACHE"]``).

    Two policies share the counters, keys and settlement: the limits of
    ``AUTH_THROTTLING`` (lock-out or delay mode), or a ``delay_function`` as
    the original package's ``AUTHENTICATION_THROTTLING["DELAY_FUNCTION"]``:
    given the failures so far it returns how long after the previous attempt
    the next one must wait, per username and per IP.
    """

    def __init__(
        self, config: ThrottleConfig | None = None, delay_function: DelayFunction | None = None
    ) -> None:
        self.config = config or current()
        self.delay_function = delay_function

    @property
    def cache(self) -> BaseCache:
        return caches[self.config.cache_alias]

    # -- whose budget ------------------------------------------------------------------

    def account_of(self, username: object) -> str | None:
        """The name the account budgets of ``username`` are counted under (``None``: no account budget).

        With ``ACCOUNT_LOOKUP`` (the default) the normalised username of the
        account the identifier names, whether it is the username or the
        e-mail address (see :mod:`.accounts`; one indexed query, two for an
        address); an identifier that names nobody, and every identifier
        without the lookup, counts as its normalised text.
        """
        return self._resolve(username)[0]

    async def aaccount_of(self, username: object) -> str | None:
        """Async form of :meth:`account_of`."""
        return (await self._aresolve(username))[0]

    def _resolve(self, username: object) -> tuple[str | None, bool]:
        if self.config.account_lookup:
            return accounts.resolve(username)
        return normalise_username(username), False

    async def _aresolve(self, username: object) -> tuple[str | None, bool]:
        if self.config.account_lookup:
            return await accounts.aresolve(username)
        return normalise_username(username), False

    def account_of_user(self, user: Any) -> str | None:
        """The budget name of a user object (a logged-in user): their normalised username, no query."""
        return accounts.key_of_user(user)

    @property
    def _uses_account(self) -> bool:
        config = self.config
        return self.delay_function is not None or bool(config.username_failures or config.account_failures)

    def _counters(self, request: HttpRequest | None, name: str | None, generation: int = 0) -> list[_Counter]:
        """The budgets one attempt draws on, in the order they are reserved.

        Per client network, per IPv6 /48, per (account, client network) and
        per account from all sources together.  The pair budget is what a
        guesser from one address exhausts; the owner, from another address,
        still has theirs, under the much higher per-account ceiling.  Under a
        delay function (the original's middleware) only the IP and the
        account are counted, as the original did.  ``name`` is the account
        budget's name (:meth:`account_of`).
        """
        ip = client_ip(request, self.config)
        return self._ip_counters(ip) + self._account_counters(ip, name, generation)

    def _add(self, found: list[_Counter], kind: str, key: str, limit: int | None) -> None:
        if limit or self.delay_function is not None:
            found.append(_Counter(kind, key, limit or 0))

    def _ip_counters(self, ip: str | None) -> list[_Counter]:
        """The client's budgets: its network, and its IPv6 /48 (not under a delay function)."""
        found: list[_Counter] = []
        if ip:
            self._add(found, "ip", counter_key("ip", ip_group(ip)), self.config.ip_failures)
            if self.delay_function is None and _is_ipv6(ip):
                self._add(found, "ip48", counter_key("ip48", ip_group(ip, 48)), self.config.ipv6_48_failures)
        return found

    def _account_counters(self, ip: str | None, name: str | None, generation: int) -> list[_Counter]:
        """The account's budgets: per (account, client network) and the account's ceiling."""
        found: list[_Counter] = []
        if not name:
            return found
        if self.delay_function is not None:
            self._add(found, "username", counter_key("user", name), None)
            return found
        network = ip_group(ip) if ip else "unknown"
        self._add(found, "pair", pair_key(name, network, generation), self.config.username_failures)
        self._add(found, "username", counter_key("user", name), self.config.account_failures)
        return found

    def _generation(self, name: str | None) -> int:
        return _as_generation(self.cache.get(generation_key(name))) if name and self._uses_pairs else 0

    async def _ageneration(self, name: str | None) -> int:
        return _as_generation(await self.cache.aget(generation_key(name))) if name and self._uses_pairs else 0

    @property
    def _uses_pairs(self) -> bool:
        return self.delay_function is None and bool(self.config.username_failures)

    @property
    def window(self) -> int:
        return DELAY_FUNCTION_WINDOW if self.delay_function is not None else self.config.window

    # -- the delay-function policy ------------------------------------------------------

    def _function_delays(self, counts: dict[str, int]) -> dict[str, float]:
        """Delays the delay function asks for, given the failures before this attempt."""
        assert self.delay_function is not None
        user_delay, ip_delay = self.delay_function(
            max(0, counts.get("username", 1) - 1), max(0, counts.get("ip", 1) - 1)
        )
        return {"username": float(user_delay or 0), "ip": float(ip_delay or 0)}

    @staticmethod
    def _function_wait(delay: float, last: float | None, now: float) -> int:
        if delay <= 0 or last is None:
            return 0
        remaining = last + delay - now
        return math.ceil(remaining) if remaining > 0 else 0

    def _attempt_by_function(self, request: HttpRequest | None, decision: Decision) -> Decision:
        cache, now = self.cache, time.time()
        found = self._counters(request, decision.account)
        counts = {c.kind: counters.reserve(cache, c.key, self.window) for c in found}
        delays = self._function_delays(counts)
        lasts = cache.get_many([c.key + ":last" for c in found])
        for counter in found:
            delay = delays[counter.kind]
            wait = self._function_wait(delay, lasts.get(counter.key + ":last"), now)
            if not wait and delay > 0 and not cache.add(counter.key + ":gate", now, math.ceil(delay)):
                wait = math.ceil(delay)  # a parallel caller took this delay's only slot
            if wait:
                for other in found:
                    counters.release(cache, other.key)  # a refused attempt checks no password
                return self._refused(decision, counter, counts[counter.kind], wait)
        cache.set_many({c.key + ":last": now for c in found}, self.window)
        decision.reserved = [c.key for c in found]
        return decision

    async def _aattempt_by_function(self, request: HttpRequest | None, decision: Decision) -> Decision:
        cache, now = self.cache, time.time()
        found = self._counters(request, decision.account)
        counts = {c.kind: await counters.areserve(cache, c.key, self.window) for c in found}
        delays = self._function_delays(counts)
        lasts = await cache.aget_many([c.key + ":last" for c in found])
        for counter in found:
            delay = delays[counter.kind]
            wait = self._function_wait(delay, lasts.get(counter.key + ":last"), now)
            if not wait and delay > 0 and not await cache.aadd(counter.key + ":gate", now, math.ceil(delay)):
                wait = math.ceil(delay)
            if wait:
                for other in found:
                    await counters.arelease(cache, other.key)
                return self._refused(decision, counter, counts[counter.kind], wait)
        await cache.aset_many({c.key + ":last": now for c in found}, self.window)
        decision.reserved = [c.key for c in found]
        return decision

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
        if self.delay_function is not None:
            logger.warning("Login throttled: %s must wait %ss before the next attempt", counter.kind, wait)
        elif self.config.mode == "lockout" and count == counter.limit + 1:
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
        """Reserve this login attempt; the decision says whether the password may be checked.

        The client's budgets come first: only an attempt they allow pays for
        the account lookup (a query, an unindexed one for e-mail addresses),
        so a refused client costs the database nothing.
        """
        if not self.config.enabled:
            return Decision()
        if self.delay_function is not None:
            decision = Decision()
            if self._uses_account:
                decision.account, decision.account_found = self._resolve(username)
            return self._attempt_by_function(request, decision)
        decision, now = Decision(), time.time()
        ip = client_ip(request, self.config)
        for counter in self._ip_counters(ip):
            if not self._take(counter, decision, now):
                return decision
        if self._uses_account:
            decision.account, decision.account_found = self._resolve(username)
        generation = self._generation(decision.account)
        for counter in self._account_counters(ip, decision.account, generation):
            if not self._take(counter, decision, now):
                return decision
        return decision

    def _take(self, counter: _Counter, decision: Decision, now: float) -> bool:
        """Reserve one attempt on ``counter``; ``False`` (and ``decision`` refused) past its limit."""
        cache = self.cache
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
            self._refused(decision, counter, count, wait)
            return False
        decision.reserved.append(counter.key)
        cache.set(counter.key + ":last", now, self.config.window)
        return True

    async def aattempt(self, request: HttpRequest | None, username: object) -> Decision:
        """Async form of :meth:`attempt`."""
        if not self.config.enabled:
            return Decision()
        if self.delay_function is not None:
            decision = Decision()
            if self._uses_account:
                decision.account, decision.account_found = await self._aresolve(username)
            return await self._aattempt_by_function(request, decision)
        decision, now = Decision(), time.time()
        ip = client_ip(request, self.config)
        for counter in self._ip_counters(ip):
            if not await self._atake(counter, decision, now):
                return decision
        if self._uses_account:
            decision.account, decision.account_found = await self._aresolve(username)
        generation = await self._ageneration(decision.account)
        for counter in self._account_counters(ip, decision.account, generation):
            if not await self._atake(counter, decision, now):
                return decision
        return decision

    async def _atake(self, counter: _Counter, decision: Decision, now: float) -> bool:
        """Async form of :meth:`_take`."""
        cache = self.cache
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
            self._refused(decision, counter, count, wait)
            return False
        decision.reserved.append(counter.key)
        await cache.aset(counter.key + ":last", now, self.config.window)
        return True

    # -- after the attempt ---------------------------------------------------------------

    def succeeded(self, decision: Decision | None, username: object, account: str | None = None) -> None:
        """A login succeeded: reset the account's and this address's budget, give back the IP reservations.

        ``account`` is the user's budget name when known (:meth:`account_of_user`);
        else it is looked up from ``username``.  The typed identifier's budgets
        go too when they are not another account's (an identifier counted by
        its text).  Other addresses' budgets on the account stay: a guesser's
        locked pair is not unlocked by the owner's login.  Nor do the budgets
        of another account the attempt drew on (an identifier that is one
        account's username and another's e-mail address): that account's
        password may have been checked.
        """
        if not self.config.enabled:
            return
        name = account if account is not None else self.account_of(username)
        drew_on = decision.account if decision else None
        theirs = drew_on is None or drew_on == name or not (decision and decision.account_found)
        self._forget(
            [counter_key("user", n) for n in dict.fromkeys((name, drew_on if theirs else None)) if n]
        )
        for key in decision.reserved if decision else ():
            if key.startswith(f"{_PREFIX}:pair:") and theirs:
                self._forget([key])
            elif key.startswith((f"{_PREFIX}:ip:", f"{_PREFIX}:ip48:")):
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
        """Forget the failures of a username (from every address) and/or an IP (admin action and reset view).

        ``username`` is any identifier of the account (its username or e-mail
        address); the budgets counted under the identifier's own text
        (before ``ACCOUNT_LOOKUP``, or while nobody had that name) go too.
        """
        keys = []
        for name in dict.fromkeys(n for n in (self.account_of(username), normalise_username(username)) if n):
            keys.append(counter_key("user", name))
            # Every (account, address) budget at once: their keys carry this generation number.
            generation = generation_key(name)
            counters.reserve(self.cache, generation, self.config.window)
            self.cache.touch(generation, self.config.window)  # outlives every pair key of older generations
        if ip:
            keys.append(counter_key("ip", ip_group(ip)))
            if _is_ipv6(ip):
                keys.append(counter_key("ip48", ip_group(ip, 48)))
        self._forget(keys)

    def _forget(self, keys: list[str]) -> None:
        self.cache.delete_many(
            [suffixed for key in keys for suffixed in (key, key + ":since", key + ":last", key + ":gate")]
        )

    def failures(self, username: str | None = None, ip: str | None = None) -> int:
        """Current counter value of an account (any of its identifiers) or an IP (for the admin and tests)."""
        name = self.account_of(username) if username is not None else None
        key = counter_key("user", name) if name else counter_key("ip", ip_group(ip)) if ip else None
        return int(self.cache.get(key) or 0) if key else 0


def reset_throttle(username: str | None = None, ip: str | None = None) -> None:
    """Forget the failed logins of ``username`` and/or ``ip`` (module-level shortcut)."""
    Throttle().reset(username=username, ip=ip)
