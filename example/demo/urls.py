"""URLs of the demo site."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    # Login (throttled), password change and the private area: demo/auth_views.py.
    path("", include("demo.auth_views")),
    path("", views.home, name="home"),
    path("headers/", views.headers, name="headers"),
    path("csp/", views.csp, name="csp"),
    path("csp/propose/", views.csp_propose, name="csp-propose"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # CSP reports: the collector (security.urls) and pages that violate the policy.
    path("security/", include("security.urls")),
    path("", include("demo.report_views")),
    # Privacy signals (DNT, Global Privacy Control) and /.well-known/gpc.json.
    path("", include("demo.privacy_views")),
]
