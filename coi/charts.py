"""Server-side SVG pictures: pure functions from plain data to SVG markup (no Flask, no database).

Every picture is an <svg role="img"> named by its <title> and described by its <desc>, and each
page shows an equivalent table beside it. Meaning never rests on colour alone: severities differ
by line pattern and by their printed label, funders over the dependency threshold by hatching
and the word "over". The strict CSP forbids style attributes, so the SVG uses presentation
attributes (fill=, stroke=) and the classes in static/style.css.
"""

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH = 960
SEVERITY_DASH = {"high": "", "medium": "10 5", "low": "2 5"}
SEVERITY_WIDTH = {"high": 4, "medium": 3, "low": 3}
SEVERITY_STROKE = {"high": "#942514", "medium": "#594d00", "low": "#005a30"}
SEVERITY_FILL = {"high": "hatch", "medium": "dots", "low": "solid"}
SEVERITY_WORD = {"high": "High", "medium": "Medium", "low": "Low"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Span:
    """One bar on the timeline: an engagement (above the line) or a bid (below it)."""

    key: str
    label: str
    start: date
    end: date | None = None  # None: still going on, drawn up to today with an arrow
    marker: date | None = None  # a bid's submission date, drawn as a diamond


@dataclass(frozen=True)
class Link:
    """A flag drawn as a line from the engagement it names to the bid it names."""

    key: str
    severity: str
    source: str
    target: str
    label: str


def _attrs(**kw) -> str:
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{escape(v)}"'
                   for k, v in kw.items() if v not in (None, ""))


def _el(tag: str, text: str | None = None, **kw) -> str:
    if text is None:
        return f"<{tag}{_attrs(**kw)}/>"
    return f"<{tag}{_attrs(**kw)}>{escape(text)}</{tag}>"


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str],
         css: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
            f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
            f'focusable="false" id="{chart_id}">')
    parts = [head, _el("title", title, id=f"{chart_id}-title"),
             _el("desc", desc, id=f"{chart_id}-desc"), _patterns(chart_id), *body, "</svg>"]
    return Markup("".join(parts))


def _patterns(chart_id: str) -> str:
    """Hatching and dots, so that a fill says something without its colour."""
    return (
        "<defs>"
        f'<pattern id="{chart_id}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f4cdc6"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#942514" stroke-width="4"/></pattern>'
        f'<pattern id="{chart_id}-dots" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<rect width="8" height="8" fill="#fff7bf"/>'
        '<circle cx="4" cy="4" r="2" fill="#594d00"/></pattern>'
        "</defs>")


def _fill(chart_id: str, severity: str) -> str:
    kind = SEVERITY_FILL.get(severity, "solid")
    return "#cce2d8" if kind == "solid" else f"url(#{chart_id}-{kind})"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- the relationship timeline

LANE, LEFT, RIGHT = 46, 20, 20


class _Scale:
    """Dates to x positions, over whole years so that the year ticks fall on the edges."""

    def __init__(self, dates: list[date]):
        self.first = date(min(dates).year, 1, 1)
        self.last = date(max(dates).year + 1, 1, 1)
        self.days = (self.last - self.first).days

    def x(self, day: date) -> float:
        return round(LEFT + (day - self.first).days / self.days * (WIDTH - LEFT - RIGHT), 1)


def _span_dates(spans: list[Span], today: date) -> list[date]:
    out = []
    for s in spans:
        out += [d for d in (s.start, s.end, s.marker) if d]
        if s.end is None:
            out.append(max(today, s.start))
    return out


def _lane(scale: _Scale, span: Span, y: int, today: date, css: str) -> tuple[list[str], dict]:
    """One span's label and bar at baseline y; returns the parts and its anchor points."""
    x1 = scale.x(span.start)
    x2 = scale.x(span.end or max(today, span.start))
    x2 = max(x2, x1 + 4)
    label = _clip(f"{span.key} {span.label}", 70)
    lx = min(x1, WIDTH - RIGHT - len(label) * 7.6)
    parts = [_el("text", label, x=max(LEFT, lx), y=y - 8, class_="chart__label"),
             _el("rect", x=x1, y=y - 2, width=round(x2 - x1, 1), height=12,
                 class_=f"timeline__bar {css}")]
    if span.end is None:
        parts.append(_el("polygon", points=f"{x2},{y - 5} {x2 + 9},{y + 4} {x2},{y + 13}",
                         class_=f"timeline__bar {css}"))
    point = x2
    if span.marker:
        mx = scale.x(span.marker)
        parts.append(_el("polygon", points=f"{mx},{y - 4} {mx + 8},{y + 4} {mx},{y + 12} "
                                           f"{mx - 8},{y + 4}", class_="timeline__marker"))
        point = mx
    return parts, {"x": point, "y": y + 4}


