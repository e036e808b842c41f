"""Placeholder: implemented by its capability issue."""

from .base import BaseMiddleware


class DoNotTrackMiddleware(BaseMiddleware):
    """Not implemented yet."""
