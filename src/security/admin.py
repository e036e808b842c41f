"""Admin registrations for the package's models."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from . import auth_admin as _auth_admin  # noqa: F401  (password expiry and throttling admin)
from .csp.policy import DIRECTIVES
from .csp.reports import BROWSER_REPORT_TYPES, Fingerprint, noise_reason
from .escaping import escape_controls
from .models import BrowserReportAggregate, CspReport, CspReportAggregate
from .proposal_admin import proposal_view
from .reports import dashboard

# -- CSP reports ------------------------------------------------------------------


def _escaped(field: str, description: str) -> Any:
    """A display column showing ``field`` with control characters escaped."""

    def show(obj: Any) -> str:
        return escape_controls(str(getattr(obj, field) or ""))

    show.__name__ = f"{field}_escaped"
    return admin.display(description=description, ordering=field)(show)


_OTHER = "other"


def directive_filter(field: str, title: str) -> type[admin.SimpleListFilter]:
    """A list filter offering the known CSP directive names plus "other" for ``field``.

    Django's field filter would list every distinct stored value, and those
    come from whoever sends reports: a flood of made-up directives (control
    characters included) would fill the sidebar.  Known names only, and
    anything else under "other".
    """
    known = sorted(DIRECTIVES)

    class DirectiveFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(name, name) for name in known] + [(_OTHER, "other (not a known directive)")]

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            value = self.value()
            if value == _OTHER:
                return queryset.exclude(**{f"{field}__in": known})
            if value in DIRECTIVES:
                return queryset.filter(**{field: value})
            return queryset

    DirectiveFilter.title = title
    DirectiveFilter.__name__ = f"{field.title().replace('_', '')}Filter"
    return DirectiveFilter


def choice_filter(field: str, title: str, known: list[str]) -> type[admin.SimpleListFilter]:
    """A list filter offering the ``known`` values of ``field`` and "other", never sender-invented values."""

    class ChoiceFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return [(name, name) for name in known] + [(_OTHER, "other")]

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            value = self.value()
            if value == _OTHER:
                return queryset.exclude(**{f"{field}__in": known})
            if value in known:
                return queryset.filter(**{field: value})
            return queryset

    ChoiceFilter.title = title
    ChoiceFilter.__name__ = f"{field.title().replace('_', '')}ChoiceFilter"
    return ChoiceFilter


#: The dispositions browsers send (CSP, Permissions Policy, COOP/COEP).
DISPOSITIONS = ["enforce", "report", "reporting"]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Reports come from browsers only: they can be viewed and deleted, not written."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_REPORT_COLUMNS = [
    ("document_uri", "document URI"),
    ("referrer", "referrer"),
    ("blocked_uri", "blocked URI"),
    ("violated_directive", "violated directive"),
    ("effective_directive", "effective directive"),
    ("original_policy", "original policy"),
    ("disposition", "disposition"),
    ("source_file", "source file"),
    ("script_sample", "script sample"),
    ("user_agent_text", "user agent"),
]
_REPORT_DISPLAY = {field: _escaped(field, label) for field, label in _REPORT_COLUMNS}


@admin.register(CspReport)
class CspReportAdmin(ReadOnlyAdmin):
    list_display = (
        "date_received",
        _REPORT_DISPLAY["effective_directive"],
        _REPORT_DISPLAY["blocked_uri"],
        _REPORT_DISPLAY["document_uri"],
        _REPORT_DISPLAY["disposition"],
    )
    list_filter = (
        directive_filter("effective_directive", "effective directive"),
        choice_filter("disposition", "disposition", DISPOSITIONS),
        "date_received",
    )
    search_fields = ("document_uri", "blocked_uri", "source_file", "violated_directive", "agent__value")
    date_hierarchy = "date_received"
    readonly_fields = (
        "date_received",
        *(_REPORT_DISPLAY[field] for field, _ in _REPORT_COLUMNS),
        "line_number",
        "column_number",
        "status_code",
        "sender_ip",
        "fingerprint",
    )
    fields = readonly_fields


@admin.register(CspReportAggregate)
class CspReportAggregateAdmin(ReadOnlyAdmin):
    list_display = (
        "directive_display",
        "blocked_display",
        "path_display",
        "source_display",
        "count",
        "last_seen",
        "noise",
    )
    list_filter = (directive_filter("directive", "directive"), "last_seen")
    search_fields = ("blocked", "document_path", "source_file", "directive", "fingerprint")
    readonly_fields = (
        "fingerprint",
        "directive_display",
        "blocked_display",
        "path_display",
        "source_display",
        "count",
        "first_seen",
        "last_seen",
        "noise",
        "raw_reports",
    )
    fields = readonly_fields
    change_list_template = "security/reports/aggregate_change_list.html"

    @admin.display(description="directive", ordering="directive")
    def directive_display(self, obj: CspReportAggregate) -> str:
        return escape_controls(obj.directive)

    @admin.display(description="blocked", ordering="blocked")
    def blocked_display(self, obj: CspReportAggregate) -> str:
        return escape_controls(obj.blocked)

    @admin.display(description="document path", ordering="document_path")
    def path_display(self, obj: CspReportAggregate) -> str:
        return escape_controls(obj.document_path)

    @admin.display(description="source file", ordering="source_file")
    def source_display(self, obj: CspReportAggregate) -> str:
        return escape_controls(obj.source_file)

    @admin.display(description="likely noise")
    def noise(self, obj: CspReportAggregate) -> str:
        return noise_reason(Fingerprint(obj.directive, obj.blocked, obj.document_path, obj.source_file)) or ""

    @admin.display(description="raw reports")
    def raw_reports(self, obj: CspReportAggregate) -> str:
        url = reverse("admin:security_cspreport_changelist")
        return format_html(
            '<a href="{}?fingerprint={}">stored reports of this violation</a>', url, obj.fingerprint
        )

    def get_urls(self) -> list[URLPattern]:
        dashboard_url = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="security_cspreportaggregate_dashboard",
        )
        proposal_url = path(
            "proposal/",
            self.admin_site.admin_view(lambda request: proposal_view(self, request)),
            name="security_cspreportaggregate_proposal",
        )
        return [dashboard_url, proposal_url, *super().get_urls()]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Violations over time and the top offenders, drawn server-side."""
        series = dashboard.daily_counts()
        offenders = dashboard.top_offenders()
        peak = max((o.count for o in offenders), default=0)
        blocked = dashboard.top_blocked()
        blocked_peak = max((n for _, n in blocked), default=0)
        context = {
            **self.admin_site.each_context(request),
            "title": "CSP report dashboard",
            "opts": self.model._meta,
            "totals": dashboard.totals(),
            "chart": dashboard.bar_chart_svg(series),
            "days": len(series),
            "offenders": [(o, dashboard.hbar_svg(o.count, peak)) for o in offenders],
            "blocked": [(name, n, dashboard.hbar_svg(n, blocked_peak)) for name, n in blocked],
            "browser_reports": dashboard.browser_reports_by_type(),
        }
        return TemplateResponse(request, "security/reports/dashboard.html", context)


_BROWSER_COLUMNS = {
    field: _escaped(field, label)
    for field, label in [
        ("kind", "type"),
        ("key", "what"),
        ("document_path", "document path"),
        ("source_file", "source file"),
        ("message", "message"),
        ("disposition", "disposition"),
    ]
}


@admin.register(BrowserReportAggregate)
class BrowserReportAggregateAdmin(ReadOnlyAdmin):
    """Deprecation, intervention, crash, COOP/COEP, policy and integrity reports, counted per fingerprint."""

    list_display = (
        *(_BROWSER_COLUMNS[f] for f in ("kind", "key", "document_path", "source_file")),
        "count",
        "last_seen",
    )
    list_filter = (choice_filter("kind", "type", sorted(BROWSER_REPORT_TYPES)), "last_seen")
    search_fields = ("key", "document_path", "source_file", "message")
    readonly_fields = ("fingerprint", *_BROWSER_COLUMNS.values(), "count", "first_seen", "last_seen")
    fields = readonly_fields
