"""Static response-header middleware: every header value is built once from settings.

Each middleware reads its compiled header (``conf.compiled``: rebuilt only
after ``setting_changed``) and adds it unless the response already carries
that header, so a view or decorator that set it wins and no header is ever
sent twice.  Bad setting values are reported by system checks at start-up
(``security.E040``..``E059``); should a project run anyway, the middleware log
the error once and fall back to the safest value instead of failing requests.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

from .. import conf
from ..headers import SettingError, framing, permissions, reporting, values
from ..log import logger
from ..paths import NO_RULES, EitherFormRules
from .base import BaseMiddleware
from .response_headers import Header, has, header, replace, set_default

T = TypeVar("T")
CSP = "Content-Security-Policy"
NOSNIFF = header("X-Content-Type-Options", "nosniff")


def _or_fallback(build: Callable[[], T], fallback: T) -> T:
    """``build()``, or ``fallback`` (logged) when the settings are invalid."""
    try:
        return build()
    except SettingError as error:
        logger.error("%s; using %r until it is fixed (run manage.py check).", error, fallback)
        return fallback


def _header_or_fallback(name: str, build: Callable[[], str | None], fallback: str | None) -> Header | None:
    """The header ``name`` with the value ``build()``, or ``fallback`` (logged) when settings are invalid."""
    return _or_fallback(
        lambda: None if (value := build()) is None else header(name, value),
        None if fallback is None else header(name, fallback),
    )


def _required_header(name: str, build: Callable[[], str], fallback: str) -> Header:
    """Like :func:`_header_or_fallback` for headers that are always sent."""
    return _or_fallback(lambda: header(name, build()), header(name, fallback))


def rules_or_none(setting: str, rules: Any) -> EitherFormRules:
    """Compiled path rules of ``setting``, or no rules (logged) when they do not compile."""
    try:
        if isinstance(rules, str) or not isinstance(rules, list | tuple):
            raise TypeError(f"{setting} must be a list of regular expressions")
        return EitherFormRules(rules)
    except (TypeError, ValueError, re.error) as error:
        logger.error("%s: %s; ignoring the rules until fixed (run manage.py check).", setting, error)
        return NO_RULES


# -- compiled settings ----------------------------------------------------------------


@conf.compiled
def hsts_header() -> Header | None:
    return _header_or_fallback(
        "Strict-Transport-Security",
        lambda: values.hsts(
            conf.get("STS_MAX_AGE"), conf.get("STS_INCLUDE_SUBDOMAINS"), conf.get("STS_PRELOAD")
        ),
        None,
    )


@conf.compiled
def frame_options() -> tuple[Header, tuple[str, ...]]:
    """The X-Frame-Options header and the ``frame-ancestors`` sources of allow-from."""

    def build() -> tuple[Header, tuple[str, ...]]:
        options = framing.frame_options(conf.get("X_FRAME_OPTIONS"))
        return header("X-Frame-Options", options.header), options.frame_ancestors

    no_sources: tuple[str, ...] = ()
    return _or_fallback(build, (header("X-Frame-Options", "DENY"), no_sources))


@conf.compiled
def frame_options_exclusions() -> EitherFormRules:
    return rules_or_none("X_FRAME_OPTIONS_EXCLUDE_URLS", conf.get("X_FRAME_OPTIONS_EXCLUDE_URLS"))


#: Django 6's own CSP middleware, which sends ``SECURE_CSP`` only when no CSP header is there yet.
DJANGO_CSP = "django.middleware.csp.ContentSecurityPolicyMiddleware"


def _first_after_frame_options(candidates: dict[str, Callable[[type[Any] | None, str], bool]]) -> str | None:
    """Which of ``candidates`` is listed first in MIDDLEWARE, if before our frame-options middleware.

    Listed before means outside: it handles the response after us.
    """
    from django.conf import settings

    for dotted in getattr(settings, "MIDDLEWARE", None) or ():
        try:
            cls: type[Any] | None = import_string(dotted)
        except ImportError:
            cls = None
        if cls is not None and not isinstance(cls, type):
            continue
        for name, is_it in candidates.items():
            if is_it(cls, dotted):
                return name
        if cls is not None and issubclass(cls, XFrameOptionsMiddleware | SecurityHeadersMiddleware):
            return None
    return None


def _is_our_csp(cls: type[Any] | None, dotted: str) -> bool:
    from .csp import ContentSecurityPolicyMiddleware

    return cls is not None and issubclass(cls, ContentSecurityPolicyMiddleware)


def _is_django_csp(cls: type[Any] | None, dotted: str) -> bool:
    return dotted == DJANGO_CSP or (cls is not None and f"{cls.__module__}.{cls.__qualname__}" == DJANGO_CSP)


@conf.compiled
def csp_runs_after_frame_options() -> bool:
    """Whether our CSP middleware handles the response after XFrameOptionsMiddleware.

    Then it merges ``response.security_frame_ancestors`` into its policy;
    otherwise XFrameOptionsMiddleware writes ``frame-ancestors`` itself.
    """
    return _first_after_frame_options({"ours": _is_our_csp}) == "ours"


@conf.compiled
def django_csp_runs_after_frame_options() -> bool:
    """Whether Django's CSP middleware handles the response after XFrameOptionsMiddleware.

    It skips its whole ``SECURE_CSP`` when the response already has a
    Content-Security-Policy, so then XFrameOptionsMiddleware must not create
    one (``frame-ancestors`` has to come from ``SECURE_CSP``: security.W049).
    """
    return _first_after_frame_options({"django": _is_django_csp}) == "django"


@conf.compiled
def xss_header() -> Header:
    return _required_header("X-XSS-Protection", lambda: values.xss_protection(conf.get("XSS_PROTECT")), "0")


@conf.compiled
def p3p_header() -> Header | None:
    return _header_or_fallback(
        "P3P", lambda: values.p3p(conf.get("P3P_COMPACT_POLICY"), conf.get("P3P_POLICY_URL")), None
    )


@conf.compiled
def referrer_header() -> Header:
    return _required_header(
        "Referrer-Policy", lambda: values.referrer_policy(conf.get("REFERRER_POLICY")), "same-origin"
    )


@conf.compiled
def reports_endpoint() -> str | None:
    """``SECURITY_REPORTS_ENDPOINT`` resolved to a URL (``None``: unset, or invalid and logged)."""
    return _or_fallback(lambda: reporting.endpoint_url(conf.get(reporting.SETTING)), None)


def add_reports_endpoint(request: HttpRequest, response: HttpResponseBase) -> None:
    """``Reporting-Endpoints: default=...`` when ``SECURITY_REPORTS_ENDPOINT`` is set."""
    url = reports_endpoint()
    if url is not None:
        reporting.add_endpoint(response, reporting.endpoints_member(url))


def _permissions_value() -> str | None:
    value = permissions.permissions_policy(conf.get("PERMISSIONS_POLICY"))
    return reporting.permissions_with_report_to(value) if value and reports_endpoint() else value


@conf.compiled
def permissions_header() -> Header | None:
    return _header_or_fallback("Permissions-Policy", _permissions_value, None)


#: Cross-origin policies whose header takes a ``report-to`` parameter.
_REPORTING_POLICIES = frozenset({"CROSS_ORIGIN_OPENER_POLICY", "CROSS_ORIGIN_EMBEDDER_POLICY"})


def _cross_origin_value(setting: str) -> str | None:
    value = values.cross_origin(setting, conf.get(setting))
    if value is not None and setting in _REPORTING_POLICIES and reports_endpoint():
        return reporting.with_report_to(value)
    return value


@conf.compiled
def cross_origin_headers() -> tuple[Header, ...]:
    pairs = []
    for setting, (name, _) in values.CROSS_ORIGIN_POLICIES.items():
        item = _header_or_fallback(name, functools.partial(_cross_origin_value, setting), None)
        if item is not None:
            pairs.append(item)
    return tuple(pairs)


@conf.compiled
def clear_site_data_header() -> Header | None:
    return _header_or_fallback(
        "Clear-Site-Data", lambda: values.clear_site_data(conf.get("CLEAR_SITE_DATA")), None
    )


@conf.compiled
def clear_site_data_urls() -> EitherFormRules:
    return rules_or_none("CLEAR_SITE_DATA_URLS", conf.get("CLEAR_SITE_DATA_URLS"))


# -- headers that depend on the request or the response ---------------------------------


def add_hsts(request: HttpRequest, response: HttpResponseBase) -> None:
    item = hsts_header()
    if item is not None and request.is_secure():
        set_default(response, item)


def add_frame_options(request: HttpRequest, response: HttpResponseBase) -> None:
    if has(response, "x-frame-options") or getattr(response, "xframe_options_exempt", False):
        return
    if frame_options_exclusions().matches(request.path_info):
        return
    item, ancestors = frame_options()
    replace(response, item)
    if ancestors:
        response.security_frame_ancestors = ancestors  # type: ignore[attr-defined]
        if csp_runs_after_frame_options():
            return  # our CSP middleware merges the attribute
        policy = response.headers.get(CSP)
        if policy is None and django_csp_runs_after_frame_options():
            return  # a header here would make Django's CSP middleware drop SECURE_CSP
        response.headers[CSP] = framing.with_frame_ancestors(policy or "", ancestors)


def add_clear_site_data(request: HttpRequest, response: HttpResponseBase) -> None:
    if clear_site_data_urls().matches(request.path_info):
        item = clear_site_data_header()
        if item is not None:
            set_default(response, item)


# -- middleware ----------------------------------------------------------------------


class ContentNoSniff(BaseMiddleware):
    """Send ``X-Content-Type-Options: nosniff`` so browsers trust the declared Content-Type.

    (The documented name of the header, ``X-Content-Options``, is a typo; the
    header browsers read is ``X-Content-Type-Options``.)  Without sniffing, a
    user upload served as ``image/png`` cannot be run as a script or style sheet.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``X-Content-Type-Options: nosniff`` to the response headers."""
        set_default(response, NOSNIFF)
        return response


class StrictTransportSecurityMiddleware(BaseMiddleware):
    """Send ``Strict-Transport-Security`` on https responses.

    Settings: ``STS_MAX_AGE`` (seconds, default one year),
    ``STS_INCLUDE_SUBDOMAINS`` (default True), ``STS_PRELOAD`` (default False).
    Following RFC 6797 section 7.2 the header is sent only on secure requests
    (``request.is_secure()``, which honours ``SECURE_PROXY_SSL_HEADER``):
    browsers ignore it over plain HTTP, where an attacker could strip it anyway.
    """

    OPTIONAL_SETTINGS = ("STS_MAX_AGE", "STS_INCLUDE_SUBDOMAINS", "STS_PRELOAD")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``Strict-Transport-Security`` to secure responses."""
        add_hsts(request, response)
        return response


