"""``ContentSecurityPolicyMiddleware``: send the policies compiled from settings.

A thin adapter over :mod:`security.csp.policy`.  Settings are compiled once
(and again after ``setting_changed``) into header values; per request the
middleware only puts a lazy nonce on the request and, on the way out, picks
the precompiled value, inserts the nonce if the page used it, applies per-view
changes (themselves compiled once per decorator) and sets the headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control

from .. import conf
from ..csp import policy as csp
from ..csp.nonce import LazyNonce
from ..log import logger
from .base import BaseMiddleware

ENFORCE_HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"
REPORTING_ENDPOINTS_HEADER = "Reporting-Endpoints"
MODES = {"enforce": ENFORCE_HEADER, "report-only": REPORT_ONLY_HEADER}

#: Response attribute holding the per-view changes of ``security.decorators``.
CHANGES_ATTRIBUTE = "security_csp"
#: Response attribute set by ``XFrameOptionsMiddleware`` for ``X_FRAME_OPTIONS = "allow-from <url>"``.
FRAME_ANCESTORS_ATTRIBUTE = "security_frame_ancestors"

_ENDPOINT_NAME = re.compile(r"^[a-z*][a-z0-9_.*-]*$")
_URL_UNSAFE = re.compile(r'[\s"\\,;\x00-\x1f\x7f]')


@dataclass(frozen=True)
class Slot:
    """One policy the site sends: which per-view target it is, its header, its compiled form."""

    target: str
    header: str
    base: csp.CompiledPolicy


@dataclass
class CspConfig:
    """Everything the middleware needs, derived from settings once."""

    slots: tuple[Slot, ...]
    reporting_endpoints: str | None
    _variants: dict[tuple[str, tuple[csp.Change, ...]], csp.CompiledPolicy | None] = field(
        default_factory=dict
    )

    def variant(self, slot: Slot, changes: tuple[csp.Change, ...]) -> csp.CompiledPolicy | None:
        """The slot's policy after a view's changes, compiled on first use and cached."""
        key = (slot.target, changes)
        try:
            return self._variants[key]
        except KeyError:
            pass
        changed = csp.apply_changes(slot.base.policy, changes, slot.target)
        compiled = None
        if changed is not None:
            compiled = slot.base if changed is slot.base.policy else csp.CompiledPolicy.build(changed)
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


def _compile_dict(setting: str, value: Any) -> csp.CompiledPolicy:
    if not isinstance(value, Mapping):
        raise ImproperlyConfigured(
            f"{setting} must be a dict of directive -> sources, not {type(value).__name__}."
        )
    policy = csp.from_dict(value)
    report_uris = policy.get("report-uri")
    if report_uris:
        resolved = tuple(url for url in (_resolve_url(uri, setting) for uri in report_uris) if url)
        policy = policy.with_directive("report-uri", resolved or None)
    return csp.CompiledPolicy.build(policy)


def _compile_policy(dict_setting: str, string_setting: str) -> csp.CompiledPolicy | None:
    policy_dict, policy_string = conf.get(dict_setting), conf.get(string_setting)
    if policy_dict is not None:
        return _compile_dict(dict_setting, policy_dict)
    if policy_string is not None:
        if not isinstance(policy_string, str):
            raise ImproperlyConfigured(f"{string_setting} must be a str, not {type(policy_string).__name__}.")
        return csp.CompiledPolicy.verbatim(policy_string)
    return None


def _compile_endpoints() -> str | None:
    endpoints = conf.get("CSP_REPORTING_ENDPOINTS") or {}
    if not isinstance(endpoints, Mapping):
        raise ImproperlyConfigured(
            "CSP_REPORTING_ENDPOINTS must be a dict of endpoint name -> URL or URL name."
        )
    members = []
    for name, target in endpoints.items():
        url = _resolve_url(str(target), "CSP_REPORTING_ENDPOINTS")
        if url is None:
            continue
        if not _ENDPOINT_NAME.match(str(name)) or _URL_UNSAFE.search(url) or not url.isascii():
            logger.warning("CSP_REPORTING_ENDPOINTS: %r -> %r is not a valid endpoint; left out.", name, url)
            continue
        members.append(f'{name}="{url}"')
    return ", ".join(members) or None


def check_configuration() -> str:
    """Raise ``ImproperlyConfigured`` for contradictory settings; return the mode's header.

    Cheap and free of URL resolution, so the middleware runs it at construction.
    """
    mode = conf.get("CSP_MODE") or "enforce"
    if not isinstance(mode, str) or mode.lower() not in MODES:
        raise ImproperlyConfigured(f"CSP_MODE must be 'enforce' or 'report-only', not {mode!r}.")
    for dict_setting, string_setting in (
        ("CSP_DICT", "CSP_STRING"),
        ("CSP_REPORT_ONLY_DICT", "CSP_REPORT_ONLY_STRING"),
    ):
        if conf.get(dict_setting) is not None and conf.get(string_setting) is not None:
            raise ImproperlyConfigured(
                f"Set either {dict_setting} or {string_setting}, not both: the middleware cannot tell "
                "which policy you mean."
            )
    return MODES[mode.lower()]


@conf.compiled
def compiled_config() -> CspConfig:
    """The policies and headers of the current settings, built on first use (URL names resolved then)."""
    header = check_configuration()
    slots = []
    main = _compile_policy("CSP_DICT", "CSP_STRING")
    if main is not None:
        slots.append(Slot(csp.MAIN, header, main))
    extra = _compile_policy("CSP_REPORT_ONLY_DICT", "CSP_REPORT_ONLY_STRING")
    if extra is not None:
        slots.append(Slot(csp.REPORT_ONLY, REPORT_ONLY_HEADER, extra))
    return CspConfig(tuple(slots), _compile_endpoints() if slots else None)


# -- the middleware ---------------------------------------------------------------------------


class ContentSecurityPolicyMiddleware(BaseMiddleware):
    """Adds the Content-Security-Policy (or -Report-Only) header compiled from settings.

    ``CSP_MODE`` picks the header of the policy in ``CSP_DICT`` or ``CSP_STRING``
    (setting both raises ``ImproperlyConfigured``); ``CSP_REPORT_ONLY_DICT`` /
    ``CSP_REPORT_ONLY_STRING`` add a second, report-only policy.  A ``nonce``
    source makes ``request.csp_nonce`` appear in the header of responses that
    used it; such responses get ``Cache-Control: private``.
    """

    OPTIONAL_SETTINGS = (
        "CSP_MODE",
        "CSP_DICT",
        "CSP_STRING",
        "CSP_REPORT_ONLY_DICT",
        "CSP_REPORT_ONLY_STRING",
        "CSP_REPORTING_ENDPOINTS",
    )

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        check_configuration()  # raise ImproperlyConfigured now, not on the first request

    def load_setting(self, setting: str, value: Any) -> None:
        """Settings are read through :func:`compiled_config`, rebuilt after any change."""

    def process_request(self, request: HttpRequest) -> None:
        request.csp_nonce = LazyNonce()  # type: ignore[attr-defined]
        # Django 6.x's ``csp`` context processor (and so the 6.1 admin's ``{% csp_nonce_attr %}``)
        # reads ``request._csp_nonce``: give it ours, so the nonce in the page is the one we send.
        request._csp_nonce = request.csp_nonce  # type: ignore[attr-defined]
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        config = compiled_config()
        frame_ancestors = getattr(response, FRAME_ANCESTORS_ATTRIBUTE, None)
        if not config.slots:
            # No policy of ours, but XFrameOptionsMiddleware left frame-ancestors for us to send.
            _merge_frame_ancestors(response, frame_ancestors)
            return response
        changes: tuple[csp.Change, ...] = getattr(response, CHANGES_ATTRIBUTE, ())
        policies = [
            (slot.header, config.variant(slot, changes) if changes else slot.base) for slot in config.slots
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
            existing = response.headers.get(header)
            if existing is not None and not _only_frame_ancestors(existing, frame_ancestors):
                continue  # the view (or an earlier pass) set this policy itself
            response.headers[header] = ", ".join(parts)
            sent_nonce = sent_nonce or nonce_sent[header]
        _merge_frame_ancestors(response, frame_ancestors)
        if sent_nonce:
            # The page embeds a one-time nonce: no shared cache may replay it.
            patch_cache_control(response, private=True)
        if values and config.reporting_endpoints:
            _add_reporting_endpoints(response, config.reporting_endpoints)
        return response


def _merge_frame_ancestors(response: HttpResponseBase, frame_ancestors: Any) -> None:
    """X_FRAME_OPTIONS = "allow-from <url>": add its ``frame-ancestors`` to the enforced policy.

    The same merge XFrameOptionsMiddleware does when it runs after us, so the
    result does not depend on the middleware order.
    """
    if frame_ancestors:
        policy = response.headers.get(ENFORCE_HEADER, "")
        merged = csp.with_frame_ancestors(policy, frame_ancestors)
        if merged:
            response.headers[ENFORCE_HEADER] = merged


def _only_frame_ancestors(existing: str, frame_ancestors: Any) -> bool:
    """Whether ``existing`` is just the ``frame-ancestors`` X-Frame-Options wrote, ours to replace."""
    if not frame_ancestors:
        return False
    return csp.parse(existing).directives == (("frame-ancestors", tuple(frame_ancestors)),)


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
