"""Session expiry policy: an absolute lifetime and an inactivity timeout, checked server-side.

Two timestamps live in the session as integers (seconds since the epoch, so
every session serializer and the signed-cookie backend can carry them): when
the session started (reset at login) and when activity was last recorded.
A session older than ``SESSION_COOKIE_AGE`` or idle longer than
``SESSION_INACTIVITY_TIMEOUT`` is flushed and the request goes on as
anonymous.  Activity is written at most once per
``SESSION_ACTIVITY_GRANULARITY`` seconds, so an active user causes one
session save per granularity period instead of one per request.

Sessions written by the original django-security (``starttime`` /
``lastactivity``: ``datetime`` objects in 0.9.x, ``str(datetime)`` in 1.x)
are read on their first request and rewritten in this form, so an upgrade
does not log anybody out.
"""

from __future__ import annotations

import datetime
import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.module_loading import import_string

from ..auth_settings import dotted_callable_problems, positive_seconds_problems, require
from ..log import logger
from .compiled import CompiledMiddleware

START_KEY = "_security_session_start"
ACTIVITY_KEY = "_security_last_activity"

#: The keys the original django-security used (read once, then replaced by ours).
LEGACY_START_KEY = "starttime"
LEGACY_ACTIVITY_KEY = "lastactivity"

#: Stamps further in the future than this are not clock skew but tampering.
CLOCK_SKEW = 60


def _now() -> float:
    """Wall-clock seconds, read the way Django's session backends read it (``timezone.now()``)."""
    return timezone.now().timestamp()


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


def legacy_stamp(value: Any) -> float | None:
    """A time the original package stored (a ``datetime`` or ``str(datetime)``) as epoch seconds."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime.datetime):
        return None
    moment: datetime.datetime = value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    try:
        return moment.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def _legacy(value: Any) -> int | None:
    stamp = legacy_stamp(value)
    return None if stamp is None else int(stamp)


def session_settings_problems(name: str, value: Any) -> list[str]:
    """What is wrong with one of the settings this middleware reads (``security.E094`` shares it)."""
    if name == "CUSTOM_LOGOUT_MODULE":
        return dotted_callable_problems(value)
    return positive_seconds_problems(value, optional=name == "SESSION_INACTIVITY_TIMEOUT")


def stamp_login(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    """``user_logged_in`` receiver: the absolute lifetime counts from login."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(_now())
        session[START_KEY] = now
        session[ACTIVITY_KEY] = now


async def _anonymous_user() -> AnonymousUser:
    return AnonymousUser()


