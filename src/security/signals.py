"""Signal handlers of the package, connected once from ``AppConfig.ready``.

Each capability adds its receivers to :func:`connect`; keeping them in one
place makes the wiring visible and lets tests reconnect them.
"""


def connect() -> None:
    """Connect every receiver of the package (idempotent: receivers use dispatch_uid)."""
