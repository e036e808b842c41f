"""Static response-header middleware: every header value is built once per instance from settings.

Each middleware compiles its family (:mod:`.header_plans`) when it is built
and again when one of its settings changes; a wrong value raises
``ImproperlyConfigured`` naming the setting, at application load.  Per
response it adds the ready headers unless the response already carries them,
so a view or decorator that set one wins and no header is ever sent twice.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase

from . import header_plans
from .base import BaseMiddleware
from .compiled import CompiledMiddleware
from .header_plans import FAMILIES, Plan

#: Every name ``SECURITY_HEADERS`` accepts.
HEADER_FAMILIES = frozenset(FAMILIES)


class HeaderMiddleware(CompiledMiddleware):
    """One header family: ``FAMILY`` names it; its settings are the family's."""

    FAMILY = ""
    _plan: Plan = Plan()

    def compile(self) -> None:
        self._plan = FAMILIES[self.FAMILY].build(self.setting)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if self._stale:
            self.refresh()
        self._plan.apply(request, response)
        return response

    #: Whether the class keeps the base request hooks (no-ops), so ``__call__`` may skip them.
    _response_only = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._response_only = all(
            getattr(cls, hook) is getattr(BaseMiddleware, hook)
            for hook in ("process_request", "aprocess_request", "aprocess_response")
        )

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async or not self._response_only:
            return super().__call__(request)
        if self._stale:
            self.refresh()  # before the view: a wrong value refuses the request, not just its headers
        # Header middleware have nothing to do before the view: skip the no-op request hook.
        return self.process_response(request, self.get_response(request))  # type: ignore[arg-type]


class ContentNoSniff(HeaderMiddleware):
    """Send ``X-Content-Type-Options: nosniff`` so browsers trust the declared Content-Type.

    Without sniffing, a user upload served as ``image/png`` cannot be run as a
    script or style sheet.  The header name the original documentation uses,
    ``X-Content-Options``, is sent as well (``NOSNIFF_LEGACY_HEADER = False``
    drops it); browsers read only ``X-Content-Type-Options``.
    """

    FAMILY = "nosniff"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``X-Content-Type-Options: nosniff`` (and ``X-Content-Options``) to the response."""
        return super().process_response(request, response)


class StrictTransportSecurityMiddleware(HeaderMiddleware):
    """Send ``Strict-Transport-Security`` (RFC 6797).

    Settings: ``STS_MAX_AGE`` (seconds, default one year),
    ``STS_INCLUDE_SUBDOMAINS`` (default True), ``STS_PRELOAD`` (default False).
    Sent on every response, as documented: browsers ignore it over plain HTTP,
    and behind a TLS-terminating proxy without ``SECURE_PROXY_SSL_HEADER`` a
    secure-only rule would drop it everywhere.  ``STS_SECURE_ONLY = True``
    sends it on secure requests only (RFC 6797 section 7.2).
    """

    FAMILY = "hsts"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``Strict-Transport-Security`` to the response."""
        return super().process_response(request, response)


class XFrameOptionsMiddleware(HeaderMiddleware):
    """Send ``X-Frame-Options`` (``X_FRAME_OPTIONS``: deny, sameorigin (default), allow-from <url>).

    The value is sent as written (``None`` means ``deny``, as in the
    original).  Responses that already carry the header, or that Django's
    ``xframe_options_exempt`` marked, are left alone, as are paths matching
    ``X_FRAME_OPTIONS_EXCLUDE_URLS``.  Browsers ignore ``ALLOW-FROM``: with
    ``X_FRAME_OPTIONS_CSP = True`` ContentSecurityPolicyMiddleware adds the
    equivalent ``frame-ancestors`` to a ``CSP_DICT`` policy (check
    ``security.W050`` says so otherwise).
    """

    FAMILY = "frame-options"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``X-Frame-Options`` to the response."""
        return super().process_response(request, response)


FrameOptionsMiddleware = XFrameOptionsMiddleware


class XssProtectMiddleware(HeaderMiddleware):
    """Send ``X-XSS-Protection`` (``XSS_PROTECT``: sanitize (default) -> 1, on -> 1; mode=block, off -> 0).

    Current browsers removed their XSS auditors; ``off`` is the recommended
    value today (system check ``security.W041``), with a CSP doing the job.
    """

    FAMILY = "xss-protection"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add ``X-XSS-Protection`` to the response headers."""
        return super().process_response(request, response)


