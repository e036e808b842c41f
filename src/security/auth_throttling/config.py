"""``AUTH_THROTTLING`` settings: defaults, validation, and the compiled form used per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import conf

#: Every key of ``AUTH_THROTTLING`` and its default.
DEFAULTS: dict[str, Any] = {
    "ENABLED": True,
    "CACHE": "default",
    "MODE": "lockout",
    "USERNAME_FAILURES": 5,
    "ACCOUNT_FAILURES": 100,
    "IP_FAILURES": 20,
    "IPV6_48_FAILURES": 100,
    "WINDOW_SECONDS": 300,
    "DELAY_SECONDS": 1,
    "MAX_DELAY_SECONDS": 60,
    "CLIENT_IP_HEADER": None,
    "ACCOUNT_LOOKUP": True,
}

MODES = ("lockout", "delay")


@dataclass(frozen=True)
class ThrottleConfig:
    enabled: bool
    cache_alias: str
    mode: str
    username_failures: int | None  # per (account, client network)
    account_failures: int | None  # per account, from all sources together
    ip_failures: int | None  # per client network (IPv4 address, IPv6 /64)
    ipv6_48_failures: int | None  # per IPv6 /48
    window: int
    delay: float
    max_delay: float
    client_ip_header: str | None
    account_lookup: bool  # count an identifier under the account it names (one database lookup)


def problems(value: Any) -> list[str]:
    """What is wrong with an ``AUTH_THROTTLING`` value (empty when it is usable)."""
    if not isinstance(value, dict):
        return [f"must be a dict, not {type(value).__name__}"]
    found = [f"unknown key {key!r}" for key in value if key not in DEFAULTS]
    merged = {**DEFAULTS, **value}
    if merged["MODE"] not in MODES:
        found.append(f"MODE must be one of {', '.join(MODES)}, not {merged['MODE']!r}")
    for key in ("USERNAME_FAILURES", "ACCOUNT_FAILURES", "IP_FAILURES", "IPV6_48_FAILURES"):
        limit = merged[key]
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            found.append(f"{key} must be a positive integer or None, not {limit!r}")
    for key in ("WINDOW_SECONDS", "DELAY_SECONDS", "MAX_DELAY_SECONDS"):
        number = merged[key]
        if isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
            found.append(f"{key} must be a positive number of seconds, not {number!r}")
    alias = merged["CACHE"]
    if not isinstance(alias, str):
        found.append(f"CACHE must be a cache alias (str), not {alias!r}")
    elif alias not in (getattr(settings, "CACHES", None) or {}):
        found.append(f"CACHE names the cache {alias!r}, which is not in CACHES")
    header = merged["CLIENT_IP_HEADER"]
    if header is not None and (not isinstance(header, str) or not header):
        found.append(f"CLIENT_IP_HEADER must be a request.META key (str) or None, not {header!r}")
    if not isinstance(merged["ACCOUNT_LOOKUP"], bool):
        found.append(f"ACCOUNT_LOOKUP must be True or False, not {merged['ACCOUNT_LOOKUP']!r}")
    return found


@conf.compiled
def current() -> ThrottleConfig:
    """The compiled ``AUTH_THROTTLING`` (invalid values fall back to defaults; checks report them)."""
    value = conf.get("AUTH_THROTTLING")
    merged = {**DEFAULTS, **value} if isinstance(value, dict) and not problems(value) else dict(DEFAULTS)
    return ThrottleConfig(
        enabled=bool(merged["ENABLED"]),
        cache_alias=merged["CACHE"],
        mode=merged["MODE"],
        username_failures=merged["USERNAME_FAILURES"],
        account_failures=merged["ACCOUNT_FAILURES"],
        ip_failures=merged["IP_FAILURES"],
        ipv6_48_failures=merged["IPV6_48_FAILURES"],
        window=int(merged["WINDOW_SECONDS"]),
        delay=float(merged["DELAY_SECONDS"]),
        max_delay=float(merged["MAX_DELAY_SECONDS"]),
        client_ip_header=merged["CLIENT_IP_HEADER"],
        account_lookup=merged["ACCOUNT_LOOKUP"],
    )


@conf.compiled
def _problems() -> list[str]:
    return problems(conf.get("AUTH_THROTTLING"))


def required() -> ThrottleConfig:
    """The compiled ``AUTH_THROTTLING`` for a way in (the backend, the middleware, the password form).

    A wrong value raises ``ImproperlyConfigured`` naming the setting (check
    ``security.E095`` reports the same problems); :func:`current` alone falls
    back to the defaults, for the code that only settles or resets.
    """
    found = _problems()
    if found:
        raise ImproperlyConfigured(f"AUTH_THROTTLING: {'; '.join(found)}.")
    return current()
