"""Database models of the documented API: ``CspReport`` and ``PasswordExpiry``."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CspReport(models.Model):
    """Content Security Policy violation report object.

    Each report represents a single alert raised by a client browser in
    response to the policy received from the server; they are stored by the
    ``csp_report`` view with ``csp_save=True`` and browsable in the admin.
    """

    document_uri = models.URLField(
        max_length=1000, help_text="The address of the protected resource, without its fragment."
    )
    referrer = models.URLField(max_length=1000, blank=True)
    blocked_uri = models.CharField(max_length=1000, blank=True)
    violated_directive = models.CharField(max_length=1000, blank=True)
    effective_directive = models.CharField(max_length=1000, blank=True)
    original_policy = models.TextField(blank=True)
    disposition = models.CharField(max_length=20, blank=True)
    source_file = models.CharField(max_length=1000, blank=True)
    line_number = models.PositiveIntegerField(null=True, blank=True)
    column_number = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    script_sample = models.CharField(max_length=1000, blank=True)
    sender_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=1000, blank=True)
    date_received = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "CSP report"
        verbose_name_plural = "CSP reports"
        ordering = ("-date_received",)

    def __str__(self) -> str:
        return f"{self.violated_directive or self.effective_directive} blocked {self.blocked_uri or '?'}"


class PasswordExpiry(models.Model):
    """Associate a password expiry date with a user.

    A user whose row is missing or whose date has passed must change their
    password; new users start expired so they change the initial password.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_expiry"
    )
    password_expiry_date = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The date and time when the password expires. Empty means it never expires.",
    )

    class Meta:
        verbose_name = "password expiry"
        verbose_name_plural = "password expiries"

    def __str__(self) -> str:
        return f"Password expiry of {self.user}"
