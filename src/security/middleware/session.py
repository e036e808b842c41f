"""Session expiry policy: an absolute lifetime and an inactivity timeout, checked server-side.

Two timestamps live in the session as integers (seconds since the epoch, so
every session serializer and the signed-cookie backend can carry them): when
the session started (reset at login) and when activity was last recorded.
A session older than ``SESSION_COOKIE_AGE`` or idle longer than
``SESSION_INACTIVITY_TIMEOUT`` is flushed and the request goes on as
anonymous.  Activity is written at most once per
``SESSION_ACTIVITY_GRANULARITY`` seconds, so an active user causes one
session save per granularity period instead of one per request.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase

from .. import conf
from ..log import logger
from .base import AsyncGetResponse, BaseMiddleware, GetResponse

START_KEY = "_security_session_start"
ACTIVITY_KEY = "_security_last_activity"

#: Stamps further in the future than this are not clock skew but tampering.
CLOCK_SKEW = 60


class Verdict(enum.Enum):
    ACTIVE = "active"  # nothing to write
    TOUCH = "touch"  # record activity now
    EXPIRED = "expired"


@dataclass(frozen=True)
class Policy:
    """The limits in seconds; ``None`` switches a limit off."""

    max_age: int | None
    inactivity: int | None
    granularity: int

    def evaluate(self, start: Any, last: Any, now: float) -> tuple[Verdict, str]:
        """Judge a session from its two raw stamps (any type: the session may be garbage)."""
        start_at, last_at = parse_stamp(start, now), parse_stamp(last, now)
        if start_at is None or last_at is None:
            return Verdict.EXPIRED, "missing or invalid timestamps"
        if self.max_age is not None and now - start_at > self.max_age:
            return Verdict.EXPIRED, "older than SESSION_COOKIE_AGE"
        if self.inactivity is not None and now - last_at > self.inactivity:
            return Verdict.EXPIRED, "idle longer than SESSION_INACTIVITY_TIMEOUT"
        if now - last_at >= self.granularity:
            return Verdict.TOUCH, ""
        return Verdict.ACTIVE, ""


def parse_stamp(value: Any, now: float) -> float | None:
    """A stored timestamp, or ``None`` when it is missing, garbage or in the future."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        stamp = float(value)
    except OverflowError:  # an int too large for a float (e.g. 10**400): garbage, not a 500
        return None
    if not math.isfinite(stamp) or stamp <= 0 or stamp > now + CLOCK_SKEW:
        return None
    return stamp


def _seconds(value: Any) -> int | None:
    """A positive number of seconds, or ``None`` (off) for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value)


def stamp_login(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """``user_logged_in`` receiver: the absolute lifetime counts from login."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[START_KEY] = now
        session[ACTIVITY_KEY] = now


async def _anonymous_user() -> AnonymousUser:
    return AnonymousUser()


class SessionExpiryPolicyMiddleware(BaseMiddleware):
    """Expire sessions on an absolute lifetime and on inactivity, then continue anonymously.

    Reads ``SESSION_COOKIE_AGE`` (absolute lifetime from login or session
    start), ``SESSION_INACTIVITY_TIMEOUT`` (idle seconds, default 1800) and
    ``SESSION_ACTIVITY_GRANULARITY`` (seconds between activity writes,
    default 60).  Place it after ``SessionMiddleware`` and before
    ``LoginRequiredMiddleware`` so an expired session is sent to the login page.
    """

    OPTIONAL_SETTINGS = ("SESSION_COOKIE_AGE", "SESSION_INACTIVITY_TIMEOUT", "SESSION_ACTIVITY_GRANULARITY")
    REQUIRES_AFTER = ("django.contrib.sessions.middleware.SessionMiddleware",)
    REQUIRES_BEFORE = (
        "security.middleware.auth.LoginRequiredMiddleware",
        "security.middleware.auth.MandatoryPasswordChangeMiddleware",
    )

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        self._values: dict[str, Any] = {}
        self.policy = Policy(None, None, 60)
        super().__init__(get_response)

    def load_setting(self, setting: str, value: Any) -> None:
        if setting == "SESSION_COOKIE_AGE":
            self._values[setting] = value if value is not None else getattr(settings, setting, None)
        else:
            self._values[setting] = conf.get(setting)
        granularity = _seconds(self._values.get("SESSION_ACTIVITY_GRANULARITY"))
        self.policy = Policy(
            max_age=_seconds(self._values.get("SESSION_COOKIE_AGE")),
            inactivity=_seconds(self._values.get("SESSION_INACTIVITY_TIMEOUT")),
            granularity=60 if granularity is None else granularity,
        )

    # -- the decision, shared by both modes ---------------------------------------------

    def _judge(self, start: Any, last: Any, authenticated: bool, has_data: bool) -> tuple[Verdict, str]:
        if start is None and last is None:
            # A session that predates this middleware (or lost its stamps).
            if authenticated:
                return Verdict.EXPIRED, "authenticated session without timestamps"
            return (Verdict.TOUCH, "") if has_data else (Verdict.ACTIVE, "")
        return self.policy.evaluate(start, last, time.time())

    def _expired(self, request: HttpRequest, reason: str) -> None:
        logger.info("Session expired (%s); continuing as anonymous", reason)
        request.user = AnonymousUser()
        request.auser = _anonymous_user

    # -- sync ---------------------------------------------------------------------------

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        session = getattr(request, "session", None)
        if session is None or session.session_key is None:
            return None
        verdict, reason = self._judge(
            session.get(START_KEY), session.get(ACTIVITY_KEY), SESSION_KEY in session, bool(session.keys())
        )
        if verdict is Verdict.EXPIRED:
            session.flush()
            self._expired(request, reason)
        elif verdict is Verdict.TOUCH:
            now = int(time.time())
            session.setdefault(START_KEY, now)
            session[ACTIVITY_KEY] = now
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # A session that got its first data during this request starts now.
        session = getattr(request, "session", None)
        if session is not None and session.modified and START_KEY not in session and session.keys():
            now = int(time.time())
            session[START_KEY] = now
            session[ACTIVITY_KEY] = now
        return response

    # -- async (Django's async session API: no thread hop) -------------------------------

    async def aprocess_request(self, request: HttpRequest) -> HttpResponseBase | None:
        session = getattr(request, "session", None)
        if session is None or session.session_key is None:
            return None
        verdict, reason = self._judge(
            await session.aget(START_KEY),
            await session.aget(ACTIVITY_KEY),
            await session.ahas_key(SESSION_KEY),
            bool(await session.akeys()),
        )
        if verdict is Verdict.EXPIRED:
            await session.aflush()
            self._expired(request, reason)
        elif verdict is Verdict.TOUCH:
            now = int(time.time())
            await session.asetdefault(START_KEY, now)
            await session.aset(ACTIVITY_KEY, now)
        return None

    async def aprocess_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.modified
            and not await session.ahas_key(START_KEY)
            and await session.akeys()
        ):
            now = int(time.time())
            await session.aset(START_KEY, now)
            await session.aset(ACTIVITY_KEY, now)
        return response
