"""``path("security/", include("security.auth_throttling.urls"))`` adds the reset page."""

from django.urls import path

from . import views

app_name = "security_throttling"

urlpatterns = [
    path("throttle/reset/", views.reset_throttle, name="reset"),
]
