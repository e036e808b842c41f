"""Signal receivers: failures keep their reservation, everything else gives it back."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.signals import request_finished
from django.http import HttpRequest

from . import pending
from .core import REQUEST_ATTRIBUTE, Throttle


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """Reset the account's failures (whichever identifier was typed) and release this attempt's IP reservation."""
    decision = getattr(request, REQUEST_ATTRIBUTE, None) if request is not None else None
    throttle = Throttle()
    throttle.succeeded(decision, user.get_username(), account=throttle.account_of_user(user))
    if request is not None and decision is not None:
        decision.reserved.clear()
        decision.settled = True
    pending.mark_settled()


def on_user_login_failed(sender: Any, **_: Any) -> None:
    """A real failure (wrong credentials or a throttled attempt): the reservation stays."""
    pending.mark_settled()


def on_request_finished(sender: Any, **_: Any) -> None:
    """An attempt of this request that did not fail had valid credentials: give it back."""
    pending.give_back_unsettled()


def connect() -> None:
    user_logged_in.connect(on_user_logged_in, dispatch_uid="security.auth_throttling.on_user_logged_in")
    user_login_failed.connect(
        on_user_login_failed, dispatch_uid="security.auth_throttling.on_user_login_failed"
    )
    request_finished.connect(on_request_finished, dispatch_uid="security.auth_throttling.on_request_finished")
