"""``ContentSecurityPolicyMiddleware``: send the policies compiled from settings.

A thin adapter over :mod:`security.csp.policy`.  Settings are compiled once
(and again after ``setting_changed``) into header values; per request the
middleware only puts a lazy nonce on the request and, on the way out, picks
the precompiled value, inserts the nonce if the page used it, applies per-view
changes (themselves compiled once per decorator) and sets the headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control

from ..csp import policy as csp
from ..csp.config import (
    ENFORCE_HEADER,
    POLICY_SETTINGS,
    REPORT_ONLY_HEADER,
    SETTINGS,
    URL_UNSAFE,
    first_error,
    legacy_dict_problems,
    mode_headers,
)
from ..csp.nonce import LazyNonce
from ..headers import SettingError
from ..log import logger
from .compiled import CompiledMiddleware
from .header_plans import FramePlan, flag, frame_plan
from .response_headers import Header, set_default
from .response_headers import header as ready_header

REPORTING_ENDPOINTS_HEADER = "Reporting-Endpoints"

#: Response attribute holding the per-view changes of ``security.decorators``.
CHANGES_ATTRIBUTE = "security_csp"


@dataclass(frozen=True)
class Slot:
    """One header the site sends: which per-view target it is, its header, its compiled form.

    ``framed`` is the policy with the ``frame-ancestors`` of ``X_FRAME_OPTIONS =
    "allow-from <url>"`` added (``X_FRAME_OPTIONS_CSP``), for responses the
    framing rule applies to.
    """

    target: str
    header: str
    base: csp.CompiledPolicy
    framed: csp.CompiledPolicy | None = None


@dataclass
class CspConfig:
    """Everything the middleware needs, derived from settings once."""

    slots: tuple[Slot, ...]
    reporting_endpoints: str | None
    #: The headers of a response without per-view changes, framing or nonce: the common case.
    plain: tuple[Header, ...] = ()
    #: Whether any policy has a nonce source (a streamed page must then get its nonce up front).
    has_nonce: bool = False
    _variants: dict[tuple[str, str, tuple[csp.Change, ...], bool], csp.CompiledPolicy | None] = field(
        default_factory=dict
    )

    def variant(self, slot: Slot, changes: tuple[csp.Change, ...], framed: bool) -> csp.CompiledPolicy | None:
        """The slot's policy after a view's changes (and framing), compiled on first use and cached."""
        key = (slot.target, slot.header, changes, framed)
        try:
            return self._variants[key]
        except KeyError:
            pass
        start = slot.framed if framed and slot.framed is not None else slot.base
        changed = csp.apply_changes(start.policy, changes, slot.target)
        compiled = None
        if changed is not None:
            compiled = start if changed is start.policy else csp.CompiledPolicy.build(changed)
        self._variants[key] = compiled
        return compiled


# -- compiling settings ---------------------------------------------------------------


def _resolve_url(value: str, setting: str) -> str | None:
    """A URL, or the path of the URL name ``value``; ``None`` (logged) when it cannot be reversed."""
    if "/" in value:
        return value
    try:
        return reverse(value)
    except NoReverseMatch:
        logger.warning(
            "%s: %r is neither a URL nor a URL name of this site; it is left out (see security.W069).",
            setting,
            value,
        )
        return None


def _compile_dict(setting: str, value: Mapping[str, Any]) -> csp.CompiledPolicy:
    policy = csp.from_dict(value)
    report_uris = policy.get("report-uri")
    if report_uris:
        resolved = tuple(url for url in (_resolve_url(uri, setting) for uri in report_uris) if url)
        policy = policy.with_directive("report-uri", resolved or None)
    return csp.CompiledPolicy.build(policy)


def _compile_endpoints(endpoints: Mapping[str, str] | None) -> str | None:
    members = []
    for name, target in (endpoints or {}).items():
        url = _resolve_url(target, "CSP_REPORTING_ENDPOINTS")
        if url is not None and not URL_UNSAFE.search(url):
            members.append(f'{name}="{url}"')
    return ", ".join(members) or None


# -- the middleware ---------------------------------------------------------------------------


class LegacyPolicyError(ImproperlyConfigured, MiddlewareNotUsed):
    """Raised by the original's private ``_csp_builder``, which signalled bad policies as
    ``MiddlewareNotUsed``; never raised while the middleware is built."""


class ContentSecurityPolicyMiddleware(CompiledMiddleware):
    """Adds the Content-Security-Policy (or -Report-Only) header compiled from settings.

    ``CSP_MODE`` (``enforce``, ``report-only`` or ``enforce-and-report-only``)
    picks the header(s) of the policy in ``CSP_DICT`` or ``CSP_STRING``;
    ``CSP_REPORT_ONLY_DICT`` / ``CSP_REPORT_ONLY_STRING`` add a second,
    report-only policy.  With no policy at all the middleware is not used
    (``MiddlewareNotUsed``); a wrong mode, both forms of one policy, or an
    invalid policy raise ``ImproperlyConfigured`` when it is built.  A
    ``nonce`` source makes ``request.csp_nonce`` appear in the header of
    responses that used it; such responses get ``Cache-Control: private``.
    """

    OPTIONAL_SETTINGS = (
        *SETTINGS,
        "X_FRAME_OPTIONS",
        "X_FRAME_OPTIONS_EXCLUDE_URLS",
        "X_FRAME_OPTIONS_CSP",
    )

    _config: CspConfig | None = None
    _frame: FramePlan | None = None

    def compile(self) -> None:
        finding = first_error(self.setting)
        if finding is not None:
            raise SettingError(str(finding))
        if all(self.setting(name) is None for pair in POLICY_SETTINGS for name in pair) and self._loading:
            # As the original: without a policy there is nothing to send.  (After a settings
            # change in tests the middleware stays in place and sends nothing.)
            raise MiddlewareNotUsed("No CSP_DICT or CSP_STRING is set.")
        self._frame = None
        if flag("X_FRAME_OPTIONS_CSP", self.setting("X_FRAME_OPTIONS_CSP")):
            frame = frame_plan(self.setting)
            self._frame = frame if frame.frame_ancestors else None
        self._config = None  # built on first use: URL names need the URLconf

    def _build_config(self) -> CspConfig:
        slots = []
        headers = mode_headers(self.setting("CSP_MODE")) or ()
        for (dict_setting, string_setting), slot_headers, target in (
            (POLICY_SETTINGS[0], headers, csp.MAIN),
            (POLICY_SETTINGS[1], (REPORT_ONLY_HEADER,), csp.REPORT_ONLY),
        ):
            policy_dict, policy_string = self.setting(dict_setting), self.setting(string_setting)
            if policy_dict is not None:
                compiled = _compile_dict(dict_setting, policy_dict)
                framed = self._framed(compiled)
            elif policy_string is not None:
                compiled, framed = csp.CompiledPolicy.verbatim(policy_string), None
            else:
                continue
            for header in slot_headers:
                slots.append(Slot(target, header, compiled, framed if header == ENFORCE_HEADER else None))
        plain: dict[str, list[str]] = {}
        for slot in slots:
            plain.setdefault(slot.header, []).append(slot.base.plain)
        config = CspConfig(
            tuple(slots),
            _compile_endpoints(self.setting("CSP_REPORTING_ENDPOINTS")),
            plain=tuple(ready_header(name, ", ".join(values)) for name, values in plain.items()),
            has_nonce=any(slot.base.parts is not None for slot in slots),
        )
        self._config = config
        return config

    def _framed(self, compiled: csp.CompiledPolicy) -> csp.CompiledPolicy | None:
        """The dict policy with the allow-from origin as ``frame-ancestors`` (X_FRAME_OPTIONS_CSP)."""
        if self._frame is None or "frame-ancestors" in compiled.policy:
            return None
        return csp.CompiledPolicy.build(
            compiled.policy.with_directive("frame-ancestors", self._frame.frame_ancestors)
        )

    def _csp_builder(self, csp_dict: Any) -> str:
        """The original's private policy builder: a ``CSP_DICT`` as a header value (compatibility)."""
        problems = legacy_dict_problems(csp_dict)
        if problems:
            raise LegacyPolicyError(f"Invalid CSP policy: {problems[0]}.")
        return csp.CompiledPolicy.build(csp.from_dict(csp_dict)).plain

    def process_request(self, request: HttpRequest) -> None:
        if self._stale:
            self.refresh()
        request.csp_nonce = LazyNonce()  # type: ignore[attr-defined]
        # Django 6.x's ``csp`` context processor (and so the 6.1 admin's ``{% csp_nonce_attr %}``)
        # reads ``request._csp_nonce``: give it ours, so the nonce in the page is the one we send.
        request._csp_nonce = request.csp_nonce  # type: ignore[attr-defined]
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        config = self._config or self._build_config()
        changes: tuple[csp.Change, ...] = getattr(response, CHANGES_ATTRIBUTE, ())
        frame = self._frame
        framed = frame is not None and frame.applies(request, response)
        if not changes and not framed and not (config.has_nonce and _wants_nonce(request, response)):
            # The common case: the precompiled headers as they are.
            for item in config.plain:
                set_default(response, item)
            if config.plain and config.reporting_endpoints:
                _add_reporting_endpoints(response, config.reporting_endpoints)
            return response
        policies = [
            (slot.header, config.variant(slot, changes, framed) if changes or framed else slot.base)
            for slot in config.slots
        ]
        nonce_holder = getattr(request, "csp_nonce", None)
        nonce = None
        if isinstance(nonce_holder, LazyNonce):
            # A streamed page may read the nonce after the headers are gone: give it one now
            # if this view's policy (decorators included) has a nonce source.
            streamed = response.streaming and any(
                compiled is not None and compiled.parts is not None for _, compiled in policies
            )
            if nonce_holder.used or streamed:
                nonce = nonce_holder.value

        values: dict[str, list[str]] = {}
        nonce_sent: dict[str, bool] = {}
        for header, compiled in policies:
            if compiled is None:
                continue  # exempt
            values.setdefault(header, []).append(compiled.render(nonce))
            nonce_sent[header] = nonce_sent.get(header, False) or (
                nonce is not None and compiled.parts is not None
            )

        sent_nonce = False
        for header, parts in values.items():
            if header in response.headers:
                continue  # the view (or an earlier pass) set this policy itself
            response.headers[header] = ", ".join(parts)
            sent_nonce = sent_nonce or nonce_sent[header]
        if sent_nonce:
            # The page embeds a one-time nonce: no shared cache may replay it.
            patch_cache_control(response, private=True)
        if values and config.reporting_endpoints:
            _add_reporting_endpoints(response, config.reporting_endpoints)
        return response


def _wants_nonce(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether the page read its nonce, or is streamed (and may read it after the headers left)."""
    holder = getattr(request, "csp_nonce", None)
    return isinstance(holder, LazyNonce) and (holder.used or response.streaming)


def _add_reporting_endpoints(response: HttpResponseBase, value: str) -> None:
    """Set Reporting-Endpoints, keeping endpoints another component already declared."""
    existing = response.headers.get(REPORTING_ENDPOINTS_HEADER)
    if not existing:
        response.headers[REPORTING_ENDPOINTS_HEADER] = value
        return
    names = {member.split("=", 1)[0].strip() for member in existing.split(",")}
    missing = [member for member in value.split(", ") if member.split("=", 1)[0] not in names]
    if missing:
        response.headers[REPORTING_ENDPOINTS_HEADER] = ", ".join([existing, *missing])