class SessionExpiryPolicyMiddleware(CompiledMiddleware):
    """Expire sessions on an absolute lifetime and on inactivity, then continue anonymously.

    Reads ``SESSION_COOKIE_AGE`` (absolute lifetime from login or session
    start), ``SESSION_INACTIVITY_TIMEOUT`` (idle seconds, default 1800),
    ``SESSION_ACTIVITY_GRANULARITY`` (seconds between activity writes,
    default 60) and ``CUSTOM_LOGOUT_MODULE`` (dotted path of a
    ``logout(request)`` function called instead of ``session.flush()``).
    Place it after ``SessionMiddleware`` and before ``LoginRequiredMiddleware``
    so an expired session is sent to the login page.
    """

    OPTIONAL_SETTINGS = (
        "SESSION_COOKIE_AGE",
        "SESSION_INACTIVITY_TIMEOUT",
        "SESSION_ACTIVITY_GRANULARITY",
        "CUSTOM_LOGOUT_MODULE",
    )
    REQUIRES_AFTER = ("django.contrib.sessions.middleware.SessionMiddleware",)
    REQUIRES_BEFORE = (
        "security.middleware.auth.LoginRequiredMiddleware",
        "security.middleware.auth.MandatoryPasswordChangeMiddleware",
    )

    #: Session keys of the two stamps (the original's attribute names).
    START_TIME_KEY = START_KEY
    LAST_ACTIVITY_KEY = ACTIVITY_KEY

    policy = Policy(None, None, 60)
    custom_logout: Callable[[HttpRequest], Any] | None = None

    @property
    def SESSION_COOKIE_AGE(self) -> int | None:
        """The absolute lifetime in seconds."""
        return self.policy.max_age

    @property
    def SESSION_INACTIVITY_TIMEOUT(self) -> int | None:
        """The idle timeout in seconds (``None``: off)."""
        return self.policy.inactivity

    def compile(self) -> None:
        # Unset SESSION_INACTIVITY_TIMEOUT means the default; an explicit None switches it off.
        values = {name: self.setting(name) for name in self.OPTIONAL_SETTINGS}
        if values["SESSION_COOKIE_AGE"] is None:  # Django's own setting: its value in force
            values["SESSION_COOKIE_AGE"] = settings.SESSION_COOKIE_AGE
        for name, value in values.items():
            require(name, session_settings_problems(name, value))
        logout = values["CUSTOM_LOGOUT_MODULE"]
        age, timeout = values["SESSION_COOKIE_AGE"], values["SESSION_INACTIVITY_TIMEOUT"]
        self.custom_logout = import_string(logout) if logout else None
        self.policy = Policy(
            max_age=int(age),
            inactivity=int(timeout) if timeout is not None else None,
            granularity=int(values["SESSION_ACTIVITY_GRANULARITY"]),
        )

    # -- the original's session helpers (thin aliases over the integer stamps) ----------

    @staticmethod
    def _get_datetime_in_session(key: str, session: Any) -> datetime.datetime | None:
        """The stamp ``key`` of ``session`` as an aware ``datetime`` (any stored form)."""
        value = session.get(key)
        stamp = _legacy(value) if not isinstance(value, int | float) or isinstance(value, bool) else value
        if stamp is None:
            return None
        return datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc)

    @staticmethod
    def _set_datetime_in_session(key: str, value: datetime.datetime, session: Any) -> None:
        """Store ``value`` under ``key`` in this middleware's form (integer seconds)."""
        session[key] = _legacy(value)

    # -- the decision, shared by both modes ---------------------------------------------

    def _judge(self, start: Any, last: Any, authenticated: bool, has_data: bool) -> tuple[Verdict, str]:
        if start is None and last is None:
            # A session that predates this middleware (or lost its stamps).
            if authenticated:
                return Verdict.EXPIRED, "authenticated session without timestamps"
            return (Verdict.TOUCH, "") if has_data else (Verdict.ACTIVE, "")
        return self.policy.evaluate(start, last, _now())

    def _expired(self, request: HttpRequest, reason: str) -> None:
        logger.info("Session expired (%s); continuing as anonymous", reason)
        request.user = AnonymousUser()
        request.auser = _anonymous_user

    # -- sync ---------------------------------------------------------------------------

    @staticmethod
    def _upgrade(session: Any) -> None:
        """Replace the original package's stamps by ours (once, on the session's first request here)."""
        if START_KEY in session or LEGACY_START_KEY not in session:
            return
        session[START_KEY] = _legacy(session.pop(LEGACY_START_KEY))
        session[ACTIVITY_KEY] = _legacy(session.pop(LEGACY_ACTIVITY_KEY, None))

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        session = getattr(request, "session", None)
        if session is None or session.session_key is None:
            return None
        self._upgrade(session)
        verdict, reason = self._judge(
            session.get(START_KEY), session.get(ACTIVITY_KEY), SESSION_KEY in session, bool(session.keys())
        )
        if verdict is Verdict.EXPIRED:
            if self.custom_logout is not None:
                self.custom_logout(request)
            else:
                session.flush()
            self._expired(request, reason)
        elif verdict is Verdict.TOUCH:
            now = int(_now())
            session.setdefault(START_KEY, now)
            session[ACTIVITY_KEY] = now
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # A session that got its first data during this request starts now.
        session = getattr(request, "session", None)
        if session is not None and session.modified and START_KEY not in session and session.keys():
            now = int(_now())
            session[START_KEY] = now
            session[ACTIVITY_KEY] = now
        return response

    # -- async (Django's async session API: no thread hop) -------------------------------

    @staticmethod
    async def _aupgrade(session: Any) -> None:
        if await session.ahas_key(START_KEY) or not await session.ahas_key(LEGACY_START_KEY):
            return
        await session.aset(START_KEY, _legacy(await session.apop(LEGACY_START_KEY)))
        await session.aset(ACTIVITY_KEY, _legacy(await session.apop(LEGACY_ACTIVITY_KEY, None)))

    async def _alogout(self, request: HttpRequest) -> None:
        logout = self.custom_logout
        if logout is None:
            await request.session.aflush()
        elif iscoroutinefunction(logout):
            await logout(request)
        else:  # a project's sync logout function: the one place this middleware uses a thread
            await sync_to_async(logout)(request)

    async def aprocess_request(self, request: HttpRequest) -> HttpResponseBase | None:
        session = getattr(request, "session", None)
        if session is None or session.session_key is None:
            return None
        await self._aupgrade(session)
        verdict, reason = self._judge(
            await session.aget(START_KEY),
            await session.aget(ACTIVITY_KEY),
            await session.ahas_key(SESSION_KEY),
            bool(await session.akeys()),
        )
        if verdict is Verdict.EXPIRED:
            await self._alogout(request)
            self._expired(request, reason)
        elif verdict is Verdict.TOUCH:
            now = int(_now())
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
            now = int(_now())
            await session.aset(START_KEY, now)
            await session.aset(ACTIVITY_KEY, now)
        return response
