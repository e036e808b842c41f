"""Middleware used by the BaseMiddleware tests (importable from settings.MIDDLEWARE)."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from security.middleware import BaseMiddleware


class RecordingMiddleware(BaseMiddleware):
    """Records every load_setting call and how each request was served."""

    REQUIRED_SETTINGS = ("RECORDING_REQUIRED",)
    OPTIONAL_SETTINGS = ("RECORDING_OPTIONAL",)
    calls: ClassVar[list[tuple[str, Any]]] = []

    def load_setting(self, setting: str, value: Any) -> None:
        type(self).calls.append((setting, value))
        setattr(self, setting.lower(), value)

    def process_request(self, request: HttpRequest) -> HttpResponseBase | None:
        request.recording_mode = "sync"  # type: ignore[attr-defined]
        if request.GET.get("short") == "1":
            return HttpResponse("short-circuited")
        return None

    async def aprocess_request(self, request: HttpRequest) -> HttpResponseBase | None:
        # The event loop's thread: the test compares it with its own to prove no thread hop.
        request.recording_thread = threading.get_ident()  # type: ignore[attr-defined]
        request.recording_mode = "async"  # type: ignore[attr-defined]
        if request.GET.get("short") == "1":
            return HttpResponse("short-circuited")
        return None

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response["X-Recording"] = f"{getattr(request, 'recording_mode', '?')};{self.recording_optional}"
        response["X-Recording-Thread"] = str(getattr(request, "recording_thread", ""))
        return response


class PlainMiddleware(BaseMiddleware):
    """No settings: load_setting must never be called."""

    def load_setting(self, setting: str, value: Any) -> None:  # pragma: no cover - must not run
        raise AssertionError("load_setting called without declared settings")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response["X-Plain"] = "1"
        return response


class NeedsAuthMiddleware(BaseMiddleware):
    """Declares that it must come after AuthenticationMiddleware (security.E002)."""

    REQUIRES_AFTER = ("django.contrib.auth.middleware.AuthenticationMiddleware",)


class NeedsToPrecedeCommonMiddleware(BaseMiddleware):
    """Declares that it must come before CommonMiddleware when that is installed."""

    REQUIRES_BEFORE = ("django.middleware.common.CommonMiddleware",)
