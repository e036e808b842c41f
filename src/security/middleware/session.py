"""Placeholder: implemented by its capability issue."""

from .base import BaseMiddleware


class SessionExpiryPolicyMiddleware(BaseMiddleware):
    """Not implemented yet."""
