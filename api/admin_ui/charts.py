"""Charts for the officers' figures page, drawn on the server as inline SVG.

Nothing is fetched and no script runs: each chart is an ``<svg role="img">`` whose
``<title>`` and ``<desc>`` a screen reader reads; every bar carries its own ``<title>``
(a tooltip on hover) and ``data-label``/``data-value``. The numbers are also printed next
to the bars, or in a table under the chart. Every text is escaped. Class names keep
clear of the admin theme's: its ``.row`` and ``.chart`` rules would resize the shapes.

Two shapes cover the page: rows of horizontal bars (one or several stacked parts per
row: top topics, 👍/👎, sign-ups per event, campaign outcomes) and columns over days
(questions per day, the not-found rate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

from api.figures import Figures
from campaigns.service import CampaignResult
from core.clock_display import OfficeClock

# A chart is as wide as its card: across it in percent, down it (and texts) in pixels.
FONT = 13
# The longest bar's share of the width; its number follows it.
BAR_SPAN = 78.0
# Labels longer than this (in pixels: a phone's card) end in an ellipsis.
LABEL_WIDTH = 300
# The narrowest card (a phone's), and the room a date under a column needs there.
NARROWEST = 300
DAY_LABEL_WIDTH = 44
ROW_HEIGHT = 40
BAR_HEIGHT = 14
LEGEND_HEIGHT = 24
PLOT_HEIGHT = 150
# Colours for the parts of a bar, in tabler's palette.
BLUE, GREEN, ORANGE, RED, YELLOW, GREY = (
    "#066fd1",
    "#2fb344",
    "#f76707",
    "#d63939",
    "#f59f00",
    "#9ca3af",
)
LIGHT_GREY = "#d1d5db"
TEXT, MUTED = "#1f2937", "#6b7280"


@dataclass(frozen=True)
class Series:
    """One kind of part in a chart's bars, with its name in the legend."""

    key: str
    name: str
    color: str


@dataclass(frozen=True)
class Row:
    """One horizontal bar: its parts, one per series, and the number printed after it."""

    label: str
    parts: tuple[float, ...]
    text: str


@dataclass(frozen=True)
class Column:
    """One day's column: its parts, one per series, and what its tooltip says."""

    label: str
    parts: tuple[float, ...]
    text: str


def bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[Row],
    series: Sequence[Series],
    *,
    legend: bool = True,
    empty: str = "暂无数据",
) -> Markup:
    """Rows of horizontal bars on one scale, each label above its bar and its number
    after it; several series stack within a bar and get a legend (unless the labels say
    it all: ``legend=False``)."""
    if not rows:
        return _nothing(chart_id, empty)
    parts: list[str] = []
    legend_room = 0
    if legend and len(series) > 1:
        drawn, legend_room = _legend(series)
        parts.append(drawn)
    height = legend_room + ROW_HEIGHT * len(rows)
    largest = max((sum(r.parts) for r in rows), default=0) or 1
    for n, row in enumerate(rows):
        top = legend_room + n * ROW_HEIGHT
        parts.append(
            f'<g class="bar-row" data-label="{escape(row.label)}">'
            f'<text x="0" y="{top + FONT}" font-size="{FONT}" fill="{TEXT}">'
            f"{escape(_fit(row.label, LABEL_WIDTH))}</text>"
        )
        x = 0.0
        bar_top = top + FONT + 5
        for one, value in zip(series, row.parts, strict=True):
            width = BAR_SPAN * value / largest
            if value > 0:
                parts.append(
                    f'<rect class="bar" data-series="{escape(one.key)}"'
                    f' data-label="{escape(row.label)}" data-value="{_number(value)}"'
                    f' x="{x:.2f}%" y="{bar_top}" width="{width:.2f}%" height="{BAR_HEIGHT}"'
                    f' fill="{one.color}">'
                    f"<title>{escape(row.label)}：{escape(one.name)} {_number(value)}</title>"
                    "</rect>"
                )
            x += width
        parts.append(
            f'<text class="value" x="{x:.2f}%" dx="5" y="{bar_top + BAR_HEIGHT - 2}"'
            f' font-size="{FONT}" fill="{TEXT}">{escape(row.text)}</text></g>'
        )
    return _svg(chart_id, title, _description(rows, series), height, parts)


