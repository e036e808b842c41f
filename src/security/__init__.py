"""django-security: hardening for Django sites.

The documented API lives in ``security.middleware``, ``security.models`` and
``security.views``.  The contract's text also names the password-change
middleware at package level (``security.RequirePasswordChangeMiddleware``);
that name is resolved lazily so importing ``security`` never loads Django.
"""

from typing import Any

__version__ = "1.0.0.dev0"

_LAZY = {"RequirePasswordChangeMiddleware": "security.middleware.auth"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'security' has no attribute {name!r}")
