"""Telling script requests from page loads, and the documented ``require_ajax`` decorator.

Browsers no longer mark ``fetch()`` calls in any standard way, so "AJAX" here
means what it always meant for Django: the ``X-Requested-With: XMLHttpRequest``
header that jQuery and most front-end libraries send.  :func:`wants_json`
widens that to clients that ask for (or send) JSON, which is what the login
middleware uses to answer 401 instead of redirecting to an HTML form.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase, HttpResponseForbidden

View = TypeVar("View", bound=Callable[..., Any])


def is_ajax(request: HttpRequest) -> bool:
    """Whether the request carries ``X-Requested-With: XMLHttpRequest``."""
    return request.headers.get("x-requested-with", "").lower() == "xmlhttprequest"


def wants_json(request: HttpRequest) -> bool:
    """Whether a redirect to an HTML page would be useless to this client.

    True for AJAX requests, requests with a JSON body, and requests whose
    ``Accept`` header names JSON but not HTML.
    """
    if is_ajax(request):
        return True
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("accept", "").lower()
    return "json" in accept and "text/html" not in accept


def require_ajax(view: View) -> View:
    """A view decorator that answers 403 unless the request is an AJAX request.

    Works on sync and async views (the wrapper keeps the view's kind).
    """
    if iscoroutinefunction(view):

        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not is_ajax(request):
                return HttpResponseForbidden("This URL accepts AJAX requests only.")
            response: HttpResponseBase = await view(request, *args, **kwargs)
            return response

        wrapper = functools.wraps(view)(async_wrapper)
        markcoroutinefunction(wrapper)
        return cast(View, wrapper)

    @functools.wraps(view)
    def sync_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_ajax(request):
            return HttpResponseForbidden("This URL accepts AJAX requests only.")
        response: HttpResponseBase = view(request, *args, **kwargs)
        return response

    return cast(View, sync_wrapper)
