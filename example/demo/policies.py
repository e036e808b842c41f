"""The demo's Content Security Policies: strict, allow-nothing, or one read from a JSON file.

Kept out of settings.py so a test can read them, and so the admin's hash is
computed from the Django actually installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import django

from security.csp.hashes import inline_hashes

#: Django's admin template with the admin's only static inline block: a ``<style>`` shown on
#: change lists without actions.  Django 6.1 gives it the nonce; 5.2 and 6.0 need its hash.
ADMIN_CHANGE_LIST = (
    Path(django.__file__).parent / "contrib" / "admin" / "templates" / "admin" / "change_list.html"
)


#: The demo page with a static inline style block, allowed by its hash.
PROPOSE_PAGE = Path(__file__).resolve().parent / "templates" / "demo" / "csp_propose.html"


def demo_style_hashes() -> list[str]:
    """Hash sources of the demo templates' static inline styles."""
    return inline_hashes(PROPOSE_PAGE.read_text(encoding="utf-8"))["style-src"]


def admin_style_hashes() -> list[str]:
    """Hash sources of the admin's static inline styles, for Django versions without admin nonces."""
    return inline_hashes(ADMIN_CHANGE_LIST.read_text(encoding="utf-8"))["style-src"]


def strict() -> dict[str, Any]:
    """Nonces for scripts and styles, hashes for the admin's static inline style, nothing unsafe."""
    return {
        "default-src": ["self"],
        "script-src": ["self", "nonce"],
        "style-src": ["self", "nonce", *demo_style_hashes(), *admin_style_hashes()],
        "img-src": ["self", "data:"],
        "font-src": ["self"],
        "connect-src": ["self"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
        "frame-ancestors": ["self"],
    }


def nothing() -> dict[str, Any]:
    """Allows nothing: under report-only, every resource and inline block of a page is reported.

    ``'report-sample'`` asks the browser to include the first characters of
    inline code, which the policy proposal matches against the templates.
    """
    return {
        "default-src": ["none"],
        "script-src": ["report-sample"],
        "style-src": ["report-sample"],
    }


def demo_policy(name: str, path: str | None = None) -> dict[str, Any]:
    """The policy named by ``DEMO_CSP_POLICY``, or the JSON object in ``DEMO_CSP_POLICY_FILE``."""
    if path:
        policy = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(policy, dict):
            raise ValueError(f"DEMO_CSP_POLICY_FILE {path}: expected a JSON object of directive -> sources")
        return policy
    if name == "nothing":
        return nothing()
    return strict()
