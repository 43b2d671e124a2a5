"""Figures of 任务督办: the closed-loop funnel, lights, the Gantt chart and a task's progress history; pure functions of
frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from analytics.results import tasks
from ui import charts, texts
from ui import format as fmt
from ui.safe import html_text

T = texts.TASKS


def funnel_figure(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Funnel(
            y=[html_text(s) for s in frame["stage"]],
            x=frame["reached"],
            customdata=frame[["current", "tasks"]].to_numpy(),
            textinfo="value+percent initial",
            textposition="inside",
            marker={
                "color": [charts.GOLD, "#C9A227", "#B8322F", charts.RED][: len(frame)]
                if len(frame) <= 4
                else charts.PALETTE[: len(frame)]
            },
            connector={"fillcolor": "#F3E6C8", "line": {"color": "#E5D3A8", "width": 1}},
            hovertemplate=T["funnel_hover"],
        )
    )
    return charts.style(fig, None, height=300, legend=False)


def lights_figure(lights: pd.DataFrame | dict[str, int]) -> go.Figure:
    """Tasks per light, in the lights' order of precedence: of a task_lights frame, or the counts of wall_summary."""
    counts = tasks.light_counts(lights) if isinstance(lights, pd.DataFrame) else lights
    names = [x for x in reversed(tasks.LIGHTS)]
    fig = go.Figure(
        go.Bar(
            x=[counts[x] for x in names],
            y=names,
            orientation="h",
            text=[counts[x] for x in names],
            textposition="outside",
            marker={"color": [charts.LIGHT_COLORS[x] for x in names]},
            hovertemplate=T["lights_hover"],
        )
    )
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return charts.style(fig, None, height=300, legend=False)


def _pale(color: str, alpha: float = 0.28) -> str:
    return f"rgba({int(color[1:3], 16)}, {int(color[3:5], 16)}, {int(color[5:7], 16)}, {alpha})"


def gantt_figure(frame: pd.DataFrame, as_of: date) -> go.Figure:
    """Start → due per task as a pale bar, the progress made as a solid bar inside it, coloured by light, and a
    line on the as-of date. Tasks keep the wall's order, so what needs attention is on top. Two traces for all
    tasks (colours per bar), because plotly's cost grows with the number of traces."""
    labels = [f"{html_text(c)} {html_text(n[:14])}" for c, n in zip(frame["task_code"], frame["task_name"])]
    day_ms = 86_400_000
    starts = [d.isoformat() for d in frame["start"]]
    spans = [max((due - start).days, 1) * day_ms for start, due in zip(frame["start"], frame["due_date"])]
    done = [span * p / 100 for span, p in zip(spans, frame["progress"])]
    colors = [charts.LIGHT_COLORS.get(x, charts.PALETTE[-2]) for x in frame["light"]]
    custom = list(
        zip(
            [html_text(x) for x in frame["task_name"]],
            [html_text(x) for x in frame["section"]],
            [html_text(x) for x in frame["owner_name"].fillna("—")],
            frame["progress"],
            frame["expected"],
            [html_text(x) for x in frame["stage"]],
            starts,
            [d.isoformat() for d in frame["due_date"]],
        )
    )
    fig = go.Figure()
    for x, marker in ((spans, {"color": [_pale(c) for c in colors]}), (done, {"color": colors})):
        fig.add_bar(
            y=labels,
            x=x,
            base=starts,
            orientation="h",
            marker=marker,
            customdata=custom,
            hovertemplate=T["gantt_hover"],
        )
    fig.update_layout(barmode="overlay", bargap=0.35)
    # The chart can be taller than the screen: dates on top, beside the as-of line's label.
    fig.update_xaxes(type="date", tickformat="%-m月", dtick="M1", showgrid=True, side="top")
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], tickfont={"size": 11})
    day = as_of.isoformat()
    fig.add_shape(
        type="line", x0=day, x1=day, y0=0, y1=1, yref="paper", line={"color": charts.RED, "width": 2, "dash": "dash"}
    )
    fig.add_annotation(
        x=day,
        y=1,
        yref="paper",
        text=T["gantt_today"].format(day=fmt.cn_date(as_of, year=False)),
        showarrow=False,
        yanchor="bottom",
        yshift=24,
        font={"color": charts.RED, "size": 12},
        bgcolor="rgba(255,255,255,0.85)",
    )
    charts.style(fig, None, height=max(320, 24 * len(frame) + 100), legend=False)
    fig.update_layout(margin={"t": 60})
    return fig


def history_figure(frame: pd.DataFrame) -> go.Figure:
    x = pd.to_datetime(frame["updated_on"])
    fig = go.Figure()
    fig.add_scatter(
        x=x,
        y=frame["expected"],
        name=T["col_expected"],
        mode="lines",
        line={"color": charts.GOLD, "dash": "dash", "width": 2},
    )
    fig.add_scatter(
        x=x,
        y=frame["progress"],
        name=T["col_progress"],
        mode="lines+markers",
        line={"color": charts.RED, "width": 3},
        marker={"size": 7},
        customdata=frame[["stage", "latest_note"]].fillna("").map(html_text).to_numpy(),
        hovertemplate=T["history_hover"],
    )
    fig.update_yaxes(range=[0, 105], ticksuffix="%", title=None)
    fig.update_xaxes(tickformat="%-m月%-d日", title=None)
    return charts.style(fig, None, height=330)
