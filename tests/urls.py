"""URLs of the test suite; each capability's tests add the views they need here."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.plain, name="plain"),
    path("plain/", views.plain, name="plain-page"),
    path("async/", views.async_plain, name="async-plain"),
    path("h/", include("tests.headers_views")),
    path("reports/", include("tests.reports_urls")),
    path("csp/", include("tests.csp_views")),
    path("fix/", include("tests.header_fixes_views")),
    path("", include("tests.auth_views")),
]
