"""The client's address, as far as the configured proxies vouch for it, and the groups it is counted in.

Login throttling and the report collector both budget per client.  Behind a
proxy ``REMOTE_ADDR`` is the proxy, so every client would share one budget;
trusting a forwarding header blindly lets any client pick its own address.
The rule here: ``REMOTE_ADDR`` is the client unless it is a trusted proxy
(``SECURITY_TRUSTED_PROXIES`` networks) or a fixed number of proxies stands in
front of every request (``SECURITY_TRUSTED_PROXY_HOPS``); only then are the
entries of ``SECURITY_CLIENT_IP_HEADER`` read, right to left, as far as trusted
proxies added them.

Settings:

* ``SECURITY_TRUSTED_PROXIES``: networks (``"10.0.0.0/8"``, ``"::1"``) whose
  connections are proxies; default ``()``.
* ``SECURITY_TRUSTED_PROXY_HOPS``: how many proxies every request passes;
  default ``0``.  Use one of the two, not both.
* ``SECURITY_CLIENT_IP_HEADER``: the ``request.META`` key the proxies append
  to; default ``"HTTP_X_FORWARDED_FOR"``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import conf

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTINGS = ("SECURITY_TRUSTED_PROXIES", "SECURITY_TRUSTED_PROXY_HOPS", "SECURITY_CLIENT_IP_HEADER")


@dataclass(frozen=True)
class ProxyConfig:
    """The compiled proxy settings."""

    networks: tuple[IPNetwork, ...] = ()
    hops: int = 0
    header: str = "HTTP_X_FORWARDED_FOR"

    def trusts(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def parse_address(value: object) -> IPAddress | None:
    """An address as proxies write it (``ip``, ``ip:port``, ``[v6]``, ``[v6]:port``), or ``None``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 has several colons
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def problems(values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with the proxy settings, by setting name (empty when usable)."""
    found: dict[str, str] = {}
    networks = values.get("SECURITY_TRUSTED_PROXIES", ())
    if isinstance(networks, str) or not isinstance(networks, list | tuple):
        found["SECURITY_TRUSTED_PROXIES"] = f"must be a list of networks, not {type(networks).__name__}"
    else:
        for network in networks:
            try:
                if not isinstance(network, str):
                    raise TypeError(network)
                ipaddress.ip_network(network, strict=False)
            except (TypeError, ValueError):
                found["SECURITY_TRUSTED_PROXIES"] = f"{network!r} is not an IP network written as text"
                break
    hops = values.get("SECURITY_TRUSTED_PROXY_HOPS", 0)
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
        found["SECURITY_TRUSTED_PROXY_HOPS"] = f"must be a whole number of proxies (0 or more), not {hops!r}"
    elif hops and networks and "SECURITY_TRUSTED_PROXIES" not in found:
        found["SECURITY_TRUSTED_PROXY_HOPS"] = (
            "set either SECURITY_TRUSTED_PROXY_HOPS or SECURITY_TRUSTED_PROXIES"
        )
    header = values.get("SECURITY_CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR")
    if not isinstance(header, str) or not header:
        found["SECURITY_CLIENT_IP_HEADER"] = (
            f"must be a request.META key such as 'HTTP_X_FORWARDED_FOR', not {header!r}"
        )
    return found


def settings_values() -> dict[str, Any]:
    """The project's proxy settings, defaults filled in."""
    return {name: conf.get(name) for name in SETTINGS}


def build(values: Mapping[str, Any]) -> ProxyConfig:
    """Compile validated settings; ``ImproperlyConfigured`` names the first wrong one."""
    found = problems(values)
    if found:
        name, problem = next(iter(found.items()))
        raise ImproperlyConfigured(f"{name} {problem}.")
    return ProxyConfig(
        networks=tuple(ipaddress.ip_network(n, strict=False) for n in values["SECURITY_TRUSTED_PROXIES"]),
        hops=values["SECURITY_TRUSTED_PROXY_HOPS"],
        header=values["SECURITY_CLIENT_IP_HEADER"],
    )


@conf.compiled
def current() -> ProxyConfig:
    """The compiled proxy settings (raises ``ImproperlyConfigured`` when they are wrong)."""
    return build(settings_values())


def client_address(meta: Mapping[str, Any], config: ProxyConfig | None = None) -> IPAddress | None:
    """The client's address for ``request.META``, or ``None`` when ``REMOTE_ADDR`` is no address.

    Unparsable or missing forwarded entries never yield an address of the
    client's choosing: the walk stops at the nearest proxy that vouched.
    """
    config = config or current()
    remote = parse_address(meta.get("REMOTE_ADDR"))
    if remote is None or not (config.hops or config.networks):
        return remote
    raw = meta.get(config.header)
    entries = [parse_address(part) for part in raw.split(",")] if isinstance(raw, str) and raw else []
    if config.hops:
        if len(entries) < config.hops:
            return remote
        return entries[-config.hops] or remote
    nearest = remote
    if not config.trusts(remote):
        return remote
    for entry in reversed(entries):
        if entry is None:
            return nearest
        if not config.trusts(entry):
            return entry
        nearest = entry
    return nearest


def client_ip(meta: Mapping[str, Any], config: ProxyConfig | None = None) -> str | None:
    """:func:`client_address` as text, the form stored and logged."""
    address = client_address(meta, config)
    return None if address is None else str(address)


def network_of(address: IPAddress | str, ipv6_prefix: int = 64) -> str:
    """The group one budget covers: an IPv4 address itself, an IPv6 address's ``/ipv6_prefix`` network.

    An IPv6 subscriber holds at least a /64 (often a /56 or /48) and can use a
    fresh address for every request; counting per address would not slow them.
    """
    parsed = address if not isinstance(address, str) else parse_address(address)
    if parsed is None:
        return str(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, ipv6_prefix), strict=False))
    return str(parsed)
