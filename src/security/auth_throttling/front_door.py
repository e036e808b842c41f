"""The original package's way in: ``security.auth_throttling.Middleware`` and its helper functions.

The same counters, keys and settlement as :class:`ThrottlingBackend` (see
:mod:`.core`); only the policy differs: ``AUTHENTICATION_THROTTLING =
{"LOGIN_URLS_WITH_TEMPLATES": [("accounts/login/", "registration/login.html")],
"DELAY_FUNCTION": f}``.  Each POST to a listed URL is one attempt; ``f(username
failures, IP failures)`` returns how many seconds after the previous attempt
the next one must wait, per username and per IP.  A throttled attempt gets
the URL's template with the error on the form, or a bare 429 when the
template is ``None``.  The attempt is reserved before the view checks the
password, so parallel guesses are counted like sequential ones.
"""

from __future__ import annotations

import math
import time

from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext, ngettext

from ..auth_settings import authentication_throttling_problems, require
from ..middleware.base import AsyncGetResponse, GetResponse
from ..middleware.compiled import CompiledMiddleware
from . import counters, pending
from .config import required
from .core import REQUEST_ATTRIBUTE, Decision, DelayFunction, Throttle, counter_key, ip_group

__all__ = [
    "HttpResponseTooManyRequests",
    "Middleware",
    "attempt_count",
    "default_delay_function",
    "delay_message",
    "increment_counters",
    "reset_counters",
    "throttling_delay",
]

_DAY = 24 * 60 * 60


class HttpResponseTooManyRequests(HttpResponse):
    status_code = 429


def default_delay_function(username_failures: int, ip_failures: int) -> tuple[float, float]:
    """No wait for the first three failures of a username, then 10 s doubling up to a day; none per IP."""
    if username_failures < 3:
        return (0, 0)
    return (min(5 * 2 ** (username_failures - 3), _DAY), 0)


def delay_message(seconds: float) -> str:
    """A delay in words: "1 second", "45 seconds", "1 minute", "2 minutes"."""
    minutes = round(float(seconds) / 60)
    if minutes >= 1:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    whole = math.ceil(seconds)
    return ngettext("%(count)d second", "%(count)d seconds", whole) % {"count": whole}


def _key(kind: str, value: object) -> str:
    """The shared counter key of one ``kind=value`` pair (usernames and IPs as the backend counts them).

    A username counts under its account (:meth:`Throttle.account_of`): the
    helpers see the failures of every identifier of that account.
    """
    if kind in ("username", "user"):
        name = _throttle().account_of(value)
        return counter_key("user", name if name is not None else repr(value))
    if kind == "ip" and isinstance(value, str):
        return counter_key("ip", ip_group(value))
    return counter_key(kind, value if isinstance(value, str) else repr(value))


def _throttle() -> Throttle:
    return Throttle(delay_function=default_delay_function)


def increment_counters(**pairs: object) -> None:
    """Count one failure for each ``kind=value`` (``username="alice"``, ``ip="192.0.2.1"``, any kind)."""
    throttle = _throttle()
    for kind, value in pairs.items():
        counters.reserve(throttle.cache, _key(kind, value), throttle.window)


def reset_counters(**pairs: object) -> None:
    """Forget the failures of each ``kind=value``."""
    keys = [_key(kind, value) for kind, value in pairs.items()]
    _throttle().cache.delete_many([k + suffix for k in keys for suffix in ("", ":since", ":last", ":gate")])


def attempt_count(attempt_type: str, id: object) -> int:
    """The failures counted for ``attempt_type=id``."""
    value = _throttle().cache.get(_key(attempt_type, id))
    return value if isinstance(value, int) else 0


def throttling_delay(
    username: object, ip: object, delay_function: DelayFunction = default_delay_function
) -> float:
    """Seconds the next attempt of ``username`` from ``ip`` must still wait (0 or less: none)."""
    throttle = Throttle(delay_function=delay_function)
    keys = {"username": _key("username", username), "ip": _key("ip", ip)}
    values = throttle.cache.get_many([*keys.values(), *(k + ":last" for k in keys.values())])
    counts = {kind: _as_int(values.get(key)) + 1 for kind, key in keys.items()}
    delays = throttle._function_delays(counts)
    now = time.time()
    waits = [
        (last + delays[kind] - now) if isinstance(last := values.get(key + ":last"), int | float) else 0.0
        for kind, key in keys.items()
    ]
    return max(waits)


