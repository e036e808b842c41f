"""The documented middleware, importable as ``security.middleware.<Name>``.

Each concern lives in a module of its own; this package re-exports them.
"""

from .auth import (
    LoginRequiredMiddleware,
    MandatoryPasswordChangeMiddleware,
    RequirePasswordChangeMiddleware,
)
from .base import BaseMiddleware
from .caching import NoConfidentialCachingMiddleware
from .csp import ContentSecurityPolicyMiddleware
from .headers import (
    ClearSiteDataMiddleware,
    ContentNoSniff,
    CrossOriginIsolationMiddleware,
    FrameOptionsMiddleware,
    P3PPolicyMiddleware,
    PermissionsPolicyMiddleware,
    ReferrerPolicyMiddleware,
    SecurityHeadersMiddleware,
    StrictTransportSecurityMiddleware,
    XFrameOptionsMiddleware,
    XssProtectMiddleware,
)
from .privacy import DoNotTrackMiddleware
from .session import SessionExpiryPolicyMiddleware

__all__ = [
    "BaseMiddleware",
    "ClearSiteDataMiddleware",
    "ContentNoSniff",
    "ContentSecurityPolicyMiddleware",
    "CrossOriginIsolationMiddleware",
    "DoNotTrackMiddleware",
    "FrameOptionsMiddleware",
    "LoginRequiredMiddleware",
    "MandatoryPasswordChangeMiddleware",
    "NoConfidentialCachingMiddleware",
    "P3PPolicyMiddleware",
    "PermissionsPolicyMiddleware",
    "ReferrerPolicyMiddleware",
    "RequirePasswordChangeMiddleware",
    "SecurityHeadersMiddleware",
    "SessionExpiryPolicyMiddleware",
    "StrictTransportSecurityMiddleware",
    "XFrameOptionsMiddleware",
    "XssProtectMiddleware",
]