class XFrameOptionsMiddleware(BaseMiddleware):
    """Send ``X-Frame-Options`` (``X_FRAME_OPTIONS``: deny, sameorigin (default), allow-from <url>).

    Values are case-insensitive.  Responses that already carry the header, or
    that Django's ``xframe_options_exempt`` marked, are left alone, as are
    paths matching ``X_FRAME_OPTIONS_EXCLUDE_URLS``.  Browsers no longer honour
    ``ALLOW-FROM``, so ``allow-from <url>`` also becomes the CSP directive
    ``frame-ancestors <url>``: exposed as ``response.security_frame_ancestors``
    for ContentSecurityPolicyMiddleware to merge when it runs later, or merged
    into (or sent as) the response's ``Content-Security-Policy`` here.
    """

    OPTIONAL_SETTINGS = ("X_FRAME_OPTIONS", "X_FRAME_OPTIONS_EXCLUDE_URLS")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``X-Frame-Options`` (and ``frame-ancestors`` for allow-from) to the response."""
        add_frame_options(request, response)
        return response


FrameOptionsMiddleware = XFrameOptionsMiddleware


class XssProtectMiddleware(BaseMiddleware):
    """Send ``X-XSS-Protection`` (``XSS_PROTECT``: sanitize (default) -> 1, on -> 1; mode=block, off -> 0).

    Current browsers removed their XSS auditors; ``off`` is the recommended
    value today (system check ``security.W041``), with a CSP doing the job.
    """

    OPTIONAL_SETTINGS = ("XSS_PROTECT",)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``X-XSS-Protection`` to the response headers."""
        set_default(response, xss_header())
        return response


