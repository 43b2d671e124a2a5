"""Figures of 擂台: a session's marks by judge and the judges' spread; pure functions of frames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui import charts, texts
from ui.safe import html_text

A = texts.ARENA


def marks_figure(marks: pd.DataFrame, results: pd.DataFrame) -> go.Figure:
    """Every judge's mark per contestant: kept marks as red dots, dropped ones as hollow crosses, and the final
    mark as a gold diamond."""
    order = [html_text(c) for c in results.sort_values(["rank", "contestant_id"], na_position="last")["contestant"]]
    fig = go.Figure()
    styles = {
        "kept": (A["mark_kept"], {"color": charts.RED, "size": 9, "symbol": "circle", "opacity": 0.75}),
        "high": (
            A["mark_high"],
            {"color": "#C55A11", "size": 11, "symbol": "x-thin-open", "line": {"width": 2, "color": "#C55A11"}},
        ),
        "low": (
            A["mark_low"],
            {"color": "#2F5597", "size": 11, "symbol": "x-thin-open", "line": {"width": 2, "color": "#2F5597"}},
        ),
        "self": (A["mark_self"], {"color": "#9A9A9A", "size": 9, "symbol": "circle-open"}),
    }
    for status, (name, marker) in styles.items():
        part = marks[marks["status"] == status]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["mark"],
            y=[html_text(c) for c in part["contestant"]],
            mode="markers",
            name=name,
            marker=marker,
            customdata=part[["judge"]].map(html_text).to_numpy(),
            hovertemplate=A["mark_hover"],
        )
    fig.add_scatter(
        x=results["final_mark"],
        y=[html_text(c) for c in results["contestant"]],
        mode="markers",
        name=A["final_mark"],
        marker={
            "color": charts.GOLD,
            "size": 15,
            "symbol": "diamond",
            "line": {"color": charts.DEEP_RED, "width": 1.5},
        },
        hovertemplate=A["final_hover"],
    )
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    fig.update_xaxes(title=A["mark_axis"])
    return charts.style(fig, None, height=max(300, 42 * len(order) + 90))


def spread_figure(frame: pd.DataFrame) -> go.Figure:
    data = frame.dropna(subset=["mean_deviation"]).sort_values("mean_deviation")
    colors = [charts.RED if v > 0 else "#2F5597" for v in data["mean_deviation"]]
    fig = go.Figure(
        go.Bar(
            x=data["mean_deviation"],
            y=[html_text(j) for j in data["judge"]],
            orientation="h",
            marker={"color": colors},
            customdata=data[["marks", "mean_mark", "std_mark", "mean_abs_deviation", "dropped_high", "dropped_low"]]
            .fillna(0)
            .to_numpy(),
            text=[f"{v:+.2f}" for v in data["mean_deviation"]],
            textposition="outside",
            hovertemplate=A["spread_hover"],
        )
    )
    fig.update_xaxes(title=A["spread_axis"], zeroline=True, zerolinecolor="#888")
    return charts.style(fig, None, height=max(300, 26 * len(data) + 90), legend=False)