def column_chart(
    chart_id: str,
    title: str,
    columns: Sequence[Column],
    series: Sequence[Series],
    *,
    maximum: float | None = None,
    percent: bool = False,
    empty: str = "暂无数据",
) -> Markup:
    """Columns over days, several series stacked in each, under a dashed line at the
    top value (``maximum``, or the tallest column; a share when ``percent``)."""
    if not columns or not any(sum(c.parts) for c in columns):
        return _nothing(chart_id, empty)
    parts: list[str] = []
    legend = 0
    if len(series) > 1:
        drawn, legend = _legend(series)
        parts.append(drawn)
    top = maximum or max(sum(c.parts) for c in columns)
    plot_top = legend + FONT + 4
    bottom = plot_top + PLOT_HEIGHT
    step = 100 / len(columns)
    bar_width = step * 0.7
    top_text = f"{top:.0%}" if percent else _number(top)
    parts.append(
        f'<text x="0" y="{plot_top - 4}" font-size="{FONT - 1}" fill="{MUTED}">{top_text}</text>'
        f'<line x1="0" y1="{plot_top}" x2="100%" y2="{plot_top}"'
        f' stroke="{LIGHT_GREY}" stroke-dasharray="3 3"/>'
        f'<line x1="0" y1="{bottom}" x2="100%" y2="{bottom}" stroke="{GREY}"/>'
    )
    # Dates under every few columns, counted back from the last day, spaced for the
    # narrowest screen (a phone's).
    every = max(1, math.ceil(len(columns) * DAY_LABEL_WIDTH / NARROWEST))
    for n, column in enumerate(columns):
        x = n * step + (step - bar_width) / 2
        y = float(bottom)
        for one, value in zip(series, column.parts, strict=True):
            height = PLOT_HEIGHT * value / top
            if value > 0:
                y -= height
                parts.append(
                    f'<rect class="bar" data-series="{escape(one.key)}"'
                    f' data-label="{escape(column.label)}" data-value="{_number(value)}"'
                    f' x="{x:.2f}%" y="{y:.1f}" width="{bar_width:.2f}%"'
                    f' height="{max(height, 1):.1f}" fill="{one.color}">'
                    f"<title>{escape(column.label)}：{escape(column.text)}</title></rect>"
                )
        if (len(columns) - 1 - n) % every == 0:
            centre = x + bar_width / 2
            # The first and last dates keep inside the drawing.
            anchor = "start" if centre < 6 else "end" if centre > 94 else "middle"
            at = 0 if anchor == "start" else 100 if anchor == "end" else centre
            parts.append(
                f'<text x="{at:.2f}%" y="{bottom + FONT + 4}" font-size="{FONT - 1}"'
                f' fill="{MUTED}" text-anchor="{anchor}">'
                f"{escape(_short_day(column.label))}</text>"
            )
    height = bottom + FONT + 8
    shown = [(c.label, c.text) for c in columns if sum(c.parts)]
    description = "；".join(f"{label}：{text}" for label, text in shown)
    return _svg(chart_id, title, description, height, parts)


