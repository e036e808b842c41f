"""Login required and mandatory password change: request policies on ``request.user``.

Both middleware read the user without a thread hop in ASGI
(``await request.auser()`` and the async ORM) and bind an async
``process_view`` when they run in async mode, because Django wraps a sync
``process_view`` in ``sync_to_async`` there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from .. import paths
from ..ajax import wants_json
from ..redirects import safe_next_url
from .base import AsyncGetResponse, BaseMiddleware, GetResponse

AUTHENTICATION_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"

#: Request attribute: "anonymous, not exempt by path; the view decides".
_PENDING = "_security_login_pending"

View = Callable[..., Any]


def relative_exempt_rules(rules: Any) -> paths.EitherFormRules:
    """``LOGIN_EXEMPT_URLS`` compiled once, in either style (``r"^about/$"`` or ``r"^/about/$"``).

    Invalid entries are skipped (``security.E090`` reports them) so a broken
    rule never turns into a 500.
    """
    if isinstance(rules, str | re.Pattern):
        rules = [rules]
    elif not isinstance(rules, list | tuple):
        rules = ()
    return paths.EitherFormRules(rule for rule in rules if paths.compile_error(rule) is None)


def with_next(url: str, next_url: str, field: str = REDIRECT_FIELD_NAME) -> str:
    """``url`` with ``next`` set in its query (as ``redirect_to_login`` does, without reversing)."""
    parts = urlsplit(url)
    query = QueryDict(parts.query, mutable=True)
    query[field] = next_url
    return urlunsplit(parts._replace(query=query.urlencode(safe="/")))


def _local_prefix(url: Any) -> str | None:
    """The path of a same-site URL setting such as STATIC_URL, or ``None``."""
    if not url:
        return None
    parts = urlsplit(str(url))
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path == "/":
        return None
    return parts.path


def static_prefixes() -> tuple[str, ...]:
    """Paths under which static and media files are served (always exempt)."""
    found = (_local_prefix(getattr(settings, name, None)) for name in ("STATIC_URL", "MEDIA_URL"))
    return tuple(prefix for prefix in found if prefix)


class LoginRequiredMiddleware(BaseMiddleware):
    """Require an authenticated, active user on every page not exempted.

    Exempt: the ``LOGIN_URL`` page, static and media URLs, paths matching
    ``LOGIN_EXEMPT_URLS`` (regexes as written in ``urls.py``, matched against
    the path without its leading slash) and views marked with Django's
    ``login_not_required``.  Others are redirected to ``LOGIN_URL`` with
    ``next`` holding the requested path and query; AJAX/JSON clients get 401.
    An anonymous request for a URL that does not exist is redirected too, so
    the site's URL map is not revealed before login.
    """

    REQUIRED_SETTINGS = ("LOGIN_URL",)
    OPTIONAL_SETTINGS = ("LOGIN_EXEMPT_URLS",)
    REQUIRES_AFTER = (AUTHENTICATION_MIDDLEWARE,)

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        self._login_setting: Any = None
        self._login_url: str | None = None
        self.exempt = paths.NO_RULES
        super().__init__(get_response)
        if self._is_async:
            self.process_view = self._aprocess_view  # type: ignore[method-assign,assignment]

    def load_setting(self, setting: str, value: Any) -> None:
        if setting == "LOGIN_URL":
            self._login_setting = value
            self._login_url = None
        elif setting == "LOGIN_EXEMPT_URLS":
            self.exempt = relative_exempt_rules(value)

    # -- decisions -------------------------------------------------------------------

    def login_url(self) -> str:
        """``LOGIN_URL`` resolved (URL names are reversed once, then cached)."""
        if self._login_url is None:
            self._login_url = str(resolve_url(self._login_setting or settings.LOGIN_URL))
        return self._login_url

    def is_exempt_path(self, request: HttpRequest) -> bool:
        """Whether the request's path is exempt before looking at the view."""
        try:
            login = urlsplit(self.login_url())
        except NoReverseMatch:
            login = None
        # An absolute LOGIN_URL (an SSO host) exempts nothing here unless it names this very host.
        is_local = login is not None and (
            not (login.scheme or login.netloc) or login.netloc.lower() == request.get_host().lower()
        )
        login_path = login.path if login is not None and is_local else None
        if login_path and login_path in (request.path, request.path_info):
            return True
        if any(request.path.startswith(prefix) for prefix in static_prefixes()):
            return True
        return self.exempt.matches(request.path_info)

    def deny(self, request: HttpRequest) -> HttpResponseBase:
        """401 for script clients, else a redirect to the login page with a safe ``next``."""
        login_url = self.login_url()
        if wants_json(request):
            return JsonResponse({"error": "authentication_required", "login_url": login_url}, status=401)
        next_url = safe_next_url(request.get_full_path(), request)
        if next_url is None:
            return HttpResponseRedirect(login_url)
        return HttpResponseRedirect(with_next(login_url, next_url))

    def _mark(self, request: HttpRequest, user: Any) -> None:
        if user.is_authenticated and user.is_active:
            return
        if not self.is_exempt_path(request):
            setattr(request, _PENDING, True)

    # -- hooks -------------------------------------------------------------------------

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        self._mark(request, request.user)
        return None

    async def aprocess_request(self, request: HttpRequest) -> HttpResponseBase | None:
        self._mark(request, await request.auser())
        return None

    def process_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not getattr(request, _PENDING, False):
            return None
        if not getattr(view_func, "login_required", True):  # Django's login_not_required
            setattr(request, _PENDING, False)
            return None
        return self.deny(request)

    async def _aprocess_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        return LoginRequiredMiddleware.process_view(self, request, view_func, view_args, view_kwargs)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # The URL did not resolve (no process_view ran): answer as for any protected page.
        if getattr(request, _PENDING, False) and response.status_code == 404:
            return self.deny(request)
        return response


