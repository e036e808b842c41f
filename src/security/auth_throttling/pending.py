"""Which attempts were failures: only ``user_login_failed`` says so.

``authenticate()`` reports a failure with ``user_login_failed`` but says
nothing on success, and a success is not always followed by ``login()``
(DRF, password-confirmation views, a form refusing an inactive user).  So
the backend's reservation stays *pending* (in a context variable: per thread
and per asyncio task) until its outcome is known:

* ``user_login_failed`` settles it as a failure (the reservation stays);
* ``user_logged_in`` settles it as a success (see ``Throttle.succeeded``);
* otherwise the credentials were valid, and the reservation is given back by
  the next ``authenticate()`` in the same context or when the request ends.
"""

from __future__ import annotations

from contextvars import ContextVar

from ..log import logger
from .core import Decision, Throttle

_pending: ContextVar[Decision | None] = ContextVar("security_throttle_pending", default=None)


def remember(decision: Decision) -> None:
    """Track ``decision`` until its outcome is known."""
    _pending.set(decision if decision.reserved and not decision.settled else None)


def current() -> Decision | None:
    """The decision of this context's latest attempt, if still unsettled."""
    decision = _pending.get()
    return decision if decision is not None and not decision.settled else None


def mark_settled() -> None:
    """The latest attempt's outcome is known (a failure, or a login that handled it)."""
    decision = current()
    if decision is not None:
        decision.settled = True


def give_back_unsettled() -> None:
    """No failure was reported for the latest attempt: its credentials were valid."""
    decision = current()
    if decision is None:
        return
    decision.settled = True
    try:
        Throttle().give_back(decision)
    except Exception:  # a cache outage must not turn a finished request into an error
        logger.warning("Login throttle: could not release a reservation", exc_info=True)


async def agive_back_unsettled() -> None:
    """Async form of :func:`give_back_unsettled`."""
    decision = current()
    if decision is None:
        return
    decision.settled = True
    try:
        await Throttle().agive_back(decision)
    except Exception:
        logger.warning("Login throttle: could not release a reservation", exc_info=True)
