"""Pure plotly figure builders (results in, figures out). User text in labels is HTML-escaped."""

from __future__ import annotations

import html
import math
import textwrap

import plotly.graph_objects as go

from metrics.compute.resolution import LeakResult

BLUE, RED, GREY, GREEN = "#2563eb", "#dc2626", "#9ca3af", "#16a34a"
HANDLER_COLOURS = {"AI conversations": BLUE, "Human conversations": RED}
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 380}


TITLE_CHARS = 42  # a title line that fits a phone's width (390 px); plotly cuts a longer one at the edge
TITLE_LINE = 24  # pixels of top margin per extra title line (the theme's title font with its line spacing)


def wrap_title(fig: go.Figure, width: int = TITLE_CHARS) -> go.Figure:
    """The figure with its title broken into lines of at most `width` characters at spaces (plotly never wraps
    a title: a long one was cut off on a phone), and the top margin grown to hold the extra lines."""
    text = fig.layout.title.text
    if not text or len(text) <= width:
        return fig
    lines = [part for line in text.split("<br>") for part in textwrap.wrap(line, width, break_long_words=False)]
    top = fig.layout.margin.t if fig.layout.margin.t is not None else LAYOUT["margin"]["t"]
    height = fig.layout.height or LAYOUT["height"]
    fig.update_layout(  # the first line about 6 px from the top, the others below it in the margin made for
        # them (measured in chromium: plotly anchors a title's top about 15 px above its first line's, and
        # ignores its padding against the container, so the place is given as a fraction of the height)
        title={"text": "<br>".join(lines), "yref": "container", "y": 1 - 21 / height, "yanchor": "top"},
        margin={"t": top + TITLE_LINE * (len(lines) - 1)},
    )
    return fig


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text))


def leak_waterfall(r: LeakResult) -> go.Figure:
    labels = ["AI conversations", "Handed to a human", "Windows still open (pending)", "Deflected, windows closed"]
    measures = ["absolute", "relative", "relative", "total"]
    values = [r.ai, -r.escalated, -r.pending, 0]
    for _, label, n in r.leaks:
        labels.append(label)
        measures.append("relative")
        values.append(-n)
    labels.append("Truly resolved")
    measures.append("total")
    values.append(0)
    texts = [f"{r.ai:,}", f"-{r.escalated:,}" if r.escalated else "0", f"-{r.pending:,}" if r.pending else "0"]
    texts.append(f"{r.deflected_matured:,}")
    texts += [f"-{n:,}" if n else "0" for _, _, n in r.leaks] + [f"{r.truly_resolved:,}"]
    fig = go.Figure(
        go.Waterfall(
            x=labels,
            y=values,
            measure=measures,
            textposition="outside",
            text=texts,
            decreasing={"marker": {"color": RED}},
            increasing={"marker": {"color": BLUE}},
            totals={"marker": {"color": BLUE}},
            connector={"line": {"color": GREY}},
        )
    )
    fig.update_layout(title="From AI conversations to truly resolved", showlegend=False, **LAYOUT)
    return fig


