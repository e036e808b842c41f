"""Checks of the response-header, privacy and caching settings (ids 040-059).

Errors (bad values) run when the middleware that reads the setting is
installed or the setting is set; warnings about obsolete headers run when
their middleware is installed.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from .. import conf
from ..headers import SettingError, framing, permissions, privacy, values
from ..middleware import caching, header_plans, headers
from ..middleware import privacy as privacy_middleware
from .util import TAG, installed, middleware_classes

Messages = list[checks.CheckMessage]


def _uses(*classes: type[Any]) -> bool:
    return any(installed(cls) for cls in classes)


def _combined_sends(family: str) -> bool:
    """Whether SecurityHeadersMiddleware is installed and sends ``family``."""
    if not installed(headers.SecurityHeadersMiddleware):
        return False
    names = conf.get("SECURITY_HEADERS")
    return isinstance(names, list | tuple | set | frozenset) and family in names


def _relevant(setting: str, middleware: type[Any], family: str | None = None) -> bool:
    return conf.is_set(setting) or installed(middleware) or (family is not None and _combined_sends(family))


def _value_error(check_id: str, setting: str, build: Callable[[], object], hint: str) -> Messages:
    try:
        build()
    except SettingError as error:
        return [checks.Error(f"{error}.", hint=hint, obj=setting, id=check_id)]
    return []


@checks.register(TAG)
def check_hsts(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E040 bad STS_* values; security.W040 preload without the preload list's conditions."""
    names = ("STS_MAX_AGE", "STS_INCLUDE_SUBDOMAINS", "STS_PRELOAD")
    if not any(_relevant(name, headers.StrictTransportSecurityMiddleware, "hsts") for name in names):
        return []
    max_age, subdomains, preload = (conf.get(name) for name in names)
    errors = _value_error(
        "security.E040",
        "STS_MAX_AGE",
        lambda: values.hsts(max_age, subdomains, preload),
        "Use a whole number of seconds for STS_MAX_AGE and True/False for STS_INCLUDE_SUBDOMAINS "
        "and STS_PRELOAD.",
    )
    if errors or not preload:
        return errors
    return [
        checks.Warning(
            f"STS_PRELOAD is on but {problem}; the HSTS preload list will refuse the site.",
            hint="Set STS_MAX_AGE >= 31536000 and STS_INCLUDE_SUBDOMAINS = True, or STS_PRELOAD = False.",
            obj="STS_PRELOAD",
            id="security.W040",
        )
        for problem in values.preload_problems(max_age, subdomains)
    ]


