"""Signal handlers of the package, connected once from ``AppConfig.ready``.

Each capability adds its receivers to :func:`connect`; keeping them in one
place makes the wiring visible and lets tests reconnect them.
"""


def connect() -> None:
    """Connect every receiver of the package (idempotent: receivers use dispatch_uid)."""
    _connect_auth()


def _connect_auth() -> None:
    """Password expiry, session stamps at login, login throttling (issue 6)."""
    from django.contrib.auth.signals import user_logged_in

    from . import password_expiry
    from .auth_throttling import receivers as throttling_receivers
    from .middleware.session import stamp_login

    password_expiry.connect()
    throttling_receivers.connect()
    user_logged_in.connect(stamp_login, dispatch_uid="security.middleware.session.stamp_login")
