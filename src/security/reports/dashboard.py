"""Data and server-side SVG for the report dashboard in the admin.

The chart is plain SVG markup built here (bars are ``<rect>`` elements with
presentation attributes, no inline style, no script), so the admin page works
under a strict Content-Security-Policy without any external JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..csp.reports import Fingerprint, noise_reason
from ..escaping import escape_controls
from ..models import BrowserReportAggregate, CspReport, CspReportAggregate


@dataclass(frozen=True)
class Offender:
    """One aggregated violation as the dashboard shows it."""

    pk: int
    directive: str
    blocked: str
    document_path: str
    source_file: str
    count: int
    noise: str | None


def daily_counts(days: int = 30, today: date | None = None) -> list[tuple[date, int]]:
    """Raw reports per day for the last ``days`` days (oldest first, missing days as 0)."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, time.min))
    rows = (
        CspReport.objects.filter(date_received__gte=since)
        .annotate(day=TruncDate("date_received"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    found = {row["day"]: row["n"] for row in rows}
    return [(start + timedelta(days=i), found.get(start + timedelta(days=i), 0)) for i in range(days)]


def top_offenders(limit: int = 10) -> list[Offender]:
    rows = CspReportAggregate.objects.order_by("-count", "-last_seen")[:limit]
    return [
        Offender(
            pk=row.pk,
            directive=escape_controls(row.directive),
            blocked=escape_controls(row.blocked),
            document_path=escape_controls(row.document_path),
            source_file=escape_controls(row.source_file),
            count=row.count,
            noise=noise_reason(Fingerprint(row.directive, row.blocked, row.document_path, row.source_file)),
        )
        for row in rows
    ]


def top_blocked(limit: int = 10) -> list[tuple[str, int]]:
    rows = (
        CspReportAggregate.objects.values("blocked")
        .annotate(total=Sum("count"))
        .order_by("-total", "blocked")[:limit]
    )
    return [(escape_controls(row["blocked"]), int(row["total"] or 0)) for row in rows]


def totals() -> dict[str, int]:
    agg = CspReportAggregate.objects.aggregate(total=Sum("count"), distinct=Count("id"))
    return {
        "violations": int(agg["total"] or 0),
        "distinct": int(agg["distinct"] or 0),
        "raw_rows": CspReport.objects.count(),
    }


def bar_chart_svg(series: list[tuple[date, int]], width: int = 720, height: int = 180) -> SafeString:
    """A column chart of ``series`` as inline SVG (one ``<rect>`` per day, hover titles)."""
    peak = max((n for _, n in series), default=0) or 1
    plot_height = height - 30
    slot = width / max(len(series), 1)
    bars = []
    for index, (day, n) in enumerate(series):
        bar_height = round(plot_height * n / peak, 1)
        bars.append(
            (
                round(index * slot + 1, 1),
                round(plot_height - bar_height + 10, 1),
                round(max(slot - 2, 1), 1),
                bar_height,
                f"{day.isoformat()}: {n}",
            )
        )
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#417690"><title>{}</title></rect>',
        bars,
    )
    first = series[0][0].isoformat() if series else ""
    last = series[-1][0].isoformat() if series else ""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="CSP reports per day" '
        'width="{w}" height="{h}" viewBox="0 0 {w} {h}" class="csp-chart">'
        '<text x="0" y="9" font-size="10" fill="#666">max {peak}/day</text>{rects}'
        '<line x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="#999"/>'
        '<text x="0" y="{label}" font-size="11" fill="#333">{first}</text>'
        '<text x="{w}" y="{label}" font-size="11" fill="#333" text-anchor="end">{last}</text></svg>',
        w=width,
        h=height,
        peak=peak if series and any(n for _, n in series) else 0,
        rects=rects,
        base=plot_height + 10,
        label=height - 4,
        first=first,
        last=last,
    )


def hbar_svg(value: int, peak: int, width: int = 200) -> SafeString:
    """A single horizontal bar proportional to ``value / peak`` (for tables)."""
    length = round(width * value / peak, 1) if peak else 0
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="12" aria-hidden="true">'
        '<rect x="0" y="1" width="{}" height="10" fill="#79aec8"/></svg>',
        width,
        length,
    )


@dataclass(frozen=True)
class BrowserReportRow:
    """One aggregated non-CSP report as the dashboard shows it (sender text escaped)."""

    pk: int
    key: str
    document_path: str
    source_file: str
    count: int


def browser_reports_by_type(limit: int = 10) -> list[tuple[str, int, list[BrowserReportRow]]]:
    """Per report type (most reported first): its total and its top ``limit`` rows."""
    totals_by_kind = (
        BrowserReportAggregate.objects.values("kind").annotate(total=Sum("count")).order_by("-total", "kind")
    )
    found = []
    for entry in totals_by_kind[:20]:
        rows = BrowserReportAggregate.objects.filter(kind=entry["kind"]).order_by("-count", "-last_seen")[
            :limit
        ]
        found.append(
            (
                escape_controls(entry["kind"]),
                int(entry["total"] or 0),
                [
                    BrowserReportRow(
                        row.pk,
                        escape_controls(row.key),
                        escape_controls(row.document_path),
                        escape_controls(row.source_file),
                        row.count,
                    )
                    for row in rows
                ],
            )
        )
    return found