class P3PPolicyMiddleware(BaseMiddleware):
    """Send ``P3P: policyref="<P3P_POLICY_URL>", CP="<P3P_COMPACT_POLICY>"``.

    ``P3P_COMPACT_POLICY`` is required; ``P3P_POLICY_URL`` defaults to
    ``/w3c/p3p.xml`` (the policy file is the site's to write).  P3P work stopped
    in 2002 and no current browser reads it (system check ``security.W042``).
    """

    REQUIRED_SETTINGS = ("P3P_COMPACT_POLICY",)
    OPTIONAL_SETTINGS = ("P3P_POLICY_URL",)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add the P3P policy to the response headers."""
        item = p3p_header()
        if item is not None:
            set_default(response, item)
        return response


class ReferrerPolicyMiddleware(BaseMiddleware):
    """Send ``Referrer-Policy`` from ``REFERRER_POLICY`` (default ``same-origin``).

    A string or list of policy tokens; with several, browsers use the last
    one they understand, so older fallbacks go first.
    """

    OPTIONAL_SETTINGS = ("REFERRER_POLICY",)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        set_default(response, referrer_header())
        return response


class PermissionsPolicyMiddleware(BaseMiddleware):
    """Send ``Permissions-Policy`` from the ``PERMISSIONS_POLICY`` dict (feature -> allowlist).

    ``{"geolocation": [], "camera": ["self"], "fullscreen": "*"}`` becomes
    ``geolocation=(), camera=(self), fullscreen=*``.  Nothing is sent while
    the dict is empty (the default).
    """

    OPTIONAL_SETTINGS = ("PERMISSIONS_POLICY",)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        item = permissions_header()
        if item is not None:
            set_default(response, item)
            add_reports_endpoint(request, response)
        return response


class CrossOriginIsolationMiddleware(BaseMiddleware):
    """Send ``Cross-Origin-Opener/Embedder/Resource-Policy`` headers.

    Settings: ``CROSS_ORIGIN_OPENER_POLICY`` (default ``same-origin``),
    ``CROSS_ORIGIN_EMBEDDER_POLICY`` (default None: not sent) and
    ``CROSS_ORIGIN_RESOURCE_POLICY`` (default ``same-origin``).  COOP
    ``same-origin`` with COEP ``require-corp`` or ``credentialless`` makes the
    page cross-origin isolated (``SharedArrayBuffer``, precise timers).
    """

    OPTIONAL_SETTINGS = tuple(values.CROSS_ORIGIN_POLICIES)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        for item in cross_origin_headers():
            set_default(response, item)
        add_reports_endpoint(request, response)
        return response


class ClearSiteDataMiddleware(BaseMiddleware):
    """Send ``Clear-Site-Data`` on the paths of ``CLEAR_SITE_DATA_URLS`` (e.g. logout).

    ``CLEAR_SITE_DATA`` lists what the browser wipes for this origin (default
    ``cache``, ``cookies``, ``storage``).  Browsers act on it only over https
    (and on localhost).
    """

    OPTIONAL_SETTINGS = ("CLEAR_SITE_DATA", "CLEAR_SITE_DATA_URLS")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        add_clear_site_data(request, response)
        return response


# -- all of them in one pass ------------------------------------------------------------

#: ``SECURITY_HEADERS`` names -> the static header(s) they add (None when not configured).
_STATIC: dict[str, Callable[[], tuple[Header, ...]]] = {
    "nosniff": lambda: (NOSNIFF,),
    "xss-protection": lambda: (xss_header(),),
    "p3p": lambda: tuple(filter(None, [p3p_header()])),
    "referrer-policy": lambda: (referrer_header(),),
    "permissions-policy": lambda: tuple(filter(None, [permissions_header()])),
    "cross-origin": cross_origin_headers,
}
#: ``SECURITY_HEADERS`` names -> the function adding a header that depends on the request.
_DYNAMIC: dict[str, Callable[[HttpRequest, HttpResponseBase], None]] = {
    "hsts": add_hsts,
    "frame-options": add_frame_options,
    "clear-site-data": add_clear_site_data,
}
#: Every name ``SECURITY_HEADERS`` accepts.
HEADER_FAMILIES = frozenset(_STATIC) | frozenset(_DYNAMIC)


@conf.compiled
def combined_plan() -> tuple[tuple[Header, ...], tuple[Callable[[HttpRequest, HttpResponseBase], None], ...]]:
    """The static headers and request-dependent steps ``SECURITY_HEADERS`` selects."""
    names = conf.get("SECURITY_HEADERS")
    if isinstance(names, str) or not isinstance(names, list | tuple | set | frozenset):
        logger.error("SECURITY_HEADERS must be a list of header names; using the default.")
        names = conf.DEFAULTS["SECURITY_HEADERS"]
    unknown = sorted(str(name) for name in names if name not in HEADER_FAMILIES)
    if unknown:
        logger.error("SECURITY_HEADERS: unknown names %s are ignored (run manage.py check).", unknown)
    static = tuple(item for name in names if name in _STATIC for item in _STATIC[name]())
    dynamic = tuple(_DYNAMIC[name] for name in names if name in _DYNAMIC)
    if {"permissions-policy", "cross-origin"} & set(names):
        dynamic += (add_reports_endpoint,)  # the endpoint their report-to names
    return static, dynamic


class SecurityHeadersMiddleware(BaseMiddleware):
    """Every response header of the package in one middleware, one pass per response.

    ``SECURITY_HEADERS`` lists which: ``nosniff``, ``hsts``, ``frame-options``,
    ``referrer-policy``, ``permissions-policy``, ``cross-origin`` and
    ``clear-site-data`` by default; ``xss-protection`` and ``p3p`` on request.
    Each behaves exactly like its own middleware (same settings, same rules),
    at the cost of one middleware layer instead of one per header.
    """

    OPTIONAL_SETTINGS = ("SECURITY_HEADERS",)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        static, dynamic = combined_plan()
        for item in static:
            set_default(response, item)
        for add in dynamic:
            add(request, response)
        return response
