"""Settings of the demo site: every middleware of django-security switched on.

SQLite by default; ``DEMO_DATABASE_URL``-style overrides are deliberately not
supported to keep the demo one command.  Never use these settings in production.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "demo-only-not-a-secret")
DEBUG = os.environ.get("DEMO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
USE_TZ = True
ROOT_URLCONF = "demo.urls"
WSGI_APPLICATION = "demo.wsgi.application"
ASGI_APPLICATION = "demo.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "security",
    "demo",
]

MIDDLEWARE = [
    # Outermost, so it sees the finished response and can show its headers.
    "demo.middleware.ShowHeadersMiddleware",
    # Static files as production serves them (collected into STATIC_ROOT); the admin needs its CSS and JS.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "security.middleware.SessionExpiryPolicyMiddleware",
    "security.middleware.LoginRequiredMiddleware",
    "security.middleware.MandatoryPasswordChangeMiddleware",
    "security.middleware.ContentSecurityPolicyMiddleware",
    "security.middleware.StrictTransportSecurityMiddleware",
    "security.middleware.XFrameOptionsMiddleware",
    "security.middleware.ContentNoSniff",
    "security.middleware.XssProtectMiddleware",
    "security.middleware.P3PPolicyMiddleware",
    "security.middleware.ReferrerPolicyMiddleware",
    "security.middleware.PermissionsPolicyMiddleware",
    "security.middleware.CrossOriginIsolationMiddleware",
    "security.middleware.ClearSiteDataMiddleware",
    "security.middleware.DoNotTrackMiddleware",
    "security.middleware.NoConfidentialCachingMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "security.context_processors.csp",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", str(BASE_DIR / "demo.sqlite3")),
    }
}

STATIC_URL = "/static/"
# scripts/demo runs collectstatic into this folder; WhiteNoise serves it with DEBUG off.
STATIC_ROOT = os.environ.get("DEMO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# -- django-security ------------------------------------------------------------
P3P_COMPACT_POLICY = "NOI DSP COR NID"
X_FRAME_OPTIONS = os.environ.get("DEMO_X_FRAME_OPTIONS", "sameorigin")
REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = {
    "geolocation": [],
    "camera": [],
    "microphone": [],
    "payment": [],
    "fullscreen": ["self"],
}
CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
CLEAR_SITE_DATA_URLS = [r"^/accounts/logout/$"]
GPC_LAST_UPDATE = "2025-01-01"
XSS_PROTECT = "off"
STS_MAX_AGE = 60 * 60 * 24 * 365
STS_INCLUDE_SUBDOMAINS = True
NO_CONFIDENTIAL_CACHING = {
    "WHITELIST_ON": False,
    "BLACKLIST_ON": True,
    "BLACKLIST_REGEXES": [r"^/admin/", r"^/accounts/"],
}
LOGIN_EXEMPT_URLS = [
    r"^$",
    r"^privacy/$",
    r"^\.well-known/gpc\.json$",
    r"^accounts/",
    r"^headers/$",
    r"^csp/$",
    r"^csp-report/",
    r"^security/",
    r"^reports/",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"security": {"handlers": ["console"], "level": os.environ.get("DEMO_LOG_LEVEL", "INFO")}},
}

# Content Security Policy (demo/policies.py): a strict policy on every page, the admin included:
# nonces for scripts and styles, one hash for the admin's single static inline style, no
# 'unsafe-inline' or 'unsafe-eval'.  DEMO_CSP_POLICY=nothing allows nothing (run it with
# DEMO_CSP_MODE=report-only to collect reports); DEMO_CSP_POLICY_FILE enforces a policy from a
# JSON file, such as the one `manage.py csp_propose_policy --json` writes (/csp/propose/).
from demo.policies import demo_policy  # noqa: E402

CSP_MODE = os.environ.get("DEMO_CSP_MODE", "enforce")
CSP_DICT = demo_policy(os.environ.get("DEMO_CSP_POLICY", "strict"), os.environ.get("DEMO_CSP_POLICY_FILE"))
DEMO_FOREIGN_ORIGIN = os.environ.get("DEMO_FOREIGN_ORIGIN", "http://localhost:8001")

# CSP reports (docs/reports.md): every page reports its violations to this site's own
# collector (security.urls stores them); /reports/ shows report-uri and report-to apart.
CSP_DICT["report-uri"] = "security-csp-report"
if os.environ.get("DEMO_CSP_POLICY") != "nothing":
    # Chromium prefers report-to to report-uri, and sends report-to reports over https only:
    # the allow-nothing policy that collects reports on http://127.0.0.1 keeps report-uri alone.
    CSP_DICT["report-to"] = "csp-endpoint"
CSP_REPORTING_ENDPOINTS = {"csp-endpoint": "security-reports"}
# A crawl under the allow-nothing policy sends a few hundred reports a minute from one address.
CSP_REPORTS_RATE_LIMIT = int(os.environ.get("DEMO_REPORTS_RATE_LIMIT", "2000"))
# One visitor (you) crawls every page: the per-client budget of new violations and the raw-row
# sample, which bound what strangers can store on a public site, would hide most pages' reports here.
CSP_REPORTS_NEW_PER_CLIENT = None
CSP_REPORTS_SAMPLES_PER_VIOLATION = 50

# Authentication policies (docs/auth.md, docs/throttling.md): /private/ needs a login;
# the user "newcomer" must change the password first; idle sessions end after
# DEMO_SESSION_IDLE seconds; three failed logins lock a username for a minute.
MANDATORY_PASSWORD_CHANGE = {
    "URL_NAME": "password_change",
    "EXEMPT_URL_NAMES": ["password_change_done"],
    "REDIRECT_WITH_NEXT": True,  # demo/auth_views.py reads next after the change
}
SESSION_INACTIVITY_TIMEOUT = int(os.environ.get("DEMO_SESSION_IDLE", "120"))
SESSION_ACTIVITY_GRANULARITY = int(os.environ.get("DEMO_SESSION_GRANULARITY", "5"))
AUTHENTICATION_BACKENDS = [
    "security.auth_throttling.backends.ThrottlingBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_THROTTLING = {
    "USERNAME_FAILURES": int(os.environ.get("DEMO_THROTTLE_FAILURES", "3")),
    "WINDOW_SECONDS": 60,
}
# Proxies whose X-Forwarded-For is believed (comma-separated networks; the servers test uses 127.0.0.1).
SECURITY_TRUSTED_PROXIES = [net for net in os.environ.get("DEMO_TRUSTED_PROXIES", "").split(",") if net]
if os.environ.get("DEMO_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DEMO_REDIS_URL"],
        }
    }
else:
    # One process: the local-memory cache is enough for throttling and the report rate limit
    # (security.W096 and security.W080 say why not in production).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS = ["security.W096", "security.W080"]
