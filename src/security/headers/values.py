"""Header values of the simple, enumerated headers (HSTS, XSS, P3P, referrer, cross-origin, caching)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import SettingError

#: The shortest max-age the HSTS preload list accepts (one year, in seconds).
PRELOAD_MIN_MAX_AGE = 31_536_000


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def hsts(max_age: Any, include_subdomains: Any, preload: Any) -> str:
    """``Strict-Transport-Security`` value (RFC 6797 section 6.1)."""
    if not _is_int(max_age) or max_age < 0:
        raise SettingError(f"STS_MAX_AGE must be a whole number of seconds >= 0, not {max_age!r}")
    for name, flag in (("STS_INCLUDE_SUBDOMAINS", include_subdomains), ("STS_PRELOAD", preload)):
        if not isinstance(flag, bool):
            raise SettingError(f"{name} must be True or False, not {flag!r}")
    value = f"max-age={max_age}"
    if include_subdomains:
        value += "; includeSubDomains"
    if preload:
        value += "; preload"
    return value


def preload_problems(max_age: int, include_subdomains: bool) -> list[str]:
    """Which conditions of the HSTS preload list a preloading policy misses."""
    problems = []
    if max_age < PRELOAD_MIN_MAX_AGE:
        problems.append(f"STS_MAX_AGE is {max_age}, below the required {PRELOAD_MIN_MAX_AGE} (one year)")
    if not include_subdomains:
        problems.append("STS_INCLUDE_SUBDOMAINS is False, but preloading requires includeSubDomains")
    return problems


#: XSS_PROTECT setting value -> X-XSS-Protection header value.
XSS_PROTECT_VALUES = {"sanitize": "1", "on": "1; mode=block", "off": "0"}


def xss_protection(setting: Any) -> str:
    """``X-XSS-Protection`` value for ``XSS_PROTECT`` (case-insensitive)."""
    key = setting.strip().lower() if isinstance(setting, str) else setting
    if key not in XSS_PROTECT_VALUES:
        choices = ", ".join(repr(choice) for choice in XSS_PROTECT_VALUES)
        raise SettingError(f"XSS_PROTECT must be one of {choices}, not {setting!r}")
    return XSS_PROTECT_VALUES[key]


def _header_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(f"{name} must be a string, not {type(value).__name__}")
    if any(char in value for char in '"\\\r\n') or not value.isascii():
        raise SettingError(f"{name} must be printable ASCII without double quotes or backslashes")
    return value


def p3p(compact_policy: Any, policy_url: Any) -> str:
    """``P3P`` value: ``policyref="<url>" CP="<compact policy>"``, exactly as the original sent it."""
    if compact_policy is None:
        raise SettingError("P3P_COMPACT_POLICY is required by P3PPolicyMiddleware")
    cp = _header_text("P3P_COMPACT_POLICY", compact_policy)
    url = _header_text("P3P_POLICY_URL", policy_url)
    return f'policyref="{url}" CP="{cp}"'


#: Policy tokens of the Referrer Policy specification.
REFERRER_POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)


def _tokens(name: str, value: Any) -> list[str]:
    """A comma-separated string or a list of strings as a list of stripped tokens."""
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise SettingError(f"{name} must be a string or a list of strings, not {type(value).__name__}")
    tokens = []
    for item in items:
        if not isinstance(item, str):
            raise SettingError(f"{name} entries must be strings, not {item!r}")
        tokens.append(item.strip())
    return tokens


def referrer_policy(value: Any) -> str | None:
    """``Referrer-Policy`` value: one token, or several (the browser uses the last it knows).

    ``"off"`` (the original's spelling) sends no header.
    """
    if isinstance(value, str) and value.strip().lower() == "off":
        return None
    tokens = [token.lower() for token in _tokens("REFERRER_POLICY", value)]
    if not tokens or any(token not in REFERRER_POLICIES for token in tokens):
        known = ", ".join(sorted(REFERRER_POLICIES))
        raise SettingError(f"REFERRER_POLICY must be 'off' or one or more of {known}; got {value!r}")
    return ", ".join(tokens)


#: Allowed values of each cross-origin policy setting (None: header not sent).
CROSS_ORIGIN_POLICIES = {
    "CROSS_ORIGIN_OPENER_POLICY": (
        "Cross-Origin-Opener-Policy",
        ("same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"),
    ),
    "CROSS_ORIGIN_EMBEDDER_POLICY": (
        "Cross-Origin-Embedder-Policy",
        ("require-corp", "credentialless", "unsafe-none"),
    ),
    "CROSS_ORIGIN_RESOURCE_POLICY": (
        "Cross-Origin-Resource-Policy",
        ("same-origin", "same-site", "cross-origin"),
    ),
}


def cross_origin(setting: str, value: Any) -> str | None:
    """The header value of one ``CROSS_ORIGIN_*`` setting, or ``None`` when it is off."""
    if value is None:
        return None
    allowed = CROSS_ORIGIN_POLICIES[setting][1]
    key = value.strip().lower() if isinstance(value, str) else value
    if key not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise SettingError(f"{setting} must be None or one of {choices}, not {value!r}")
    return str(key)


#: Clear-Site-Data directives (W3C Clear Site Data); case-sensitive.
CLEAR_SITE_DATA_TYPES = ("cache", "cookies", "storage", "executionContexts", "clientHints", "*")


def clear_site_data(value: Any) -> str:
    """``Clear-Site-Data`` value: each directive as a quoted string, comma-separated."""
    directives = _tokens("CLEAR_SITE_DATA", value)
    unknown = [d for d in directives if d.strip('"') not in CLEAR_SITE_DATA_TYPES]
    if not directives or unknown:
        known = ", ".join(CLEAR_SITE_DATA_TYPES)
        raise SettingError(f"CLEAR_SITE_DATA must list one or more of {known}; got {value!r}")
    return ", ".join(f'"{d.strip(chr(34))}"' for d in directives)


#: Headers that forbid storing a confidential response anywhere.
NO_STORE_HEADERS = (
    ("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"),
    ("Pragma", "no-cache"),
    # "-1", as the original sent: an invalid date, which RFC 9111 section 5.3 says means "already expired".
    ("Expires", "-1"),
)