def _svg(chart_id: str, title: str, description: str, height: float, parts: list[str]) -> Markup:
    """The drawing: as wide as its card and as tall as its rows; texts keep their size."""
    title_id, desc_id = escape(f"{chart_id}-title"), escape(f"{chart_id}-desc")
    # Every text in the drawing went through ``escape`` where it was put in.
    return Markup(  # noqa: S704
        f'<svg class="svg-chart" id="{escape(chart_id)}" role="img" width="100%"'
        f' height="{height:.0f}" aria-labelledby="{title_id} {desc_id}"'
        ' xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )


def _nothing(chart_id: str, empty: str) -> Markup:
    return Markup('<p class="text-secondary chart-empty" id="{}">{}</p>').format(chart_id, empty)


def _legend(series: Sequence[Series]) -> tuple[str, int]:
    """The series' names by their colours, in lines as wide as a phone's card; with
    the height they take."""
    items, x, top = [], 0.0, 0
    for one in series:
        width = 14 + _text_width(one.name, FONT - 1) + 14
        if x and x + width > NARROWEST:
            x, top = 0.0, top + LEGEND_HEIGHT
        items.append(
            f'<rect x="{x:.1f}" y="{top + 4}" width="10" height="10" fill="{one.color}"/>'
            f'<text x="{x + 14:.1f}" y="{top + 13}" font-size="{FONT - 1}" fill="{TEXT}">'
            f"{escape(one.name)}</text>"
        )
        x += width
    return '<g class="legend">' + "".join(items) + "</g>", top + LEGEND_HEIGHT


def _description(rows: Sequence[Row], series: Sequence[Series]) -> str:
    """What a screen reader says for the bars: each row with its number (and its parts)."""
    said = []
    for row in rows:
        if len(series) > 1:
            detail = "，".join(
                f"{one.name} {_number(v)}" for one, v in zip(series, row.parts, strict=True) if v
            )
            said.append(f"{row.label}：{row.text}（{detail}）" if detail else f"{row.label}：0")
        else:
            said.append(f"{row.label}：{row.text}")
    return "；".join(said)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def _text_width(text: str, size: int) -> float:
    """About how wide ``text`` is drawn: a Chinese character (or an emoji) is a full
    square, a Latin letter or digit a little over half of one."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _fit(text: str, width: float) -> str:
    """``text``, cut with an ellipsis where it would run past ``width``."""
    if _text_width(text, FONT) <= width:
        return text
    kept, used = [], _text_width("…", FONT)
    for ch in text:
        used += _text_width(ch, FONT)
        if used > width:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def _short_day(day: str) -> str:
    """``12-07`` for ``2026-12-07``."""
    return day[5:] if len(day) == 10 else day


# The figures page: which charts it shows, from what the figures already hold.

PER_DAY = (Series("answered", "已答", GREEN), Series("not_found", "未找到答案", ORANGE))
NOT_FOUND_RATE = (Series("not_found_rate", "未找到答案的比例", ORANGE),)
TOPICS = (Series("questions", "提问", BLUE),)
NOT_FOUND = (Series("questions", "提问", ORANGE),)
VOTES = (Series("helpful", "👍 有帮助", GREEN), Series("not_helpful", "👎 没帮助", RED))
SIGN_UPS = (
    Series("confirmed", "已确认", BLUE),
    Series("attended", "已签到", GREEN),
    Series("waitlisted", "候补", YELLOW),
    Series("cancelled", "已取消", GREY),
)
DELIVERY = (
    Series("sent", "已送达", GREEN),
    Series("blocked", "已屏蔽", GREY),
    Series("failed", "失败", RED),
    Series("unknown", "结果未知", YELLOW),
    Series("not_sent", "未发出", LIGHT_GREY),
)
# The newest events charted; the table under the chart lists them all.
CHARTED_EVENTS = 12


def figure_charts(figures: Figures, today: date, clock: OfficeClock) -> dict[str, Markup]:
    """The figures page's charts by name. ``today`` is the office's date: the day
    columns run up to it, with a column for every day of the period, zero or not."""
    q = figures.questions
    counted = {d.day: d for d in q.days}
    first = today - timedelta(days=figures.days - 1)
    days = sorted(
        {(first + timedelta(days=n)).isoformat() for n in range(figures.days)} | set(counted)
    )
    per_day, rate = [], []
    for day in days:
        d = counted.get(day)
        asked, answered = (d.asked, d.answered) if d else (0, 0)
        missed = asked - answered
        per_day.append(Column(day, (answered, missed), f"提问 {asked}，已答 {answered}"))
        share = missed / asked if asked else 0.0
        said = f"未找到答案 {missed} / {asked}（{share:.0%}）" if asked else "无提问"
        rate.append(Column(day, (round(share, 4),), said))
    helpful, not_helpful = q.feedback.get("helpful", 0), q.feedback.get("not_helpful", 0)
    events = figures.registrations[:CHARTED_EVENTS]
    return {
        "per_day": column_chart("chart-per-day", "每日提问", per_day, PER_DAY),
        "not_found_rate": column_chart(
            "chart-not-found-rate",
            "每日未找到答案的比例",
            rate,
            NOT_FOUND_RATE,
            maximum=1.0,
            percent=True,
        ),
        "topics": bar_chart(
            "chart-topics", "热门主题", [Row(t, (n,), str(n)) for t, n in q.top_topics], TOPICS
        ),
        "not_found": bar_chart(
            "chart-not-found",
            "未找到答案的问题",
            [Row(t, (n,), str(n)) for t, n in q.top_not_found],
            NOT_FOUND,
        ),
        "feedback": bar_chart(
            "chart-feedback",
            "答复评价",
            [
                Row("👍 有帮助", (helpful, 0), str(helpful)),
                Row("👎 没帮助", (0, not_helpful), str(not_helpful)),
            ]
            if helpful or not_helpful
            else [],
            VOTES,
            legend=False,
            empty="本期没有评价",
        ),
        "registrations": bar_chart(
            "chart-registrations",
            "活动报名",
            [
                Row(
                    f"{e.title}（{clock.show(e.starts_at)}）",
                    (e.confirmed, e.attended, e.waitlisted, e.cancelled),
                    f"{e.confirmed + e.attended} / {e.capacity} 席",
                )
                for e in events
            ],
            SIGN_UPS,
            empty="没有活动",
        ),
        "campaigns": bar_chart(
            "chart-campaigns",
            "推送结果",
            [_delivery_row(r) for r in figures.campaigns],
            DELIVERY,
            empty="本期没有推送",
        ),
    }


def _delivery_row(result: CampaignResult) -> Row:
    s = result.stats
    ended = s.sent + s.blocked + s.failed + s.unknown + s.out_of_window
    not_reached = s.failed + s.out_of_window  # out of WeChat's 48-hour window: not sent
    return Row(
        result.campaign.title,
        (s.sent, s.blocked, not_reached, s.unknown, max(s.targeted - ended, 0)),
        f"送达 {result.delivery_rate:.0%}",
    )
