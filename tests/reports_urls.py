"""URLs of the report collector tests: the documented view in both documented forms."""

from django.urls import include, path

from security.views import csp_report

urlpatterns = [
    path("csp-report/", csp_report, name="test-csp-report-log"),
    path(
        "csp-report/save/",
        csp_report,
        kwargs={"csp_save": True, "csp_log": True},
        name="test-csp-report-save",
    ),
    path("csp-report/quiet/", csp_report, kwargs={"csp_save": True, "csp_log": False}),
    path("security/", include("security.urls")),
]
