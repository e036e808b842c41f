"""Signal receivers: a successful login gives back its reservations."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from .core import REQUEST_ATTRIBUTE, Throttle


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """Reset the username's failures and release this attempt's IP reservation."""
    decision = getattr(request, REQUEST_ATTRIBUTE, None) if request is not None else None
    Throttle().succeeded(decision, user.get_username())
    if request is not None and decision is not None:
        decision.reserved.clear()


def connect() -> None:
    user_logged_in.connect(on_user_logged_in, dispatch_uid="security.auth_throttling.on_user_logged_in")