def _axis(scale: _Scale, y: int, today: date, top: int, bottom: int) -> list[str]:
    parts = [_el("line", x1=LEFT, y1=y, x2=WIDTH - RIGHT, y2=y, class_="timeline__axis",
                 stroke="#0b0c0c", stroke_width=2)]
    years = range(scale.first.year, scale.last.year + 1)
    step = 1 if len(years) <= 12 else 2
    for year in years[::step]:
        x = scale.x(date(year, 1, 1))
        parts.append(_el("line", x1=x, y1=y - 6, x2=x, y2=y + 6, stroke="#0b0c0c",
                         stroke_width=2))
        anchor = "start" if year == scale.first.year else (
            "end" if year == scale.last.year else "middle")
        parts.append(_el("text", str(year), x=x, y=y + 24, text_anchor=anchor,
                         class_="chart__tick"))
    if scale.first <= today < scale.last:
        x = scale.x(today)
        parts.append(_el("line", x1=x, y1=top, x2=x, y2=bottom, stroke="#505a5f",
                         stroke_width=1, stroke_dasharray="4 4"))
        parts.append(_el("text", "Today", x=x + 4, y=top + 12, class_="chart__tick"))
    return parts


def _links(links: list[Link], anchors: dict, axis_y: int) -> list[str]:
    """Each flag as a line from its engagement to its bid, labelled just above the point where
    it crosses the axis (labels of several flags stack upwards)."""
    parts = []
    for n, link in enumerate(links):
        a, b = anchors.get(link.source), anchors.get(link.target)
        if not a or not b:
            continue
        parts.append(_el("line", x1=a["x"], y1=a["y"], x2=b["x"], y2=b["y"],
                         stroke=SEVERITY_STROKE.get(link.severity, "#0b0c0c"),
                         stroke_width=SEVERITY_WIDTH.get(link.severity, 3),
                         stroke_dasharray=SEVERITY_DASH.get(link.severity),
                         class_=f"timeline__flag timeline__flag--{link.severity}"))
        t = (axis_y - a["y"]) / (b["y"] - a["y"]) if b["y"] != a["y"] else 0.5
        mx = round(a["x"] + (b["x"] - a["x"]) * t + 8, 1)
        my = axis_y - 8 - (n % 4) * 22
        text = _clip(link.label, 30)
        width = len(text) * 8.8 + 8
        mx = min(mx, WIDTH - RIGHT - width)
        parts.append(_el("rect", x=mx - 4, y=my - 14, width=width, height=19,
                         fill="#ffffff", stroke="#0b0c0c", stroke_width=1))
        parts.append(_el("text", text, x=mx, y=my, class_="chart__flag-label"))
    return parts


def _legend(y: int) -> list[str]:
    parts, x = [], LEFT
    for sev in ("high", "medium", "low"):
        parts.append(_el("line", x1=x, y1=y - 5, x2=x + 40, y2=y - 5,
                         stroke=SEVERITY_STROKE[sev], stroke_width=SEVERITY_WIDTH[sev],
                         stroke_dasharray=SEVERITY_DASH[sev]))
        word = f"{SEVERITY_WORD[sev]} severity flag"
        parts.append(_el("text", word, x=x + 48, y=y, class_="chart__tick"))
        x += 48 + len(word) * 7.6 + 30
    parts.append(_el("polygon", points=f"{x + 8},{y - 14} {x + 16},{y - 5} {x + 8},{y + 4} "
                                       f"{x},{y - 5}", class_="timeline__marker"))
    parts.append(_el("text", "Bid submitted", x=x + 22, y=y, class_="chart__tick"))
    return parts


def timeline(chart_id: str, title: str, desc: str, above: list[Span], below: list[Span],
             links: list[Link], today: date) -> Markup | None:
    """Engagements above the axis, bids below it, flags as lines between them; None if empty."""
    if not above and not below:
        return None
    scale = _Scale(_span_dates(above + below, today))
    top = 40
    axis_y = top + len(above) * LANE + 14
    height = axis_y + 44 + len(below) * LANE + 40
    body = [_el("text", "Voice: engagements", x=LEFT, y=20, class_="chart__heading"),
            _el("text", "Business: bids", x=LEFT, y=axis_y + 56, class_="chart__heading")]
    anchors: dict = {}
    for i, span in enumerate(above):
        parts, anchors[span.key] = _lane(scale, span, top + 18 + i * LANE, today,
                                         "timeline__bar--voice")
        body += parts
    for i, span in enumerate(below):
        parts, anchors[span.key] = _lane(scale, span, axis_y + 88 + i * LANE, today,
                                         "timeline__bar--business")
        body += parts
    height += 30
    body += _axis(scale, axis_y, today, top, height - 40)
    body += _links(links, anchors, axis_y)
    body += _legend(height - 12)
    return _svg(chart_id, title, desc, height, body, "chart--timeline")


