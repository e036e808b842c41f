"""Placeholder: implemented by its capability issue."""

from .base import BaseMiddleware


class ContentNoSniff(BaseMiddleware):
    """Not implemented yet."""


class StrictTransportSecurityMiddleware(BaseMiddleware):
    """Not implemented yet."""


class XFrameOptionsMiddleware(BaseMiddleware):
    """Not implemented yet."""


class XssProtectMiddleware(BaseMiddleware):
    """Not implemented yet."""


class P3PPolicyMiddleware(BaseMiddleware):
    """Not implemented yet."""
FrameOptionsMiddleware = XFrameOptionsMiddleware
