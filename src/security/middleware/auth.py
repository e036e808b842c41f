"""Placeholder: implemented by its capability issue."""

from .base import BaseMiddleware


class LoginRequiredMiddleware(BaseMiddleware):
    """Not implemented yet."""


class MandatoryPasswordChangeMiddleware(BaseMiddleware):
    """Not implemented yet."""
