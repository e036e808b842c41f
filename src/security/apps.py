"""App configuration: wires system checks and signal handlers."""

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing ``checks`` registers every system check; importing ``conf``
        # connects the cache reset to ``setting_changed``.
        from . import checks, conf, signals  # noqa: F401

        signals.connect()
        _fail_fast_on_throttling()


#: Dotted path of the login throttling backend (``AUTHENTICATION_BACKENDS``).
THROTTLING_BACKEND = "security.auth_throttling.backends.ThrottlingBackend"


def _fail_fast_on_throttling() -> None:
    """A wrong ``AUTH_THROTTLING`` stops the site at start-up when the backend is installed.

    Backends are built on the first login, not at application load, and
    production servers never run the system checks (``security.E095``).
    """
    from django.conf import settings

    if THROTTLING_BACKEND in getattr(settings, "AUTHENTICATION_BACKENDS", ()):
        from .auth_throttling.config import required

        required()
