"""The operational report as a page context and as CSV (same figures, same order)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from civicdesk.reports import charts
from civicdesk.reports.operational import CloseRow, OperationalReport, days_to_close

# The CSV's words for operational.comparison_kind, translated when the file is written (in
# the reader's language, as its headings).
COMPARED_WITH = {
    "month": gettext_noop("the previous calendar month"),
    "quarter": gettext_noop("the previous calendar quarter"),
    "year": gettext_noop("the previous calendar year"),
    "months": gettext_noop("as many calendar months just before"),
    "days": gettext_noop("as many days just before"),
}


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


# The time-to-close tables' columns: the times as numbers of days, then as the page writes
# them; translated when the file is written.
CLOSE_COLUMNS = (
    gettext_noop("Name"),
    gettext_noop("Opened"),
    gettext_noop("Closed"),
    gettext_noop("Median days"),
    gettext_noop("90th percentile days"),
    gettext_noop("Closed within target (%)"),
    gettext_noop("Median"),
    gettext_noop("90th percentile"),
)


def _days(value: float | None) -> str:
    """A time to close in days for a spreadsheet: to a thousandth under a day (0.175 is 4.2
    hours), else to a hundredth (2.83 is 2 days 20 hours; a tenth, 2.4 hours, would tie times
    the report now gives exactly)."""
    if value is None:
        return ""
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}"


def _shown(value: float | None) -> str:
    """A time to close as the page writes it ("4.2 hours", "2.5 days"); empty for none."""
    return "" if value is None else days_to_close(value)


# A time-to-close chart draws at most this many bars, those with the most cases closed in the
# period (the tables' order); its table lists every row. More would make a chart taller than
# a screen, whose bars of one or two cases tell little.
CHART_ROWS = 25


def _close_chart_notes(kind: str, shown: int, listed: int) -> tuple[str, str]:
    """The alt text and the note under a time-to-close chart that shows ``shown`` of the
    ``listed`` rows of its table (kind: "type", "department" or "district")."""
    values = {"shown": shown, "listed": listed}
    if kind == "type":
        alt = _(
            "Bar chart of the median time to close of the %(shown)d types with the most cases closed; "
            "every type's figures are in the table."
        )
        note = _(
            "The chart shows the %(shown)d types with the most cases closed in the period; "
            "the table lists all %(listed)d types."
        )
    elif kind == "department":
        alt = _(
            "Bar chart of the median time to close of the %(shown)d departments with the most cases closed; "
            "every department's figures are in the table."
        )
        note = _(
            "The chart shows the %(shown)d departments with the most cases closed in the period; "
            "the table lists all %(listed)d departments."
        )
    else:
        alt = _(
            "Bar chart of the median time to close of the %(shown)d districts with the most cases closed; "
            "every district's figures are in the table."
        )
        note = _(
            "The chart shows the %(shown)d districts with the most cases closed in the period; "
            "the table lists all %(listed)d districts."
        )
    return alt % values, note % values


def report_context(report: OperationalReport) -> dict[str, Any]:
    """The figures and their charts (each chart has its table on the page)."""

    def close_table(table_id: str, title: str, column: str, kind: str, rows: list[CloseRow]) -> dict[str, Any]:
        # The rows come most cases closed first: the chart draws the first CHART_ROWS of
        # those with a median (a row with no closing has no bar).
        closed = [r for r in rows if r.median_days is not None]
        if not closed:
            # No time to close to draw: the page says so in place of the chart.
            return {
                "id": table_id,
                "title": title,
                "column": column,
                "rows": rows,
                "chart": None,
                "alt": "",
                "note": "",
            }
        shown = closed[:CHART_ROWS]
        labels, values = [r.label for r in shown], [r.median_days or 0.0 for r in shown]
        texts = [days_to_close(value) for value in values]
        chart = charts.bars(labels, values, xlabel=_("Median time to close (days)"), decimals=1, value_texts=texts)
        if len(shown) < len(closed):
            alt, note = _close_chart_notes(kind, len(shown), len(rows))
        else:
            alt, note = _("Bar chart of the median time to close; the same figures are in the table."), ""
        return {
            "id": table_id,
            "title": title,
            "column": column,
            "rows": rows,
            "chart": chart,
            "alt": alt,
            "note": note,
        }

    def bars(
        labels: list[str], values: list[float], xlabel: str, decimals: int = 0, suffix: str = ""
    ) -> charts.Chart | None:
        # A chart of nothing but zeros (no open case, no new request) is not drawn: the page
        # says in words what it would have shown.
        if not any(values):
            return None
        return charts.bars(labels, values, xlabel=xlabel, decimals=decimals, suffix=suffix)

    def trend(points: list[Any], label_format: str, title: str) -> charts.Chart | None:
        if report.nothing_in_period:
            return None
        # A partial week or month is starred, as the note under its table explains.
        labels = [p.start.strftime(label_format) + ("*" if p.partial else "") for p in points]
        opened, closed = [p.opened for p in points], [p.closed for p in points]
        return charts.trend_chart(labels, opened, closed, title=title)

    by_type, by_department, by_district = report.by_type, report.by_department, report.by_district
    return {
        "report": report,
        "tables": [
            close_table("by-type", _("Time to close by type"), _("Type"), "type", by_type),
            close_table(
                "by-department", _("Time to close by department"), _("Department"), "department", by_department
            ),
            close_table("by-district", _("Time to close by district"), _("District"), "district", by_district),
        ],
        "backlog_chart": bars([b.label for b in report.backlog], [b.count for b in report.backlog], _("Open cases")),
        "channel_chart": bars(
            [c.label for c in report.channels],
            [c.percent for c in report.channels],
            _("Share of new requests (%)"),
            decimals=1,
            suffix="%",
        ),
        "weekly_chart": trend(report.weekly, "%m/%d", _("Per week")),
        "monthly_chart": trend(report.monthly, "%Y-%m", _("Per month")),
    }


def file_stem(report: OperationalReport) -> str:
    scope = report.city.slug if report.city is not None else "all-cities"
    return f"operations-{scope}-{report.date_from.isoformat()}-{report.date_to.isoformat()}"


def report_csv(report: OperationalReport) -> str:
    """One section per table: a title row, a header row, data rows, an empty row. Times to
    close are numbers of days (to a thousandth under a day: 0.175 is 4.2 hours; else to a
    hundredth), so that a spreadsheet can sort and add them, and also as the page writes them
    ("4.2 hours", "2.5 days") in the last columns.

    Its words (titles, headings, the rows' own labels, the times as written) are in the active
    language, as the Service Request Report's CSV (``exports.report_csv``) and the page it is
    downloaded from are; dates (ISO) and numbers (a dot for decimals, no thousands separator)
    read the same in every language, for a spreadsheet or a program."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    previous, change = _("Previous period"), pgettext("the difference between two periods' figures", "Change")
    w.writerow([_("Operational report")])
    w.writerow([_("Scope"), report.scope_label])
    w.writerow([_("From"), report.date_from.isoformat()])
    w.writerow([_("To"), report.date_to.isoformat()])
    w.writerow(
        [
            previous,
            _("%(start)s to %(end)s")
            % {"start": report.previous_from.isoformat(), "end": report.previous_to.isoformat()},
        ]
    )
    w.writerow([_("Compared with"), _(COMPARED_WITH[report.compared_with])])
    w.writerow([])
    w.writerow([_("Comparison with the previous period")])
    w.writerow([_("Figure"), _("This period"), previous, change, _("Change (%)")])
    for c in report.comparison:
        if c.in_days:
            label = _("%(figure)s (days)") % {"figure": c.label}
            w.writerow([label, _days(c.current), _days(c.previous), _days(c.delta), _fmt(c.percent)])
        else:
            w.writerow([c.label, _fmt(c.current), _fmt(c.previous), _fmt(c.delta), _fmt(c.percent)])
    w.writerow([])
    w.writerow(
        [
            _("Backlog"),
            _("open cases as of %(time)s") % {"time": report.as_of.isoformat(timespec="minutes")},
        ]
    )
    w.writerow([_("Age"), _("Open cases")])
    for b in report.backlog:
        w.writerow([b.label, b.count])
    for title, rows in (
        (_("Time to close by type"), report.by_type),
        (_("Time to close by department"), report.by_department),
        (_("Time to close by district"), report.by_district),
    ):
        w.writerow([])
        w.writerow([title])
        w.writerow([_(column) for column in CLOSE_COLUMNS])
        for r in rows:
            days = [_days(r.median_days), _days(r.p90_days), _fmt(r.on_time_percent)]
            w.writerow([r.label, r.opened, r.closed, *days, _shown(r.median_days), _shown(r.p90_days)])
    w.writerow([])
    w.writerow([_("Intake by channel")])
    w.writerow([_("Channel"), _("New requests"), _("Share (%)")])
    for channel in report.channels:
        w.writerow([channel.label, channel.count, f"{channel.percent:.1f}"])
    for title, points in ((_("Trend by week"), report.weekly), (_("Trend by month"), report.monthly)):
        w.writerow([])
        w.writerow([title])
        w.writerow([_("From"), _("To"), _("Opened"), _("Closed")])
        for p in points:
            w.writerow([p.start.isoformat(), p.end.isoformat(), p.opened, p.closed])
    return out.getvalue()
