"""Demo page of DoNotTrackMiddleware: what the browser said about tracking, and gpc.json."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from security.privacy_views import gpc_json


def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "demo/privacy.html",
        {"dnt": getattr(request, "dnt", None), "gpc": getattr(request, "gpc", False)},
    )


urlpatterns = [
    path("privacy/", privacy, name="privacy"),
    path(".well-known/gpc.json", gpc_json, name="gpc-json"),
]
