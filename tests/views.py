"""Views used by the tests through the request/response cycle."""

from django.http import HttpRequest, HttpResponse


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("plain", content_type="text/plain")


async def async_plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async plain", content_type="text/plain")
