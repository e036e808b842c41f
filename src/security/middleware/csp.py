"""Placeholder: implemented by its capability issue."""

from .base import BaseMiddleware


class ContentSecurityPolicyMiddleware(BaseMiddleware):
    """Not implemented yet."""