@checks.register(TAG)
def check_frame_options(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E042 bad X_FRAME_OPTIONS; E043 bad X_FRAME_OPTIONS_EXCLUDE_URLS; W051 ALLOW-FROM ignored."""
    if not (installed(headers.XFrameOptionsMiddleware) or _combined_sends("frame-options")):
        return []
    messages = _value_error(
        "security.E042",
        "X_FRAME_OPTIONS",
        lambda: framing.frame_options(conf.get("X_FRAME_OPTIONS")),
        "Set X_FRAME_OPTIONS to 'deny', 'sameorigin' or 'allow-from https://example.com'.",
    )
    messages += _value_error(
        "security.E043",
        "X_FRAME_OPTIONS_EXCLUDE_URLS",
        lambda: header_plans.path_rules(
            "X_FRAME_OPTIONS_EXCLUDE_URLS", conf.get("X_FRAME_OPTIONS_EXCLUDE_URLS")
        ),
        'Write X_FRAME_OPTIONS_EXCLUDE_URLS = [r"^/some/url/$", ...].',
    )
    if messages or not framing.frame_options(conf.get("X_FRAME_OPTIONS")).frame_ancestors:
        return messages
    merged = conf.get("X_FRAME_OPTIONS_CSP") is True and conf.get("CSP_DICT") is not None
    if not merged:
        messages.append(
            checks.Warning(
                "X_FRAME_OPTIONS is allow-from, which current browsers ignore: any site can frame your pages.",
                hint="Add 'frame-ancestors' with the allowed origin to your Content-Security-Policy, or set "
                "X_FRAME_OPTIONS_CSP = True to have ContentSecurityPolicyMiddleware add it to CSP_DICT.",
                obj="X_FRAME_OPTIONS",
                id="security.W051",
            )
        )
    return messages


@checks.register(TAG)
def check_header_flags(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E053: the boolean header settings are booleans."""
    messages: Messages = []
    for name in ("STS_SECURE_ONLY", "NOSNIFF_LEGACY_HEADER", "X_FRAME_OPTIONS_CSP"):
        messages += _value_error(
            "security.E053",
            name,
            functools.partial(header_plans.flag, name, conf.get(name)),
            f"Set {name} = True or False.",
        )
    return messages


@checks.register(TAG)
def check_legacy_headers(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E044 bad XSS_PROTECT; W041 XSS auditor gone; W042 P3P obsolete; W043 DNT obsolete."""
    messages: Messages = []
    if _relevant("XSS_PROTECT", headers.XssProtectMiddleware, "xss-protection"):
        messages += _value_error(
            "security.E044",
            "XSS_PROTECT",
            lambda: values.xss_protection(conf.get("XSS_PROTECT")),
            "Set XSS_PROTECT to 'sanitize', 'on' or 'off' ('off' is recommended today).",
        )
        sends = installed(headers.XssProtectMiddleware) or _combined_sends("xss-protection")
        if not messages and sends and values.xss_protection(conf.get("XSS_PROTECT")) != "0":
            messages.append(
                checks.Warning(
                    "Current browsers removed their XSS auditor, and where one remains its filtering "
                    "can itself be abused to leak data or disable page scripts.",
                    hint="Set XSS_PROTECT = 'off' and rely on a Content-Security-Policy instead.",
                    obj="XSS_PROTECT",
                    id="security.W041",
                )
            )
    if installed(headers.P3PPolicyMiddleware) or _combined_sends("p3p"):
        messages.append(
            checks.Warning(
                "P3P is obsolete: work on it stopped in 2002 and no current browser reads the P3P header.",
                hint="Remove P3PPolicyMiddleware and publish a privacy policy page instead.",
                obj="security.middleware.P3PPolicyMiddleware",
                id="security.W042",
            )
        )
    if installed(privacy_middleware.DoNotTrackMiddleware):
        messages.append(
            checks.Warning(
                "Do Not Track is obsolete: the W3C withdrew it in 2019 and browsers stopped sending "
                "DNT or ignore it.",
                hint="Honour Global Privacy Control instead: DoNotTrackMiddleware also sets request.gpc "
                "from the Sec-GPC header, and security.privacy_views.gpc_json serves "
                "/.well-known/gpc.json. Silence security.W043 once your views use request.gpc.",
                obj="security.middleware.DoNotTrackMiddleware",
                id="security.W043",
            )
        )
    return messages


@checks.register(TAG)
def check_p3p_values(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E045: P3P values cannot be quoted inside the P3P header."""
    if not (installed(headers.P3PPolicyMiddleware) or _combined_sends("p3p")):
        return []
    if conf.get("P3P_COMPACT_POLICY") is None:
        return []  # security.E033 reports the missing required setting
    return _value_error(
        "security.E045",
        "P3P_COMPACT_POLICY",
        lambda: values.p3p(conf.get("P3P_COMPACT_POLICY"), conf.get("P3P_POLICY_URL")),
        "Write P3P_COMPACT_POLICY and P3P_POLICY_URL as ASCII strings without double quotes.",
    )


_CACHING_HINT = (
    "NO_CONFIDENTIAL_CACHING = {'WHITELIST_ON': False, 'WHITELIST_REGEXES': [...], "
    "'BLACKLIST_ON': True, 'BLACKLIST_REGEXES': [r'^/accounts/']}"
)


@checks.register(TAG)
def check_confidential_caching(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E046 malformed NO_CONFIDENTIAL_CACHING; W044 the middleware protects no page."""
    if not _relevant("NO_CONFIDENTIAL_CACHING", caching.NoConfidentialCachingMiddleware):
        return []
    config = conf.get("NO_CONFIDENTIAL_CACHING")
    setting = "NO_CONFIDENTIAL_CACHING"
    messages = _value_error("security.E046", setting, lambda: caching.caching_policy(config), _CACHING_HINT)
    if (
        not messages
        and installed(caching.NoConfidentialCachingMiddleware)
        and not config.get("WHITELIST_ON")
        and not config.get("BLACKLIST_ON")
    ):
        messages.append(
            checks.Warning(
                "NoConfidentialCachingMiddleware is installed but neither WHITELIST_ON nor BLACKLIST_ON "
                "is set, so it protects no page.",
                hint=_CACHING_HINT,
                obj=setting,
                id="security.W044",
            )
        )
    return messages


@checks.register(TAG)
def check_modern_headers(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """E047 referrer, E048 permissions (W045 unknown feature), E049 cross-origin (W046), E050 clear-site-data."""
    messages: Messages = []
    if _relevant("REFERRER_POLICY", headers.ReferrerPolicyMiddleware, "referrer-policy"):
        messages += _value_error(
            "security.E047",
            "REFERRER_POLICY",
            lambda: values.referrer_policy(conf.get("REFERRER_POLICY")),
            "Use a Referrer-Policy token such as 'same-origin' or 'strict-origin-when-cross-origin'.",
        )
    if _relevant("PERMISSIONS_POLICY", headers.PermissionsPolicyMiddleware, "permissions-policy"):
        messages += _permissions_messages(conf.get("PERMISSIONS_POLICY"))
    if any(
        _relevant(name, headers.CrossOriginIsolationMiddleware, "cross-origin")
        for name in values.CROSS_ORIGIN_POLICIES
    ):
        messages += _cross_origin_messages()
    if any(
        _relevant(name, headers.ClearSiteDataMiddleware, "clear-site-data")
        for name in ("CLEAR_SITE_DATA", "CLEAR_SITE_DATA_URLS")
    ):
        messages += _value_error(
            "security.E050",
            "CLEAR_SITE_DATA",
            lambda: values.clear_site_data(conf.get("CLEAR_SITE_DATA")),
            f"List some of {', '.join(values.CLEAR_SITE_DATA_TYPES)}.",
        )
        messages += _value_error(
            "security.E050",
            "CLEAR_SITE_DATA_URLS",
            lambda: header_plans.path_rules("CLEAR_SITE_DATA_URLS", conf.get("CLEAR_SITE_DATA_URLS")),
            'Write CLEAR_SITE_DATA_URLS = [r"^/logout/$", ...].',
        )
        if installed(headers.ClearSiteDataMiddleware) and not conf.get("CLEAR_SITE_DATA_URLS"):
            messages.append(
                checks.Warning(
                    "ClearSiteDataMiddleware is installed but CLEAR_SITE_DATA_URLS is empty, so it never "
                    "sends Clear-Site-Data.",
                    hint="Set CLEAR_SITE_DATA_URLS = [r'^/accounts/logout/$'] (your logout URL).",
                    obj="CLEAR_SITE_DATA_URLS",
                    id="security.W047",
                )
            )
    return messages


def _permissions_messages(policy: Any) -> Messages:
    messages = _value_error(
        "security.E048",
        "PERMISSIONS_POLICY",
        lambda: permissions.permissions_policy(policy),
        "Write PERMISSIONS_POLICY as {'geolocation': [], 'camera': ['self'], "
        "'payment': ['self', 'https://pay.example']}.",
    )
    if messages:
        return messages
    for feature in permissions.unknown_features(policy):
        messages.append(
            checks.Warning(
                f"PERMISSIONS_POLICY names {feature!r}, a feature no current browser knows (a typo?).",
                hint="Check the feature name against the Permissions Policy feature list.",
                obj="PERMISSIONS_POLICY",
                id="security.W045",
            )
        )
    if installed(headers.PermissionsPolicyMiddleware) and not policy:
        messages.append(
            checks.Warning(
                "PermissionsPolicyMiddleware is installed but PERMISSIONS_POLICY is empty, so it sends nothing.",
                hint="Set PERMISSIONS_POLICY, e.g. {'geolocation': [], 'camera': [], 'microphone': []}.",
                obj="PERMISSIONS_POLICY",
                id="security.W047",
            )
        )
    return messages


def _cross_origin_messages() -> Messages:
    messages: Messages = []
    for setting, (_, allowed) in values.CROSS_ORIGIN_POLICIES.items():
        messages += _value_error(
            "security.E049",
            setting,
            functools.partial(values.cross_origin, setting, conf.get(setting)),
            f"Set {setting} to None or one of {', '.join(allowed)}.",
        )
    if messages:
        return messages
    coep = conf.get("CROSS_ORIGIN_EMBEDDER_POLICY")
    coop = conf.get("CROSS_ORIGIN_OPENER_POLICY")
    if coep and coep.lower() != "unsafe-none" and (coop or "").lower() != "same-origin":
        messages.append(
            checks.Warning(
                "CROSS_ORIGIN_EMBEDDER_POLICY is set but CROSS_ORIGIN_OPENER_POLICY is not 'same-origin', "
                "so pages are not cross-origin isolated.",
                hint="Set CROSS_ORIGIN_OPENER_POLICY = 'same-origin' to get cross-origin isolation.",
                obj="CROSS_ORIGIN_OPENER_POLICY",
                id="security.W046",
            )
        )
    return messages


@checks.register(TAG)
def check_combined_headers(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E051: SECURITY_HEADERS names only known header families."""
    if not _relevant("SECURITY_HEADERS", headers.SecurityHeadersMiddleware):
        return []
    names = conf.get("SECURITY_HEADERS")
    known = ", ".join(sorted(headers.HEADER_FAMILIES))
    if isinstance(names, str) or not isinstance(names, list | tuple | set | frozenset):
        bad = [f"SECURITY_HEADERS must be a list, not {type(names).__name__}"]
    else:
        bad = [
            f"SECURITY_HEADERS names unknown header {name!r}"
            for name in names
            if name not in headers.HEADER_FAMILIES
        ]
    messages: Messages = [
        checks.Error(f"{problem}.", hint=f"Use some of: {known}.", obj="SECURITY_HEADERS", id="security.E051")
        for problem in bad
    ]
    if _combined_sends("p3p") and not hasattr(settings, "P3P_COMPACT_POLICY"):
        messages.append(
            checks.Error(
                "SECURITY_HEADERS includes 'p3p' but P3P_COMPACT_POLICY is not defined.",
                hint="Define P3P_COMPACT_POLICY or remove 'p3p' from SECURITY_HEADERS.",
                obj="SECURITY_HEADERS",
                id="security.E051",
            )
        )
    return messages


@checks.register(TAG)
def check_gpc(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.E052: GPC_SUPPORTED / GPC_LAST_UPDATE make a valid gpc.json."""
    if not (conf.is_set("GPC_SUPPORTED") or conf.is_set("GPC_LAST_UPDATE")):
        return []
    return _value_error(
        "security.E052",
        "GPC_LAST_UPDATE",
        lambda: privacy.gpc_document(conf.get("GPC_SUPPORTED"), conf.get("GPC_LAST_UPDATE")),
        "Set GPC_SUPPORTED = True/False and GPC_LAST_UPDATE = None or 'YYYY-MM-DD'.",
    )


def _django_values() -> dict[str, tuple[str, str | None]]:
    """Header -> (Django middleware, value it sends) for Django's own header middleware in MIDDLEWARE."""
    dotted = {d for _, d, _ in middleware_classes()}
    sent: dict[str, tuple[str, str | None]] = {}
    security = "django.middleware.security.SecurityMiddleware"
    if security in dotted:
        seconds = getattr(settings, "SECURE_HSTS_SECONDS", 0)
        if seconds:
            hsts = f"max-age={seconds}"
            hsts += (
                "; includeSubDomains" if getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False) else ""
            )
            hsts += "; preload" if getattr(settings, "SECURE_HSTS_PRELOAD", False) else ""
            sent["Strict-Transport-Security"] = (security, hsts)
        referrer = getattr(settings, "SECURE_REFERRER_POLICY", None)
        if referrer:
            tokens = referrer.split(",") if isinstance(referrer, str) else referrer
            sent["Referrer-Policy"] = (security, ", ".join(t.strip().lower() for t in tokens))
        coop = getattr(settings, "SECURE_CROSS_ORIGIN_OPENER_POLICY", None)
        if coop:
            sent["Cross-Origin-Opener-Policy"] = (security, coop.lower())
    clickjacking = "django.middleware.clickjacking.XFrameOptionsMiddleware"
    if clickjacking in dotted:
        sent["X-Frame-Options"] = (clickjacking, str(getattr(settings, "X_FRAME_OPTIONS", "DENY")).upper())
    return sent


def _our_values() -> dict[str, tuple[str, str | None]]:
    """Header -> (our middleware, value it sends) for our installed header middleware."""
    ours: dict[str, tuple[str, str | None]] = {}

    def add(family: str, cls: type[Any], header: str, build: Callable[[], str | None]) -> None:
        if installed(cls) or _combined_sends(family):
            with contextlib.suppress(SettingError):  # bad values are reported by the value checks
                ours[header] = (f"security.middleware.{cls.__name__}", build())

    add(
        "hsts",
        headers.StrictTransportSecurityMiddleware,
        "Strict-Transport-Security",
        lambda: values.hsts(
            conf.get("STS_MAX_AGE"), conf.get("STS_INCLUDE_SUBDOMAINS"), conf.get("STS_PRELOAD")
        ),
    )
    add(
        "referrer-policy",
        headers.ReferrerPolicyMiddleware,
        "Referrer-Policy",
        lambda: values.referrer_policy(conf.get("REFERRER_POLICY")),
    )
    add(
        "cross-origin",
        headers.CrossOriginIsolationMiddleware,
        "Cross-Origin-Opener-Policy",
        lambda: values.cross_origin("CROSS_ORIGIN_OPENER_POLICY", conf.get("CROSS_ORIGIN_OPENER_POLICY")),
    )
    add(
        "frame-options",
        headers.XFrameOptionsMiddleware,
        "X-Frame-Options",
        lambda: framing.frame_options(conf.get("X_FRAME_OPTIONS")).header,
    )
    return ours


@checks.register(TAG)
def check_conflicts_with_django(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Messages:
    """security.W048: Django's own middleware and ours would send one header with different values."""
    django_sent = _django_values()
    if not django_sent:
        return []
    messages: Messages = []
    for header, (ours, our_value) in _our_values().items():
        if header not in django_sent:
            continue
        djangos, django_value = django_sent[header]
        # Header keywords are case-insensitive: Django upper-cases X_FRAME_OPTIONS, ours is as written.
        if our_value is None or (django_value or "").lower() == our_value.lower():
            continue
        messages.append(
            checks.Warning(
                f"{djangos} sends {header}: {django_value!r} but {ours} sends {our_value!r}; only the one "
                "listed later in MIDDLEWARE takes effect (the other leaves the header alone).",
                hint=f"Give both the same value, or remove {djangos} and let {ours} send {header}.",
                obj=ours,
                id="security.W048",
            )
        )
    return messages
