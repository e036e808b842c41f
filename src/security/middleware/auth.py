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
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from .. import paths
from ..ajax import wants_json
from ..auth_settings import (
    bool_problems,
    login_url_problems,
    mandatory_password_change_problems,
    path_rules_problems,
    require,
)
from ..redirects import safe_next_url
from .base import AsyncGetResponse, GetResponse
from .compiled import CompiledMiddleware

AUTHENTICATION_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"

#: Request attribute: "anonymous, not exempt by path; the view decides".
_PENDING = "_security_login_pending"

View = Callable[..., Any]


def relative_exempt_rules(rules: Any) -> paths.EitherFormRules:
    """URL regexes compiled once, in either style (``r"^about/$"`` or ``r"^/about/$"``).

    Callers validate first (``path_rules_problems``); anything that is still
    not a usable rule is skipped rather than turned into a 500.
    """
    if isinstance(rules, str | re.Pattern):
        rules = [rules]
    elif not isinstance(rules, list | tuple):
        rules = ()
    return paths.EitherFormRules(rule for rule in rules if paths.compile_error(rule) is None)


def compiled_exempt_rules(setting: str, value: Any) -> paths.EitherFormRules:
    """A validated list of URL regexes (``ImproperlyConfigured`` naming ``setting`` otherwise)."""
    require(setting, path_rules_problems(value))
    return relative_exempt_rules(value)


def _no_user(middleware: object) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"{type(middleware).__name__} needs request.user: put {AUTHENTICATION_MIDDLEWARE!r} "
        "before it in MIDDLEWARE."
    )


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


def static_prefixes(include_media: bool = False) -> tuple[str, ...]:
    """Paths under which static files (and, when asked, media files) are served."""
    names = ("STATIC_URL", "MEDIA_URL") if include_media else ("STATIC_URL",)
    found = (_local_prefix(getattr(settings, name, None)) for name in names)
    return tuple(prefix for prefix in found if prefix)


def without_dot_segments(path: str) -> str:
    """``path`` with ``.`` and ``..`` segments resolved (RFC 3986 section 5.2.4), as file-serving views do.

    Django decodes ``%2e`` before routing, so ``/public/%2e%2e/private/`` arrives
    here as ``/public/../private/``; ``django.views.static.serve`` would then
    serve ``private/``.  An exemption is only granted when the path and this
    form of it are both exempt.
    """
    if "." not in path:
        return path
    parts = path.split("/")
    out: list[str] = []
    last = len(parts) - 1
    for index, segment in enumerate(parts):
        if segment in (".", ".."):
            if segment == ".." and len(out) > 1:
                out.pop()
            if index == last:
                out.append("")
            continue
        out.append(segment)
    return "/".join(out)


def _public_views() -> tuple[Any, ...]:
    """Views browsers call without cookies (reports): never behind the login."""
    from .. import views

    return tuple(getattr(views, name) for name in ("csp_report", "reports_endpoint") if hasattr(views, name))