class P3PPolicyMiddleware(HeaderMiddleware):
    """Send ``P3P: policyref="<P3P_POLICY_URL>" CP="<P3P_COMPACT_POLICY>"``.

    ``P3P_COMPACT_POLICY`` is required; ``P3P_POLICY_URL`` defaults to
    ``/w3c/p3p.xml`` (the policy file is the site's to write).  P3P work stopped
    in 2002 and no current browser reads it (system check ``security.W042``).
    """

    FAMILY = "p3p"
    REQUIRED_SETTINGS = ("P3P_COMPACT_POLICY",)
    OPTIONAL_SETTINGS = ("P3P_POLICY_URL",)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """Add the P3P policy to the response headers."""
        return super().process_response(request, response)


class ReferrerPolicyMiddleware(HeaderMiddleware):
    """Send ``Referrer-Policy`` from ``REFERRER_POLICY`` (default ``same-origin``; ``off`` sends none).

    A string or list of policy tokens; with several, browsers use the last
    one they understand, so older fallbacks go first.
    """

    FAMILY = "referrer-policy"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings


class PermissionsPolicyMiddleware(HeaderMiddleware):
    """Send ``Permissions-Policy`` from the ``PERMISSIONS_POLICY`` dict (feature -> allowlist).

    ``{"geolocation": [], "camera": ["self"], "fullscreen": "*"}`` becomes
    ``geolocation=(), camera=(self), fullscreen=*``.  Nothing is sent while
    the dict is empty (the default).
    """

    FAMILY = "permissions-policy"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings


class CrossOriginIsolationMiddleware(HeaderMiddleware):
    """Send ``Cross-Origin-Opener/Embedder/Resource-Policy`` headers.

    Settings: ``CROSS_ORIGIN_OPENER_POLICY`` (default ``same-origin``),
    ``CROSS_ORIGIN_EMBEDDER_POLICY`` (default None: not sent) and
    ``CROSS_ORIGIN_RESOURCE_POLICY`` (default ``same-origin``).  COOP
    ``same-origin`` with COEP ``require-corp`` or ``credentialless`` makes the
    page cross-origin isolated (``SharedArrayBuffer``, precise timers).
    """

    FAMILY = "cross-origin"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings


class ClearSiteDataMiddleware(HeaderMiddleware):
    """Send ``Clear-Site-Data`` on the paths of ``CLEAR_SITE_DATA_URLS`` (e.g. logout).

    ``CLEAR_SITE_DATA`` lists what the browser wipes for this origin (default
    ``cache``, ``cookies``, ``storage``).  Browsers act on it only over https
    (and on localhost).
    """

    FAMILY = "clear-site-data"
    OPTIONAL_SETTINGS = FAMILIES[FAMILY].settings


class SecurityHeadersMiddleware(HeaderMiddleware):
    """Every response header of the package in one middleware, one pass per response.

    ``SECURITY_HEADERS`` lists which: ``nosniff``, ``hsts``, ``frame-options``,
    ``referrer-policy``, ``permissions-policy``, ``cross-origin`` and
    ``clear-site-data`` by default; ``xss-protection`` and ``p3p`` on request.
    Each behaves exactly like its own middleware (same settings, same rules),
    at the cost of one middleware layer instead of one per header.
    """

    OPTIONAL_SETTINGS = (
        "SECURITY_HEADERS",
        *dict.fromkeys(name for family in FAMILIES.values() for name in family.settings),
    )

    def compile(self) -> None:
        self._plan = header_plans.combined(self.setting)
