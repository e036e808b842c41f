"""Wrong settings assigned while the site runs: refuse the next request instead of breaking the assignment.

``load_setting`` raises ``ImproperlyConfigured`` for a wrong value, both when
the middleware is built and on ``setting_changed``.  A receiver that raises
inside ``setting_changed`` breaks ``override_settings`` for everybody,
including tests that never send a request through this instance (middleware
of finished tests linger until the garbage collector runs).  So a wrong value
arriving through the signal is kept and raised by this instance's next
request, and a later valid value clears it: the middleware never serves with
a setting it could not load.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .base import BaseMiddleware


class RaisesSettingErrorsOnRequest(BaseMiddleware):
    """Base of the auth middleware: setting errors from ``setting_changed`` surface on the next request."""

    def _on_setting_changed(self, *, setting: str, value: Any, enter: bool, **kwargs: Any) -> None:
        errors: dict[str, ImproperlyConfigured] = self.__dict__.setdefault("_setting_errors", {})
        try:
            super()._on_setting_changed(setting=setting, value=value, enter=enter, **kwargs)
        except ImproperlyConfigured as error:
            errors[setting] = error
        else:
            errors.pop(setting, None)

    def __call__(self, request: Any) -> Any:
        errors = self.__dict__.get("_setting_errors")
        if errors:
            raise next(iter(errors.values()))
        return super().__call__(request)