def rate_bars(rows: list[dict], label_key: str, series: dict[str, str], title: str) -> go.Figure:
    """Grouped horizontal bars: one bar per series (metric id -> label) per segment, with Wilson intervals."""
    fig = go.Figure()
    for mid, name in series.items():
        xs, ys, lo, hi = [], [], [], []
        for r in rows:
            res = r[mid]
            if res.value is None:
                continue
            ys.append(esc(r[label_key]))
            xs.append(res.value)
            lo.append(res.value - res.ci_low)
            hi.append(res.ci_high - res.value)
        fig.add_bar(
            x=xs,
            y=ys,
            name=esc(name),
            orientation="h",
            error_x={"type": "data", "array": hi, "arrayminus": lo, "thickness": 1},
        )
    top = max([1e-9] + [r[m].ci_high for r in rows for m in series if r[m].ci_high is not None])
    fig.update_layout(
        title=title,
        barmode="group",
        xaxis={"tickformat": ".0%", "range": [0, 1 if top > 0.5 else top * 1.1]},
        legend={"orientation": "h", "y": -0.15},
        **{**LAYOUT, "height": max(320, 40 * len(rows) + 120)},
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def trend(
    points: dict[str, list[tuple[object, float | None]]],
    title: str,
    percent: bool = True,
    partial: tuple = (),
    goals: dict[str, float] | None = None,
) -> go.Figure:
    """Lines over time from the first period with a value (no empty months before the data starts); periods
    in `partial` (a first or last week only partly inside the data) are drawn as hollow markers and named."""
    points = {k: v for k, v in points.items() if any(y is not None for _, y in v)}  # no legend for an empty line
    starts = [next((i for i, (_, v) in enumerate(pts) if v is not None), len(pts)) for pts in points.values()]
    first = min(starts, default=0)
    fig = go.Figure()
    for name, pts in points.items():
        pts = pts[first:]
        fig.add_scatter(
            x=[p[0] for p in pts],
            y=[p[1] for p in pts],
            mode="lines+markers",
            name=esc(name),
            marker={"symbol": ["circle-open" if p[0] in partial else "circle" for p in pts], "size": 7},
        )
    for name, goal in (goals or {}).items():
        if name in points:
            fig.add_hline(y=goal, line={"dash": "dash", "color": GREEN}, annotation_text=esc(f"Target: {name}"))
    note = " (hollow: a partial period)" if any(p[0] in partial for pts in points.values() for p in pts[first:]) else ""
    fig.update_layout(
        title=title + note,
        yaxis={"tickformat": ".0%" if percent else ""},
        legend={"orientation": "h", "y": -0.2},
        **LAYOUT,
    )
    return fig


def quantile_boxes(stats: dict[str, dict[str, float]], title: str) -> go.Figure:
    """Box plots from precomputed quantiles in seconds (p10, p25, p50, p75, p90), drawn in minutes, hours or
    days (whichever reads best for the largest median), so no raw rows leave the database."""
    medians = [q["p50"] for q in stats.values() if q.get("p50") is not None]
    top = max(medians, default=0)
    unit, per = ("minutes", 60) if top < 5400 else ("hours", 3600) if top < 172800 else ("days", 86400)
    fig = go.Figure()
    for name, q in stats.items():
        if q.get("p50") is None:
            continue
        fig.add_trace(
            go.Box(
                name=esc(name),
                x=[esc(name)],
                q1=[q["p25"] / per],
                median=[q["p50"] / per],
                q3=[q["p75"] / per],
                lowerfence=[q["p10"] / per],
                upperfence=[q["p90"] / per],
                boxpoints=False,
            )
        )
    yaxis = {"title": f"{unit} (log scale)", "type": "log", "dtick": 1, "tickformat": "~g"}  # 0.1, 1, 10, 100
    fig.update_layout(title=title, yaxis=yaxis, showlegend=False, **LAYOUT)
    return fig


def by_decile(rows: list[dict], title: str) -> go.Figure:
    fig = go.Figure()
    xs = [f"{r['decile']} ({r['min_load']}-{r['max_load']})" for r in rows]
    fig.add_scatter(x=xs, y=[r["true_resolution_rate"] for r in rows], name="Truly resolved", mode="lines+markers")
    fig.add_scatter(x=xs, y=[r["escalation_rate"] for r in rows], name="Handed to a human", mode="lines+markers")
    fig.update_layout(
        title=title,
        xaxis={"title": "Load decile (AI conversations open at start)"},
        yaxis={"tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3},
        **LAYOUT,
    )
    return fig


def transition_heatmap(grid: list[list[int]], title: str) -> go.Figure:
    names = ["negative", "neutral", "positive"]
    total = sum(map(sum, grid)) or 1
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"end {n}" for n in names],
            y=[f"start {n}" for n in names],
            colorscale="Blues",
            text=[[f"{v:,}<br>{v / total:.0%}" for v in row] for row in grid],
            texttemplate="%{text}",
            showscale=False,
        )
    )
    fig.update_layout(title=title, **LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def hazard_curve(series: dict[str, list[dict]], title: str) -> go.Figure:
    fig = go.Figure()
    for name, pts in series.items():
        pts = [p for p in pts if p["reached"]]
        fig.add_scatter(
            x=[p["k"] for p in pts],
            y=[p["exits"] / p["reached"] for p in pts],
            mode="lines+markers",
            name=esc(name),
            customdata=[[p["exits"], p["reached"]] for p in pts],
            hovertemplate="after answer %{x}: %{y:.1%} (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    fig.update_layout(
        title=title,
        xaxis={"title": "AI answers so far", "dtick": 1},
        yaxis={"tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25},
        **LAYOUT,
    )
    return fig


def _band(fig: go.Figure, x: list, low: list, high: list, colour: str, shape: str = "linear") -> None:
    """A shaded 95% range under a line: the high edge out and the low edge back, filled."""
    fig.add_scatter(
        x=x + x[::-1],
        y=high + low[::-1],
        fill="toself",
        line={"width": 0, "shape": shape},
        fillcolor=colour,
        opacity=0.15,
        hoverinfo="skip",
        showlegend=False,
    )


def return_curve(series: dict[str, list[dict]], title: str) -> go.Figure:
    """Step curves of the probability of having come back (return_curve rows), each with its 95% band."""
    fig = go.Figure()
    colours = [BLUE, RED, GREEN, GREY]
    for n, (name, pts) in enumerate(series.items()):
        # AI blue and human red on every dataset (a helpdesk export's only curve, the human one, was blue)
        colour = HANDLER_COLOURS.get(name, colours[n % len(colours)])
        days = [p["hours"] / 24 for p in pts]
        _band(fig, days, [p["ci_low"] for p in pts], [p["ci_high"] for p in pts], colour, "hv")
        fig.add_scatter(
            x=days,
            y=[p["probability"] for p in pts],
            mode="lines",
            line={"color": colour, "shape": "hv"},
            name=esc(name),
            customdata=[[p["ci_low"], p["ci_high"], p["at_risk"]] for p in pts],
            hovertemplate="%{x:.2g} days: %{y:.1%} (95% %{customdata[0]:.1%}-%{customdata[1]:.1%}; "
            "%{customdata[2]:,} still followed)<extra></extra>",
        )
    fig.update_layout(
        title=title,
        xaxis={"title": "Days after the conversation ended", "dtick": 1},
        yaxis={"title": "Came back", "tickformat": ".0%", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.25},
        **LAYOUT,
    )
    return fig


def forecast_band(points: list[tuple], title: str) -> go.Figure:
    """Forecast volume (week, mean, low, high) as a line with its 95% band."""
    fig = go.Figure()
    weeks = [str(p[0]) for p in points]
    _band(fig, weeks, [p[2] for p in points], [p[3] for p in points], BLUE)
    fig.add_scatter(
        x=weeks,
        y=[p[1] for p in points],
        mode="lines+markers",
        line={"color": BLUE},
        name="Forecast",
        customdata=[[p[2], p[3]] for p in points],
        hovertemplate="week of %{x}: %{y:,.0f} (95% %{customdata[0]:,.0f}-%{customdata[1]:,.0f})<extra></extra>",
    )
    fig.update_layout(title=title, yaxis={"title": "Conversations", "rangemode": "tozero"}, **LAYOUT)
    return fig


def p_chart(points: list[dict], sigma: float, title: str, alert_days: tuple = ()) -> go.Figure:
    """Daily rate with its trailing baseline and the alert band (baseline +- sigma standard errors); the days
    that raised an alert are marked."""
    xs = [p["day"] for p in points]
    rate = [p["k"] / p["n"] if p["n"] else None for p in points]
    base = [p["base_k"] / p["base_n"] if p["base_n"] else None for p in points]
    hi, lo = [], []
    for p, b in zip(points, base):
        se = math.sqrt(b * (1 - b) / p["n"]) if b is not None and p["n"] else None
        hi.append(None if se is None else min(1, b + sigma * se))
        lo.append(None if se is None else max(0, b - sigma * se))
    fig = go.Figure()
    fig.add_scatter(x=xs, y=hi, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
    fig.add_scatter(
        x=xs,
        y=lo,
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(37,99,235,0.12)",
        name="Usual range",
    )
    fig.add_scatter(x=xs, y=base, mode="lines", name="Baseline", line={"color": GREY, "dash": "dot"})
    fig.add_scatter(x=xs, y=rate, mode="lines+markers", name="Day", line={"color": BLUE}, marker={"size": 4})
    marked = [(x, r) for x, r in zip(xs, rate) if x in alert_days]
    if marked:
        fig.add_scatter(
            x=[m[0] for m in marked],
            y=[m[1] for m in marked],
            mode="markers",
            name="Alert",
            marker={"color": RED, "size": 11, "symbol": "circle-open", "line": {"width": 2}},
        )
    fig.update_layout(title=title, yaxis={"tickformat": ".0%"}, legend={"orientation": "h", "y": -0.2}, **LAYOUT)
    return fig


def has_data(fig: go.Figure) -> bool:
    """Whether any trace has a value to draw (a chart without one is replaced by a sentence, never drawn empty)."""
    for trace in fig.data:
        for prop in ("y", "z", "median", "values"):
            values = getattr(trace, prop, None)
            if values is not None and any(v is not None and v == v for v in values):
                if prop != "y" or getattr(trace, "type", "") != "box":
                    return True
        if getattr(trace, "orientation", None) == "h":
            values = getattr(trace, "x", None)
            if values is not None and any(v is not None and v == v for v in values):
                return True
    return False
