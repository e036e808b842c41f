"""URLs of the original's throttle reset view, wired as its documentation showed."""

from django.urls import path

from security.auth_throttling.views import reset_username_throttle

urlpatterns = [
    path("reset/<int:user_id>/", reset_username_throttle, {"redirect_url": "/admin/"}),
    path("reset-offsite/<int:user_id>/", reset_username_throttle, {"redirect_url": "https://evil.example/"}),
]
