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