def _as_int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class Middleware(CompiledMiddleware):
    """Throttle POSTs to the login URLs of ``AUTHENTICATION_THROTTLING`` (the original's front door).

    Use it *or* :class:`~security.auth_throttling.backends.ThrottlingBackend`:
    both count in the same place; when both are installed the backend leaves
    attempts the middleware already reserved alone.
    """

    REQUIRED_SETTINGS = ("AUTHENTICATION_THROTTLING",)

    logins: dict[str, str | None]
    delay_function: DelayFunction
    redirect_field_name: str

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        super().__init__(get_response)
        required()  # the counters' AUTH_THROTTLING (cache, ACCOUNT_LOOKUP ...) must be usable too

    def compile(self) -> None:
        value = self.setting("AUTHENTICATION_THROTTLING")
        require("AUTHENTICATION_THROTTLING", authentication_throttling_problems(value))
        self.logins = {url: template for url, template in value["LOGIN_URLS_WITH_TEMPLATES"]}
        self.delay_function = value.get("DELAY_FUNCTION") or default_delay_function
        self.redirect_field_name = value.get("REDIRECT_FIELD_NAME") or REDIRECT_FIELD_NAME

    def _login_template(self, request: HttpRequest) -> tuple[bool, str | None]:
        if request.method not in ("POST", "PUT"):
            return False, None
        url = request.path_info[1:]
        return (url in self.logins), self.logins.get(url)

    @staticmethod
    def _username(request: HttpRequest) -> object:
        field = get_user_model().USERNAME_FIELD
        return request.POST.get("username", request.POST.get(field))

    def _keep(self, request: HttpRequest, decision: Decision) -> None:
        decision.by_middleware = True
        setattr(request, REQUEST_ATTRIBUTE, decision)
        pending.remember(decision)

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        is_login, template = self._login_template(request)
        if not is_login:
            return None
        decision = Throttle(required(), self.delay_function).attempt(request, self._username(request))
        self._keep(request, decision)
        return None if decision.allowed else self.refuse(request, decision, template)

    async def aprocess_request(self, request: HttpRequest) -> HttpResponseBase | None:
        is_login, template = self._login_template(request)
        if not is_login:
            return None
        decision = await Throttle(required(), self.delay_function).aattempt(request, self._username(request))
        self._keep(request, decision)
        return None if decision.allowed else self.refuse(request, decision, template)

    def refuse(self, request: HttpRequest, decision: Decision, template: str | None) -> HttpResponseBase:
        """429: the login template with the reason on the form, or a bare 429 without a template."""
        if template is None:
            response: HttpResponseBase = HttpResponseTooManyRequests()
        else:
            response = self._render(request, decision, template)
        response["Retry-After"] = str(max(1, decision.retry_after))
        return response

    def _render(self, request: HttpRequest, decision: Decision, template: str) -> HttpResponseBase:
        from django.contrib.auth.forms import AuthenticationForm
        from django.contrib.sites.shortcuts import get_current_site
        from django.shortcuts import render

        username = self._username(request)
        form = AuthenticationForm(
            request, initial={"username": username if isinstance(username, str) else ""}
        )
        errors = ErrorDict()  # an unbound form showing one error: its fields are not validated
        form._errors = errors  # type: ignore[attr-defined]
        errors[NON_FIELD_ERRORS] = form.error_class(
            [
                gettext(
                    "Due to the failure of previous attempts, your login request has been denied as a "
                    "security precaution. Please try again in at least %(delay)s."
                )
                % {"delay": delay_message(decision.retry_after)}
            ],
            error_class="nonfield",
        )
        site = get_current_site(request)
        redirect_to = request.POST.get(
            self.redirect_field_name, request.GET.get(self.redirect_field_name, "")
        )
        context = {
            "form": form,
            self.redirect_field_name: redirect_to,
            "site": site,
            "site_name": site.name,
        }
        return render(request, template, context, status=429)