# ---------------------------------------------------------------- open flags by month

def month_label(month: date, first: bool) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}" if first or month.month == 1 \
        else MONTHS[month.month - 1]


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 4:
            return step * 4
    return ((value // 1000) + 1) * 1000


def stacked_months(chart_id: str, title: str, desc: str, rows: list[dict]) -> Markup:
    """One column per month, stacked high / medium / low, each segment patterned."""
    top, bottom, left = 50, 60, 60
    height = 360
    plot_h = height - top - bottom
    peak = _nice_max(max([r["high"] + r["medium"] + r["low"] for r in rows] + [1]))
    col = (WIDTH - left - 20) / max(len(rows), 1)
    body = []
    for i in range(5):
        value = peak * i // 4
        y = round(top + plot_h - plot_h * i / 4, 1)
        body.append(_el("line", x1=left, y1=y, x2=WIDTH - 20, y2=y, stroke="#b1b4b6",
                        stroke_width=1))
        body.append(_el("text", str(value), x=left - 8, y=y + 5, text_anchor="end",
                        class_="chart__tick"))
    for i, row in enumerate(rows):
        x, base = left + i * col + col * 0.2, top + plot_h
        total = 0
        for sev in ("high", "medium", "low"):
            h = plot_h * row[sev] / peak
            if h:
                body.append(_el("rect", x=round(x, 1), y=round(base - h, 1),
                                width=round(col * 0.6, 1), height=round(h, 1),
                                fill=_fill(chart_id, sev), stroke="#0b0c0c", stroke_width=1))
            base -= h
            total += row[sev]
        body.append(_el("text", str(total), x=round(x + col * 0.3, 1), y=round(base - 6, 1),
                        text_anchor="middle", class_="chart__value"))
        body.append(_el("text", month_label(row["month"], i == 0), x=round(x + col * 0.3, 1),
                        y=top + plot_h + 22, text_anchor="middle", class_="chart__tick"))
    body += _swatches(chart_id, height - 12)
    return _svg(chart_id, title, desc, height, body, "chart--flags")


def _swatches(chart_id: str, y: int) -> list[str]:
    parts, x = [], 60
    for sev in ("high", "medium", "low"):
        parts.append(_el("rect", x=x, y=y - 14, width=28, height=18,
                         fill=_fill(chart_id, sev), stroke="#0b0c0c", stroke_width=1))
        word = f"{SEVERITY_WORD[sev]} severity"
        parts.append(_el("text", word, x=x + 36, y=y, class_="chart__tick"))
        x += 36 + len(word) * 7.6 + 30
    return parts


# ---------------------------------------------------------------- income against R3

def share_bars(chart_id: str, title: str, desc: str, years: list[dict],
               threshold: int) -> Markup:
    """Each funder's share of a year's income as a bar, against the dependency threshold.

    years: [{"year": "2025-26", "funders": [{"name", "pct", "amount", "body"}]}], pct 0-100;
    only a commissioning body ("body", true by default) can be over the threshold."""
    left, right, row_h = 300, 160, 30
    plot_w = WIDTH - left - right
    y, body = 60, []
    for group in years:
        body.append(_el("text", f"Financial year {group['year']}", x=20, y=y,
                        class_="chart__heading"))
        y += 14
        for funder in group["funders"]:
            over = funder["pct"] > threshold and funder.get("body", True)
            w = max(plot_w * funder["pct"] / 100, 1)
            body.append(_el("text", _clip(funder["name"], 34), x=20, y=y + 17,
                            class_="chart__label"))
            body.append(_el("rect", x=left, y=y + 2, width=round(w, 1), height=20,
                            fill=_fill(chart_id, "high") if over else "#d2e2f1",
                            stroke="#0b0c0c", stroke_width=1))
            words = f"{funder['pct']:.0f}% ({funder['amount']})" + (" over" if over else "")
            body.append(_el("text", words, x=round(left + w + 8, 1), y=y + 17,
                            class_="chart__value" if over else "chart__tick"))
            y += row_h
        y += 24
    tx = left + plot_w * threshold / 100
    body.append(_el("line", x1=tx, y1=40, x2=tx, y2=y - 20, stroke="#0b0c0c", stroke_width=2,
                    stroke_dasharray="8 4"))
    body.append(_el("text", f"Dependency threshold {threshold}%", x=tx, y=28,
                    text_anchor="middle", class_="chart__value"))
    for pct in (0, 25, 50, 75, 100):
        x = left + plot_w * pct / 100
        body.append(_el("text", f"{pct}%", x=x, y=y - 2, text_anchor="middle",
                        class_="chart__tick"))
    return _svg(chart_id, title, desc, y + 10, body, "chart--income")