class MandatoryPasswordChangeMiddleware(BaseMiddleware):
    """Send an authenticated user whose password has expired to the password-change view.

    ``MANDATORY_PASSWORD_CHANGE = {"URL_NAME": ..., "EXEMPT_URL_NAMES": [...],
    "INCLUDE_SUPERUSERS": False}``.  The password-change view itself, the
    views named in ``EXEMPT_URL_NAMES``, logout views and static/media URLs
    are never redirected.  Script clients get a 403 JSON answer instead.
    """

    OPTIONAL_SETTINGS = ("MANDATORY_PASSWORD_CHANGE",)
    REQUIRES_AFTER = (AUTHENTICATION_MIDDLEWARE,)

    #: URL names that never trigger the redirect, whatever the settings say.
    ALWAYS_EXEMPT = frozenset({"logout", "admin:logout"})

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        self.url_name: str | None = None
        self.exempt_names: frozenset[str] = self.ALWAYS_EXEMPT
        self.include_superusers = False
        super().__init__(get_response)
        if self._is_async:
            self.process_view = self._aprocess_view  # type: ignore[method-assign,assignment]

    def load_setting(self, setting: str, value: Any) -> None:
        options = value if isinstance(value, dict) else {}
        url_name = options.get("URL_NAME")
        self.url_name = url_name if isinstance(url_name, str) and url_name else None
        exempt = options.get("EXEMPT_URL_NAMES") or ()
        if isinstance(exempt, str):
            exempt = (exempt,)
        elif not isinstance(exempt, list | tuple | set | frozenset):
            exempt = ()  # reported by the security.E092 check
        names = {name for name in exempt if isinstance(name, str)}
        if self.url_name:
            names.add(self.url_name)
        self.exempt_names = frozenset(names) | self.ALWAYS_EXEMPT
        self.include_superusers = bool(options.get("INCLUDE_SUPERUSERS", False))

    def applies(self, request: HttpRequest) -> bool:
        """Whether this request may be redirected at all (before looking at the user)."""
        if self.url_name is None:
            return False  # misconfigured; reported by the security.E092 check
        match = request.resolver_match
        if match is not None and ({match.url_name, match.view_name} & self.exempt_names):
            return False
        return not any(request.path.startswith(prefix) for prefix in static_prefixes())

    def redirect(self, request: HttpRequest) -> HttpResponseBase:
        assert self.url_name is not None
        target = reverse(self.url_name)
        if wants_json(request):
            return JsonResponse(
                {"error": "password_change_required", "password_change_url": target}, status=403
            )
        next_url = safe_next_url(request.get_full_path(), request)
        if next_url is None or request.method not in ("GET", "HEAD"):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(with_next(target, next_url))

    def process_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not self.applies(request):
            return None
        from ..password_expiry import password_is_expired

        if password_is_expired(request.user, self.include_superusers):
            return self.redirect(request)
        return None

    async def _aprocess_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not self.applies(request):
            return None
        from ..password_expiry import apassword_is_expired

        if await apassword_is_expired(await request.auser(), self.include_superusers):
            return self.redirect(request)
        return None


#: The name the original documentation uses for :class:`MandatoryPasswordChangeMiddleware`.
RequirePasswordChangeMiddleware = MandatoryPasswordChangeMiddleware