class LoginRequiredMiddleware(CompiledMiddleware):
    """Require an authenticated, active user on every page not exempted.

    Exempt: the login page (``request.login_url`` when an earlier middleware
    sets it, else ``LOGIN_URL``), static URLs (media URLs only with
    ``LOGIN_EXEMPT_MEDIA``), the report endpoints, paths matching
    ``LOGIN_EXEMPT_URLS`` (regexes as written in ``urls.py``, matched against
    the path without its leading slash) and views marked with Django's
    ``login_not_required``.  Others are redirected to the login page with
    ``next`` holding the requested path and query; AJAX/JSON clients get 401
    with ``{"login_url": ...}``.  An anonymous request for a URL that does not
    exist is redirected too, so the site's URL map is not revealed before login.
    Path exemptions are decided on the path with its dot-segments resolved, and
    an anonymous request that reached no view is refused whatever answered it
    (a 404, or a fallback such as ``FlatpageFallbackMiddleware``).
    """

    REQUIRED_SETTINGS = ("LOGIN_URL",)
    OPTIONAL_SETTINGS = ("LOGIN_EXEMPT_URLS", "LOGIN_EXEMPT_MEDIA", "STATIC_URL", "MEDIA_URL")
    REQUIRES_AFTER = (AUTHENTICATION_MIDDLEWARE,)

    _login_setting: Any = None
    _login_url: str | None = None
    exempt: paths.EitherFormRules = paths.NO_RULES
    exempt_media = False
    prefixes: tuple[str, ...] = ()

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        super().__init__(get_response)
        self._public_views: tuple[Any, ...] | None = None
        if self._is_async:
            self.process_view = self._aprocess_view  # type: ignore[method-assign,assignment]

    def compile(self) -> None:
        login = self.setting("LOGIN_URL")
        require("LOGIN_URL", login_url_problems(login))
        exempt_media = self.setting("LOGIN_EXEMPT_MEDIA")
        require("LOGIN_EXEMPT_MEDIA", bool_problems(exempt_media))
        exempt = compiled_exempt_rules("LOGIN_EXEMPT_URLS", self.setting("LOGIN_EXEMPT_URLS"))
        # STATIC_URL / MEDIA_URL as Django holds them (a relative one gets the script prefix), not
        # the raw value setting_changed carries; listed in OPTIONAL_SETTINGS so a change recompiles.
        prefixes = static_prefixes(exempt_media)
        self.prefixes, self.exempt, self.exempt_media = prefixes, exempt, exempt_media
        self._login_setting, self._login_url = login, None

    # -- decisions -------------------------------------------------------------------

    def login_url(self, request: HttpRequest | None = None) -> str:
        """``request.login_url`` when set, else ``LOGIN_URL`` resolved (reversed once, then cached)."""
        custom = getattr(request, "login_url", None)
        if isinstance(custom, str) and custom:
            return custom
        if self._login_url is None:
            self._login_url = str(resolve_url(self._login_setting))
        return self._login_url

    def is_exempt_path(self, request: HttpRequest) -> bool:
        """Whether the request's path is exempt before looking at the view."""
        try:
            login = urlsplit(self.login_url(request))
        except NoReverseMatch:
            login = None
        # An absolute login URL (an SSO host) exempts nothing here unless it names this very host.
        is_local = login is not None and (
            not (login.scheme or login.netloc) or login.netloc.lower() == request.get_host().lower()
        )
        login_path = login.path if login is not None and is_local else None
        if login_path and login_path in (request.path, request.path_info):
            return True
        path, path_info = request.path, request.path_info
        resolved, resolved_info = without_dot_segments(path), without_dot_segments(path_info)
        if any(path.startswith(p) and resolved.startswith(p) for p in self.prefixes):
            return True
        return self.exempt.matches(path_info) and (
            resolved_info == path_info or self.exempt.matches(resolved_info)
        )

    def is_public_view(self, view_func: View) -> bool:
        """Views marked with Django's ``login_not_required``, and the report endpoints."""
        if not getattr(view_func, "login_required", True):
            return True
        if self._public_views is None:
            self._public_views = _public_views()
        return view_func in self._public_views

    def deny(self, request: HttpRequest) -> HttpResponseBase:
        """401 ``{"login_url": ...}`` for script clients, else a redirect to the login page with a safe ``next``."""
        login_url = self.login_url(request)
        if wants_json(request):
            return JsonResponse({"login_url": login_url}, status=401)
        # A login_url set on the request by the project is used as given, as the original did.
        custom = isinstance(getattr(request, "login_url", None), str)
        next_url = None if custom else safe_next_url(request.get_full_path(), request)
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
        if not hasattr(request, "user"):
            raise _no_user(self)
        self._mark(request, request.user)
        return None

    async def aprocess_request(self, request: HttpRequest) -> HttpResponseBase | None:
        if not hasattr(request, "auser"):
            raise _no_user(self)
        self._mark(request, await request.auser())
        return None

    def process_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not getattr(request, _PENDING, False):
            return None
        setattr(request, _PENDING, False)  # decided here, on the resolved view
        if self.is_public_view(view_func):
            return None
        return self.deny(request)

    async def _aprocess_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        return LoginRequiredMiddleware.process_view(self, request, view_func, view_args, view_kwargs)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # No view was resolved for this anonymous request: whatever answered (a 404, a fallback
        # middleware such as FlatpageFallbackMiddleware, an inner short-circuit), refuse it.
        if getattr(request, _PENDING, False):
            return self.deny(request)
        return response


def password_change_url_problem(url_name: str) -> str | None:
    """Why ``URL_NAME`` cannot be reversed, or ``None`` (``security.E093`` and the middleware share it)."""
    try:
        reverse(url_name)
    except NoReverseMatch:
        return f"URL_NAME {url_name!r} cannot be reversed"
    return None


