"""URLs a project can ``include()``: the CSP report collector for both reporting mechanisms.

``path("security/", include("security.urls"))`` gives

* ``security-csp-report``: the ``report-uri`` target (``application/csp-report``);
* ``security-reports``: the Reporting API endpoint named in ``Reporting-Endpoints``
  and used by ``report-to`` (``application/reports+json``).

Both accept every format; they are separate so each mechanism has a stable name.
"""

from django.urls import path

from . import views

urlpatterns = [
    path("csp-report/", views.reports_endpoint, name="security-csp-report"),
    path("reports/", views.reports_endpoint, name="security-reports"),
]
