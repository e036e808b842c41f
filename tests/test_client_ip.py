"""Who the client is behind proxies: the rule shared by login throttling and the report collector."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from security import client_ip, conf


def _config(**values: object) -> client_ip.ProxyConfig:
    return client_ip.build({**client_ip.settings_values(), **values})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:4711", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        (" ::ffff:192.0.2.1 ", "192.0.2.1"),
        ("unknown", None),
        ("", None),
        ("1.2.3.4:80:90", None),
    ],
)
def test_parse_address_reads_the_forms_proxies_write(text, expected):
    parsed = client_ip.parse_address(text)
    assert (None if parsed is None else str(parsed)) == expected


def test_parse_address_rejects_non_strings():
    assert client_ip.parse_address(None) is None
    assert client_ip.parse_address(12) is None


def test_without_proxies_the_forwarded_header_is_ignored():
    meta = {"REMOTE_ADDR": "198.51.100.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_ip.client_ip(meta, _config()) == "198.51.100.2"


def test_remote_addr_that_is_no_address_gives_none():
    assert client_ip.client_ip({"REMOTE_ADDR": "garbage"}, _config()) is None
    assert client_ip.client_ip({}, _config()) is None


def test_hops_take_the_entry_the_nearest_proxy_added():
    config = _config(SECURITY_TRUSTED_PROXY_HOPS=1)
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9:5123"}
    assert client_ip.client_ip(meta, config) == "203.0.113.9"
    two = _config(SECURITY_TRUSTED_PROXY_HOPS=2)
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, [2001:db8::7]:1, 10.0.0.4"}
    assert client_ip.client_ip(meta, two) == "2001:db8::7"


def test_hops_with_a_short_header_fall_back_to_the_proxy_not_the_spoof():
    config = _config(SECURITY_TRUSTED_PROXY_HOPS=2)
    assert (
        client_ip.client_ip({"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, config)
        == "10.0.0.5"
    )
    garbage = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "x, y"}
    assert client_ip.client_ip(garbage, config) == "10.0.0.5"


def test_trusted_networks_walk_right_to_left_past_trusted_proxies_only():
    config = _config(SECURITY_TRUSTED_PROXIES=["10.0.0.0/8", "2001:db8:ffff::/48"])
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9, [2001:db8:ffff::1]:80"}
    assert client_ip.client_ip(meta, config) == "203.0.113.9"


def test_an_untrusted_peer_is_the_client_whatever_it_forwards():
    config = _config(SECURITY_TRUSTED_PROXIES=["10.0.0.0/8"])
    meta = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "10.0.0.1"}
    assert client_ip.client_ip(meta, config) == "203.0.113.9"


def test_a_garbage_entry_stops_the_walk_at_the_nearest_trusted_proxy():
    config = _config(SECURITY_TRUSTED_PROXIES=["10.0.0.0/8"])
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.9, unknown, 10.0.0.4"}
    assert client_ip.client_ip(meta, config) == "10.0.0.4"
    only_proxies = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "10.0.0.3"}
    assert client_ip.client_ip(only_proxies, config) == "10.0.0.3"


def test_custom_header():
    config = _config(SECURITY_TRUSTED_PROXY_HOPS=1, SECURITY_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_REAL_IP": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}
    assert client_ip.client_ip(meta, config) == "203.0.113.9"


@pytest.mark.parametrize(
    ("address", "prefix", "expected"),
    [
        ("203.0.113.9", 64, "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"),
        ("not-an-ip", 64, "not-an-ip"),
    ],
)
def test_network_of_groups_ipv6_by_prefix(address, prefix, expected):
    assert client_ip.network_of(address, prefix) == expected


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"SECURITY_TRUSTED_PROXIES": "10.0.0.0/8"}, "SECURITY_TRUSTED_PROXIES"),
        ({"SECURITY_TRUSTED_PROXIES": ["10.0.0.0/33"]}, "SECURITY_TRUSTED_PROXIES"),
        ({"SECURITY_TRUSTED_PROXIES": [5]}, "SECURITY_TRUSTED_PROXIES"),
        ({"SECURITY_TRUSTED_PROXY_HOPS": -1}, "SECURITY_TRUSTED_PROXY_HOPS"),
        ({"SECURITY_TRUSTED_PROXY_HOPS": True}, "SECURITY_TRUSTED_PROXY_HOPS"),
        (
            {"SECURITY_TRUSTED_PROXY_HOPS": 1, "SECURITY_TRUSTED_PROXIES": ["::1"]},
            "SECURITY_TRUSTED_PROXY_HOPS",
        ),
        ({"SECURITY_CLIENT_IP_HEADER": ""}, "SECURITY_CLIENT_IP_HEADER"),
    ],
)
def test_wrong_values_fail_fast_and_in_the_check_alike(values, name):
    conf.reset()
    with override_settings(**values):
        with pytest.raises(ImproperlyConfigured, match=name):
            client_ip.current()
        found = [m for m in checks.run_checks(tags=["security"]) if m.id == "security.E250"]
        assert [m.obj for m in found] == [name]
    conf.reset()


def test_defaults_pass_the_check():
    assert not [m for m in checks.run_checks(tags=["security"]) if m.id == "security.E250"]