class MandatoryPasswordChangeMiddleware(CompiledMiddleware):
    """Send an authenticated user whose password has expired to the password-change view.

    ``MANDATORY_PASSWORD_CHANGE = {"URL_NAME": ..., "EXEMPT_URL_NAMES": [...],
    "EXEMPT_URLS": [regexes], "INCLUDE_SUPERUSERS": False, "REDIRECT_WITH_NEXT": False}``.
    The password-change view itself, the views named in ``EXEMPT_URL_NAMES``,
    paths matching ``EXEMPT_URLS``, logout views and static/media URLs are
    never redirected.  The redirect carries no ``?next=`` unless
    ``REDIRECT_WITH_NEXT`` is true: Django's ``PasswordChangeView`` ignores it.
    Script clients get a 403 JSON answer instead.
    """

    # STATIC_URL / MEDIA_URL: their paths are compiled too (never redirected).
    OPTIONAL_SETTINGS = ("MANDATORY_PASSWORD_CHANGE", "STATIC_URL", "MEDIA_URL")
    REQUIRES_AFTER = (AUTHENTICATION_MIDDLEWARE,)

    #: URL names that never trigger the redirect, whatever the settings say.
    ALWAYS_EXEMPT = frozenset({"logout", "admin:logout"})

    url_name = ""
    exempt_names: frozenset[str] = ALWAYS_EXEMPT
    exempt_paths: paths.EitherFormRules = paths.NO_RULES
    include_superusers = False
    with_next = False
    static_paths: tuple[str, ...] = ()

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        super().__init__(get_response)
        if self._is_async:
            self.process_view = self._aprocess_view  # type: ignore[method-assign,assignment]

    def compile(self) -> None:
        options = self.setting("MANDATORY_PASSWORD_CHANGE")
        require("MANDATORY_PASSWORD_CHANGE", mandatory_password_change_problems(options))
        url_name: str = options["URL_NAME"]
        problem = self._url_problem(url_name)
        require("MANDATORY_PASSWORD_CHANGE", [problem] if problem else [])
        self.url_name = url_name
        names = {*(options.get("EXEMPT_URL_NAMES") or ()), url_name}
        self.exempt_names = frozenset(names) | self.ALWAYS_EXEMPT
        self.exempt_paths = relative_exempt_rules(options.get("EXEMPT_URLS") or ())
        self.include_superusers = bool(options.get("INCLUDE_SUPERUSERS", False))
        self.with_next = bool(options.get("REDIRECT_WITH_NEXT", False))
        self.static_paths = static_prefixes(include_media=True)

    @staticmethod
    def _url_problem(url_name: str) -> str | None:
        """``URL_NAME`` must reverse; a URLconf that cannot load yet is left to the request."""
        try:
            return password_change_url_problem(url_name)
        except ImproperlyConfigured:
            raise
        except Exception:  # the URLconf imports something not ready at build time
            return None

    def applies(self, request: HttpRequest) -> bool:
        """Whether this request may be redirected at all (before looking at the user)."""
        match = request.resolver_match
        if match is not None and ({match.url_name, match.view_name} & self.exempt_names):
            return False
        if self.exempt_paths.matches(request.path_info):
            return False
        return not request.path.startswith(self.static_paths)

    def redirect(self, request: HttpRequest) -> HttpResponseBase:
        target = reverse(self.url_name)
        if wants_json(request):
            return JsonResponse(
                {"error": "password_change_required", "password_change_url": target}, status=403
            )
        next_url = safe_next_url(request.get_full_path(), request) if self.with_next else None
        if next_url is None or request.method not in ("GET", "HEAD"):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(with_next(target, next_url))

    def process_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not self.applies(request):
            return None
        if not hasattr(request, "user"):
            raise _no_user(self)
        from ..password_expiry import password_is_expired

        if password_is_expired(request.user, self.include_superusers):
            return self.redirect(request)
        return None

    async def _aprocess_view(
        self, request: HttpRequest, view_func: View, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not self.applies(request):
            return None
        if not hasattr(request, "auser"):
            raise _no_user(self)
        from ..password_expiry import apassword_is_expired

        if await apassword_is_expired(await request.auser(), self.include_superusers):
            return self.redirect(request)
        return None


#: The name the original documentation uses for :class:`MandatoryPasswordChangeMiddleware`.
RequirePasswordChangeMiddleware = MandatoryPasswordChangeMiddleware
