"""Figures of 学习实践: participation by month and by section; pure functions of frames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.periods import Month
from ui import charts, texts
from ui import format as fmt
from ui.safe import html_text

L = texts.LEARNING


def monthly_figure(frame: pd.DataFrame, five_one_names: list[str]) -> go.Figure:
    """Participation rows per month: each 五个一 activity stacked, every other activity summed into one bar part."""
    months = list(dict.fromkeys(frame["month"]))
    labels = [Month.parse(m).short_label for m in months]
    fig = go.Figure()
    colors = [charts.RED, charts.GOLD, "#2F5597", "#548235", "#8E44AD", "#C55A11", "#1F7A7A"]
    for n, activity in enumerate(five_one_names):
        part = frame[frame["activity"] == activity].set_index("month").reindex(months)
        fig.add_bar(
            x=labels,
            y=part["rows"],
            name=html_text(activity),
            marker={"color": colors[n % len(colors)]},
            customdata=part[["people"]].to_numpy(),
            hovertemplate=L["monthly_hover"],
        )
    others = frame[~frame["activity"].isin(five_one_names)].groupby("month", sort=False)["rows"].sum()
    fig.add_bar(
        x=labels,
        y=others.reindex(months).fillna(0),
        name=L["others"],
        marker={"color": "#BFB6A5"},
        hovertemplate=L["others_hover"],
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=L["rows_axis"])
    return charts.style(fig, None, height=380)


def section_figure(frame: pd.DataFrame, chosen: str | None) -> go.Figure:
    """五个一 completion per section as bars (the chosen section in red) and participation per head as a line."""
    top = frame["rows_per_capita"].max()
    top = float(top) if pd.notna(top) and top > 0 else 1.0
    colors = [charts.RED if chosen in (None, s) else "#E5C98F" for s in frame["section"]]
    sections = [html_text(s) for s in frame["section"]]
    fig = go.Figure()
    fig.add_bar(
        x=sections,
        y=frame["five_one_completion"],
        name=L["five_one_rate"],
        marker={"color": colors},
        text=[fmt.percent(v) for v in frame["five_one_completion"]],
        textposition="inside",
        insidetextanchor="middle",
        textfont={"color": "#FFFFFF"},
        customdata=frame[["headcount", "rows", "rows_per_capita", "active_people"]].to_numpy(),
        hovertemplate=L["section_hover"],
    )
    fig.add_scatter(
        x=sections,
        y=frame["rows_per_capita"],
        name=L["per_capita"],
        yaxis="y2",
        mode="lines+markers",
        line={"color": charts.GOLD, "width": 3},
        marker={"size": 9},
        hovertemplate=L["per_capita_hover"],
    )
    fig.update_layout(
        yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": None},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "title": None,
            "range": [0, top * 1.15],
            "tickformat": ".0f",
        },
    )
    return charts.style(fig, None, height=380)
