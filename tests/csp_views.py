"""Views (and their URLs) exercised by the CSP tests: nonces, per-view policies, CBVs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template import Engine, RequestContext
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View

from security.decorators import csp_exempt, csp_replace, csp_update

ENGINE = Engine(
    context_processors=["django.template.context_processors.request", "security.context_processors.csp"],
    libraries={"security_csp": "security.templatetags.security_csp"},
)

NONCE_PAGE = ENGINE.from_string(
    '{% load security_csp %}<script nonce="{{ request.csp_nonce }}">1</script>'
    '<script {% csp_nonce_attr %}>2</script><style nonce="{% csp_nonce %}"></style>'
    "<p>{{ csp_nonce }}</p>"
)


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>no inline code</p>")


def nonce_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(NONCE_PAGE.render(RequestContext(request)))


async def async_nonce_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')  # type: ignore[attr-defined]


def if_nonce_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        ENGINE.from_string("{% if request.csp_nonce %}yes{% endif %}").render(RequestContext(request))
    )


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    def body():  # type: ignore[no-untyped-def]
        yield f'<script nonce="{request.csp_nonce}">'  # type: ignore[attr-defined]
        yield "</script>"

    return StreamingHttpResponse(body())


def own_header(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("own")
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@csp_exempt
def exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("exempt")


@csp_exempt(report_only=True)
def exempt_report_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("exempt from the second policy")


@csp_replace({"script-src": ["self", "https://cdn.example.com"], "object-src": None})
def replaced(request: HttpRequest) -> HttpResponse:
    return HttpResponse("replaced")


@csp_update(img_src=["https://images.example.com"])
async def async_updated(request: HttpRequest) -> HttpResponse:
    return HttpResponse("updated")


@csp_update({"script-src": ["https://b.example.com"]})
@csp_replace({"script-src": ["https://a.example.com"]})
def stacked(request: HttpRequest) -> HttpResponse:
    return HttpResponse("stacked")


@csp_update({"img-src": ["https://trial.example.com"]}, report_only=True)
def updated_report_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("trial")


@csp_exempt
class ExemptView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("class exempt")


@csp_replace(frame_ancestors=["none"])
class AsyncReplacedView(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("async class replaced")


@method_decorator(csp_update(img_src=["https://m.example.com"]), name="get")
class MethodDecoratedView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("method decorated")


class PlainView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("plain class")


urlpatterns = [
    path("page/", page, name="csp-page"),
    path("nonce/", nonce_page, name="csp-nonce"),
    path("async-nonce/", async_nonce_page, name="csp-async-nonce"),
    path("if-nonce/", if_nonce_page),
    path("streamed/", streamed),
    path("own-header/", own_header),
    path("exempt/", exempt),
    path("exempt-report-only/", exempt_report_only),
    path("replaced/", replaced),
    path("async-updated/", async_updated),
    path("stacked/", stacked),
    path("updated-report-only/", updated_report_only),
    path("class-exempt/", ExemptView.as_view()),
    path("method-decorated/", MethodDecoratedView.as_view()),
    path("async-class-replaced/", AsyncReplacedView.as_view()),
    path("as-view-updated/", csp_update(connect_src=["wss://live.example.com"])(PlainView.as_view())),
]
