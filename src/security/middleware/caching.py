"""Placeholder: implemented by its capability issue."""

from .base import BaseMiddleware


class NoConfidentialCachingMiddleware(BaseMiddleware):
    """Not implemented yet."""
