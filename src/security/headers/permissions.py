"""``Permissions-Policy``: a dict of feature -> allowlist, serialised as a structured-field dictionary.

Setting form (W3C Permissions Policy, RFC 8941 serialisation)::

    PERMISSIONS_POLICY = {
        "geolocation": [],                              # geolocation=()  (nobody)
        "camera": ["self"],                             # camera=(self)
        "fullscreen": "*",                              # fullscreen=*    (everyone)
        "payment": ["self", "https://pay.example"],     # payment=(self "https://pay.example")
    }
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from . import SettingError

_FEATURE = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
_PRINTABLE_ASCII = re.compile(r"[ -~]*\Z")

#: Features browsers implement today (used to flag likely typos, not to reject).
KNOWN_FEATURES = frozenset(
    {
        "accelerometer", "ambient-light-sensor", "attribution-reporting", "autoplay", "bluetooth",
        "browsing-topics", "camera", "captured-surface-control", "ch-ua", "clipboard-read",
        "clipboard-write", "compute-pressure", "cross-origin-isolated", "deferred-fetch",
        "digital-credentials-get", "direct-sockets", "display-capture", "encrypted-media",
        "execution-while-not-rendered", "execution-while-out-of-viewport", "fullscreen", "gamepad",
        "geolocation", "gyroscope", "hid", "identity-credentials-get", "idle-detection",
        "interest-cohort", "keyboard-map", "local-fonts", "magnetometer", "microphone", "midi",
        "otp-credentials", "payment", "picture-in-picture", "private-state-token-issuance",
        "private-state-token-redemption", "publickey-credentials-create",
        "publickey-credentials-get", "screen-wake-lock", "serial", "speaker-selection",
        "storage-access", "sync-xhr", "unload", "usb", "web-share", "window-management",
        "xr-spatial-tracking",
    }
)  # fmt: skip

_KEYWORDS = ("self", "src")


def _origin(feature: str, entry: str) -> str:
    parts = urlsplit(entry)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or any(char in entry for char in '"\\ ')
        or not entry.isascii()
    ):
        raise SettingError(
            f"PERMISSIONS_POLICY[{feature!r}]: {entry!r} is not 'self', 'src', '*' or an origin "
            "such as https://example.com"
        )
    return f'"{entry.rstrip("/")}"'


def allowlist(feature: str, value: Any) -> str:
    """One feature's allowlist as a structured-field item or inner list."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise SettingError(
            f"PERMISSIONS_POLICY[{feature!r}] must be a list such as [] or ['self'], "
            f"not {type(value).__name__}"
        )
    if any(not isinstance(entry, str) for entry in value):
        raise SettingError(f"PERMISSIONS_POLICY[{feature!r}] entries must be strings")
    for entry in value:
        # Checked on the raw entry: urlsplit() silently drops CR, LF and tab, and the entry
        # itself (not what urlsplit saw) goes into the header.
        if not _PRINTABLE_ASCII.match(entry):
            raise SettingError(
                f"PERMISSIONS_POLICY[{feature!r}]: {entry!r} may only contain printable ASCII characters"
            )
    entries = [entry.strip() for entry in value]
    if "*" in entries:
        if len(entries) > 1:
            raise SettingError(f"PERMISSIONS_POLICY[{feature!r}]: '*' cannot be combined with other entries")
        return "*"
    items = [
        entry.strip("'").lower() if entry.strip("'").lower() in _KEYWORDS else _origin(feature, entry)
        for entry in entries
    ]
    return "(" + " ".join(dict.fromkeys(items)) + ")"


def permissions_policy(policy: Any) -> str | None:
    """``Permissions-Policy`` value, or ``None`` for an empty policy (header not sent)."""
    if not isinstance(policy, Mapping):
        raise SettingError(f"PERMISSIONS_POLICY must be a dict, not {type(policy).__name__}")
    members = []
    for feature, value in policy.items():
        if not isinstance(feature, str) or not _FEATURE.match(feature):
            raise SettingError(
                f"PERMISSIONS_POLICY: {feature!r} is not a feature name (lowercase, like 'geolocation')"
            )
        members.append(f"{feature}={allowlist(feature, value)}")
    return ", ".join(members) or None


def unknown_features(policy: Mapping[str, Any]) -> list[str]:
    """Feature names of ``policy`` that no current browser knows (probably typos)."""
    return [feature for feature in policy if feature not in KNOWN_FEATURES]
