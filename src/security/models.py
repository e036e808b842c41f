"""Database models of the documented API (``CspReport``, ``PasswordExpiry``) and the report aggregate."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import conf
from .escaping import escape_controls


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
    user_agent = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Filled by older versions; the collector stores the user agent once, in agent.",
    )
    agent = models.ForeignKey(
        "ReportUserAgent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The sender's User-Agent, stored once for every report that carried it.",
    )
    date_received = models.DateTimeField(auto_now_add=True, db_index=True)
    fingerprint = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text="Key of the aggregated violation this report counts towards.",
    )

    class Meta:
        verbose_name = "CSP report"
        verbose_name_plural = "CSP reports"
        ordering = ("-date_received",)

    def __str__(self) -> str:
        # Browser-sent text: control characters shown escaped wherever the admin prints the object.
        return escape_controls(
            f"{self.violated_directive or self.effective_directive} blocked {self.blocked_uri or '?'}"
        )

    @property
    def user_agent_text(self) -> str:
        """The sender's User-Agent, from the shared ``agent`` row or (older rows) the ``user_agent`` column."""
        return self.agent.value if self.agent_id is not None and self.agent else self.user_agent


class ReportUserAgent(models.Model):
    """A User-Agent string, stored once however many reports carried it.

    Copying the header into every report row let one request with many tiny
    reports multiply its size in the database.
    """

    digest = models.CharField(max_length=40, unique=True)
    value = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name = "report user agent"
        verbose_name_plural = "report user agents"

    def __str__(self) -> str:
        return escape_controls(self.value)


class BrowserReportAggregate(models.Model):
    """One distinct non-CSP browser report (deprecation, intervention, crash, COOP, COEP, ...) and its count.

    ``kind`` is the Reporting API type; ``key`` what happened (the deprecated
    feature's id, the blocked policy feature, the crash reason, ...).
    """

    fingerprint = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=40, db_index=True)
    key = models.CharField(max_length=200, blank=True)
    document_path = models.CharField(max_length=500, blank=True)
    source_file = models.CharField(max_length=500, blank=True)
    disposition = models.CharField(max_length=20, blank=True)
    message = models.CharField(max_length=500, blank=True, help_text="The message of the first report.")
    count = models.PositiveBigIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "browser report (aggregated)"
        verbose_name_plural = "browser reports (aggregated)"
        ordering = ("-count",)

    def __str__(self) -> str:
        return escape_controls(f"{self.kind}: {self.key} on {self.document_path} ({self.count}x)")


class CspReportAggregate(models.Model):
    """One distinct CSP violation and how often it was reported.

    Reports are grouped by a fingerprint of the directive, what was blocked
    (an origin or a keyword such as ``inline``), the document path and the
    source file, so a flood of identical reports is one row with a count.
    """

    fingerprint = models.CharField(max_length=40, unique=True)
    directive = models.CharField(max_length=100, blank=True)
    blocked = models.CharField(
        max_length=500, blank=True, help_text="Origin, scheme or keyword that was blocked."
    )
    document_path = models.CharField(max_length=500, blank=True)
    source_file = models.CharField(max_length=500, blank=True)
    count = models.PositiveBigIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "CSP violation (aggregated)"
        verbose_name_plural = "CSP violations (aggregated)"
        ordering = ("-count",)

    def __str__(self) -> str:
        return escape_controls(
            f"{self.directive} blocked {self.blocked} on {self.document_path} ({self.count}x)"
        )


class PasswordExpiry(models.Model):
    """Associate a password expiry date with a user.

    A new row is expired at once (the date defaults to "now"), which is how
    users who never changed their initial password are flagged; changing the
    password moves the date forward (``PASSWORD_EXPIRY_DAYS``) or clears it
    (never expires) and records when it happened, so the age limit also
    applies when ``PASSWORD_EXPIRY_DAYS`` is switched on later.  A user without a row counts as expired; the row is
    created the first time the password-change middleware looks.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_expiry"
    )
    password_expiry_date = models.DateTimeField(
        null=True,
        blank=True,
        default=timezone.now,
        help_text="The date and time when the password expires. Empty means it never expires.",
    )
    password_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the user last chose a password; with PASSWORD_EXPIRY_DAYS set, the password "
        "expires that many days later. Empty: not known, or exempted with never-expire.",
    )

    class Meta:
        verbose_name = "password expiry"
        verbose_name_plural = "password expiries"

    def __str__(self) -> str:
        return f"Password expiry of {self.user}"

    def is_expired(self) -> bool:
        """Whether the expiry date has passed, or the password is older than ``PASSWORD_EXPIRY_DAYS``.

        The age rule covers passwords changed while ``PASSWORD_EXPIRY_DAYS``
        was off (their date is empty): switching it on later expires them too.
        """
        now = timezone.now()
        if self.password_expiry_date is not None and self.password_expiry_date <= now:
            return True
        days = conf.get("PASSWORD_EXPIRY_DAYS")
        if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
            return False  # off (or invalid: security.E098 reports it)
        changed = self.password_changed_at
        return changed is not None and changed + datetime.timedelta(days=days) <= now

    def expire(self) -> None:
        """Expire the password now: the user must change it on the next request."""
        self.password_expiry_date = timezone.now()
        self.save()

    def never_expire(self) -> None:
        """Clear the expiry date (and the age rule) so the password never expires."""
        self.password_expiry_date = None
        self.password_changed_at = None
        self.save()
