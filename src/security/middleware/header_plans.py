"""What each header family adds to a response, compiled from setting values.

A family (``hsts``, ``frame-options`` ...) is the settings it reads and a
builder turning them into a :class:`Plan`: headers added to every response,
plus steps for headers that depend on the request.  The single-header
middleware and ``SecurityHeadersMiddleware`` run the same builders, which call
the same pure value functions as the system checks (:mod:`security.headers`),
so both always agree on what is valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.http import HttpRequest, HttpResponseBase

from .. import paths
from ..headers import SettingError, framing, permissions, reporting, values
from ..paths import NO_RULES, EitherFormRules
from .response_headers import Header, has, header, replace, set_default

Getter = Callable[[str], Any]
Step = Callable[[HttpRequest, HttpResponseBase], None]


class Plan(NamedTuple):
    """Ready work for one response: headers added as they are, and request-dependent steps."""

    static: tuple[Header, ...] = ()
    dynamic: tuple[Step, ...] = ()

    def __add__(self, other: tuple[Any, ...]) -> Plan:
        assert isinstance(other, Plan)
        return Plan(self.static + other.static, self.dynamic + other.dynamic)

    def apply(self, request: HttpRequest, response: HttpResponseBase) -> None:
        for item in self.static:
            set_default(response, item)
        for step in self.dynamic:
            step(request, response)


def path_rules(setting: str, rules: Any) -> EitherFormRules:
    """Compiled URL regexes of ``setting``; ``SettingError`` when they are not a list of valid regexes."""
    if not rules:
        return NO_RULES
    if isinstance(rules, str) or not isinstance(rules, list | tuple):
        raise SettingError(f"{setting} must be a list of regular expressions, not {type(rules).__name__}")
    for rule in rules:
        problem = paths.compile_error(rule)
        if problem:
            raise SettingError(f"{setting}: {problem}")
    return EitherFormRules(rules)


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingError(f"{name} must be True or False, not {value!r}")
    return value


# -- the families ------------------------------------------------------------------------


def nosniff(get: Getter) -> Plan:
    items = [header("X-Content-Type-Options", "nosniff")]
    if flag("NOSNIFF_LEGACY_HEADER", get("NOSNIFF_LEGACY_HEADER")):
        # The header name the original documentation uses; harmless, and old tests look for it.
        items.append(header("X-Content-Options", "nosniff"))
    return Plan(tuple(items))


def hsts(get: Getter) -> Plan:
    item = header(
        "Strict-Transport-Security",
        values.hsts(get("STS_MAX_AGE"), get("STS_INCLUDE_SUBDOMAINS"), get("STS_PRELOAD")),
    )
    if not flag("STS_SECURE_ONLY", get("STS_SECURE_ONLY")):
        return Plan((item,))

    def add_on_secure(request: HttpRequest, response: HttpResponseBase) -> None:
        if request.is_secure():
            set_default(response, item)

    return Plan(dynamic=(add_on_secure,))


@dataclass(frozen=True)
class FramePlan:
    """The compiled ``X_FRAME_OPTIONS`` family, also read by the CSP middleware for frame-ancestors."""

    header: Header
    frame_ancestors: tuple[str, ...]
    exclusions: EitherFormRules

    def applies(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        """Whether this response gets the framing rule (not exempted by decorator or path)."""
        return not getattr(response, "xframe_options_exempt", False) and not self.exclusions.matches(
            request.path_info
        )


def frame_plan(get: Getter) -> FramePlan:
    options = framing.frame_options(get("X_FRAME_OPTIONS"))
    return FramePlan(
        header("X-Frame-Options", options.header),
        options.frame_ancestors,
        path_rules("X_FRAME_OPTIONS_EXCLUDE_URLS", get("X_FRAME_OPTIONS_EXCLUDE_URLS")),
    )


def frame_options(get: Getter) -> Plan:
    compiled = frame_plan(get)

    def add_frame_options(request: HttpRequest, response: HttpResponseBase) -> None:
        if not has(response, "x-frame-options") and compiled.applies(request, response):
            replace(response, compiled.header)

    return Plan(dynamic=(add_frame_options,))


def xss_protection(get: Getter) -> Plan:
    return Plan((header("X-XSS-Protection", values.xss_protection(get("XSS_PROTECT"))),))


def p3p(get: Getter) -> Plan:
    return Plan((header("P3P", values.p3p(get("P3P_COMPACT_POLICY"), get("P3P_POLICY_URL"))),))


def referrer_policy(get: Getter) -> Plan:
    value = values.referrer_policy(get("REFERRER_POLICY"))
    return Plan(() if value is None else (header("Referrer-Policy", value),))


def _reports_endpoint(get: Getter) -> tuple[str | None, tuple[Step, ...]]:
    """``SECURITY_REPORTS_ENDPOINT`` as a URL, and the step declaring it in ``Reporting-Endpoints``."""
    url = reporting.endpoint_url(get(reporting.SETTING))
    if url is None:
        return None, ()
    member = reporting.endpoints_member(url)

    def add_reports_endpoint(request: HttpRequest, response: HttpResponseBase) -> None:
        reporting.add_endpoint(response, member)

    return url, (add_reports_endpoint,)


def permissions_policy(get: Getter) -> Plan:
    value = permissions.permissions_policy(get("PERMISSIONS_POLICY"))
    if value is None:
        return Plan()
    url, declare = _reports_endpoint(get)
    if url is not None:
        value = reporting.permissions_with_report_to(value)
    return Plan((header("Permissions-Policy", value),), declare)


#: Cross-origin policies whose header takes a ``report-to`` parameter (HTML standard).
_REPORTING_POLICIES = frozenset({"CROSS_ORIGIN_OPENER_POLICY", "CROSS_ORIGIN_EMBEDDER_POLICY"})


def cross_origin(get: Getter) -> Plan:
    url, declare = _reports_endpoint(get)
    items = []
    for setting, (name, _) in values.CROSS_ORIGIN_POLICIES.items():
        value = values.cross_origin(setting, get(setting))
        if value is not None:
            if url is not None and setting in _REPORTING_POLICIES:
                value = reporting.with_report_to(value)
            items.append(header(name, value))
    return Plan(tuple(items), declare if items else ())


def clear_site_data(get: Getter) -> Plan:
    item = header("Clear-Site-Data", values.clear_site_data(get("CLEAR_SITE_DATA")))
    rules = path_rules("CLEAR_SITE_DATA_URLS", get("CLEAR_SITE_DATA_URLS"))
    if not rules:
        return Plan()

    def add_clear_site_data(request: HttpRequest, response: HttpResponseBase) -> None:
        if rules.matches(request.path_info):
            set_default(response, item)

    return Plan(dynamic=(add_clear_site_data,))


@dataclass(frozen=True)
class Family:
    settings: tuple[str, ...]
    build: Callable[[Getter], Plan]


#: ``SECURITY_HEADERS`` names -> the family.
FAMILIES: dict[str, Family] = {
    "nosniff": Family(("NOSNIFF_LEGACY_HEADER",), nosniff),
    "hsts": Family(("STS_MAX_AGE", "STS_INCLUDE_SUBDOMAINS", "STS_PRELOAD", "STS_SECURE_ONLY"), hsts),
    "frame-options": Family(("X_FRAME_OPTIONS", "X_FRAME_OPTIONS_EXCLUDE_URLS"), frame_options),
    "xss-protection": Family(("XSS_PROTECT",), xss_protection),
    "p3p": Family(("P3P_COMPACT_POLICY", "P3P_POLICY_URL"), p3p),
    "referrer-policy": Family(("REFERRER_POLICY",), referrer_policy),
    "permissions-policy": Family(("PERMISSIONS_POLICY", reporting.SETTING), permissions_policy),
    "cross-origin": Family((*values.CROSS_ORIGIN_POLICIES, reporting.SETTING), cross_origin),
    "clear-site-data": Family(("CLEAR_SITE_DATA", "CLEAR_SITE_DATA_URLS"), clear_site_data),
}


def security_headers_names(value: Any) -> tuple[str, ...]:
    """``SECURITY_HEADERS`` checked: a list of family names."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise SettingError(f"SECURITY_HEADERS must be a list of header names, not {type(value).__name__}")
    unknown = sorted(str(name) for name in value if name not in FAMILIES)
    if unknown:
        raise SettingError(
            f"SECURITY_HEADERS names unknown headers {unknown}; use some of {sorted(FAMILIES)}"
        )
    return tuple(value)


def combined(get: Getter) -> Plan:
    plan = Plan()
    for name in security_headers_names(get("SECURITY_HEADERS")):
        plan = plan + FAMILIES[name].build(get)
    return plan
