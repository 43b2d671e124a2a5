"""Figures of points, stars and flags (总览, 每月摘星, 季度夺旗, 趋势分析, 个人档案): pure functions of frames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.periods import Month
from ui import charts, texts
from ui import format as fmt
from ui.safe import html_text

B = texts.BOARD


def _highlight(values: list[str], chosen: str | None, base: str = charts.GOLD, hit: str = charts.RED) -> list[str]:
    return [hit if v == chosen else base for v in values]


def monthly_net_figure(series: pd.DataFrame, month: str) -> go.Figure:
    """Net points per month as bars, the chosen month in red; per capita and headcount in the hover."""
    labels = [Month.parse(m).short_label for m in series["month"]]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=series["net"],
            marker_color=_highlight(list(series["month"]), month),
            text=[fmt.points_text(v) for v in series["net"]],
            textposition="outside",
            cliponaxis=False,
            customdata=series[["per_capita", "headcount"]],
            hovertemplate="%{x}<br>"
            + B["net"]
            + " %{y:.1f}<br>"
            + B["per_capita"]
            + " %{customdata[0]:.2f}<br>"
            + B["headcount"]
            + " %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_yaxes(title=B["net"], rangemode="tozero")
    fig.update_xaxes(tickangle=0)
    fig.update_layout(bargap=0.35)
    return charts.style(fig, None, height=320, legend=False)


def section_bar_figure(sections: pd.DataFrame, chosen: str | None) -> go.Figure:
    """Sections by net per capita this month, best on top; the chosen section in red."""
    frame = sections.dropna(subset=["net_per_capita"]).sort_values("net_per_capita")
    values = frame["net_per_capita"].astype(float)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=[html_text(s) for s in frame["section"]],
            orientation="h",
            marker_color=_highlight(list(frame["section"]), chosen),
            text=[fmt.points_text(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            customdata=frame[["headcount", "net"]],
            hovertemplate="%{y}<br>"
            + B["per_capita"]
            + " %{x:.2f}<br>"
            + B["headcount"]
            + " %{customdata[0]}<br>"
            + B["net"]
            + " %{customdata[1]:.1f}<extra></extra>",
        )
    )
    low = min(0.0, float(values.min())) if len(values) else 0.0
    high = max(0.0, float(values.max())) if len(values) else 1.0
    fig.update_xaxes(title=B["per_capita"], range=[low * 1.15, high * 1.15 or 1])
    return charts.style(fig, None, height=section_bars_height(len(frame)), legend=False)


def section_bars_height(sections: int) -> int:
    """320 px, or 22 px a section when there are more than a dozen, so every section keeps its label (a city has
    100); the page shows a tall chart in a scrolling box."""
    return max(320, 80 + 22 * sections)


def contents_figure(mix: pd.DataFrame) -> go.Figure:
    """Counted points by content in the rule book's order, top down, deductions left of zero, each in its colour."""
    frame = mix.iloc[::-1]
    colors = [charts.CONTENT_COLORS.get(c, charts.PALETTE[8]) for c in frame["content"]]
    values = frame["counted"].astype(float)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=[html_text(c) for c in frame["content"]],
            orientation="h",
            marker_color=colors,
            text=[fmt.signed(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>" + B["counted"] + " %{x:.1f}<extra></extra>",
        )
    )
    low = min(0.0, float(values.min())) if len(values) else 0.0
    high = max(0.0, float(values.max())) if len(values) else 1.0
    span = (high - low) or 1.0
    # Room on both sides for the value written beyond each bar's end.
    fig.update_xaxes(title=B["counted"], range=[low - 0.16 * span if low < 0 else 0, high + 0.16 * span])
    return charts.style(fig, None, height=320, legend=False)


def ranking_figure(frame: pd.DataFrame, contents: list[str], title: str) -> go.Figure:
    """People as horizontal stacked bars of counted points by content, highest net on top; ★ marks 月度之星."""
    frame = frame.iloc[::-1]
    labels = [
        f"{'★ ' if star else ''}{html_text(name)}（{html_text(section)}）{B['veto_mark'] if veto else ''}"
        for name, section, star, veto in zip(frame["name"], frame["section"], frame["star"], frame["veto"])
    ]
    fig = go.Figure()
    for content in contents:
        values = frame[content]
        if not values.any():
            continue
        fig.add_bar(
            x=values,
            y=labels,
            orientation="h",
            name=html_text(content),
            marker_color=charts.CONTENT_COLORS.get(content),
            hovertemplate="%{y}<br>" + html_text(content) + " %{x:.1f}<extra></extra>",
        )
    positive = frame[contents].clip(lower=0).sum(axis=1)
    fig.add_scatter(
        x=positive,
        y=labels,
        mode="text",
        text=[f"  {fmt.signed(v)}" for v in frame["net"]],
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        textfont={"color": charts.DEEP_RED, "size": 12},
    )
    fig.update_layout(barmode="relative", bargap=0.25)
    fig.update_xaxes(title=B["counted"])
    return charts.style(fig, title, height=max(300, 26 * len(frame) + 110))


def star_sections_figure(sections: pd.DataFrame, title: str) -> go.Figure:
    frame = sections.sort_values(["total", "month_stars"])
    frame = frame.assign(section=[html_text(s) for s in frame["section"]])
    fig = go.Figure()
    fig.add_bar(
        x=frame["month_stars"], y=frame["section"], orientation="h", name=B["month_star"], marker_color=charts.RED
    )
    fig.add_bar(
        x=frame["content_stars"], y=frame["section"], orientation="h", name=B["content_star"], marker_color=charts.GOLD
    )
    fig.update_layout(barmode="stack", bargap=0.3)
    fig.update_xaxes(title=B["stars_unit"])
    return charts.style(fig, title, height=340)


def flag_score_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Sections by flag score, each bar split into its three weighted components; a veto is named on the label."""
    frame = frame.sort_values("score", na_position="first")
    labels = [f"{html_text(s)}{B['veto_mark'] if v else ''}" for s, v in zip(frame["section"], frame["veto"])]
    fig = go.Figure()
    for column, name, color in (
        ("part_points", B["part_points"], charts.RED),
        ("part_stars", B["part_stars"], charts.GOLD),
        ("part_tasks", B["part_tasks"], charts.PALETTE[2]),
    ):
        fig.add_bar(
            x=frame[column],
            y=labels,
            orientation="h",
            name=name,
            marker_color=color,
            hovertemplate="%{y}<br>" + name + " %{x:.2f}<extra></extra>",
        )
    fig.add_scatter(
        x=frame["score"],
        y=labels,
        mode="text",
        text=[f"  {v:.2f}" for v in frame["score"].fillna(0)],
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        textfont={"color": charts.DEEP_RED, "size": 13},
    )
    fig.update_layout(barmode="stack", bargap=0.3, legend={"traceorder": "normal"})
    fig.update_xaxes(title=B["flag_score"], range=[0, 112])
    return charts.style(fig, title, height=max(300, 40 * len(frame) + 110))


def radar_figure(frame: pd.DataFrame, sections: list[str], title: str) -> go.Figure:
    fig = go.Figure()
    for n, section in enumerate(sections):
        part = frame[frame["section"] == section]
        if part.empty:
            continue
        theta = [html_text(c) for c in [*part["content"], part["content"].iat[0]]]
        values = [*part["per_capita"], part["per_capita"].iat[0]]
        fig.add_scatterpolar(
            r=values,
            theta=theta,
            name=html_text(section),
            fill="toself",
            opacity=0.55,
            line={"color": charts.PALETTE[n % len(charts.PALETTE)]},
            hovertemplate=html_text(section) + "<br>%{theta} %{r:.2f}<extra></extra>",
        )
    fig.update_layout(polar={"radialaxis": {"showline": False, "gridcolor": "#EEE"}, "bgcolor": charts.PAPER})
    return charts.style(fig, title, height=420)


def lines_figure(
    frame: pd.DataFrame,
    x: str,
    series: list[tuple[str, str, dict]],
    title: str,
    bars: bool = False,
    y_title: str | None = None,
) -> go.Figure:
    """Lines (or grouped bars, for changes) of one or more columns over months; series = (column, name, style)."""
    labels = [Month.parse(m).short_label for m in frame[x]]
    fig = go.Figure()
    for column, name, look in series:
        if bars:
            fig.add_bar(
                x=labels,
                y=frame[column],
                name=name,
                marker_color=look.get("color"),
                hovertemplate="%{x}<br>" + name + " %{y:.2f}<extra></extra>",
            )
        else:
            fig.add_scatter(
                x=labels,
                y=frame[column],
                name=name,
                mode="lines+markers",
                line={"color": look.get("color"), "width": look.get("width", 3), "dash": look.get("dash")},
                hovertemplate="%{x}<br>" + name + " %{y:.2f}<extra></extra>",
            )
    fig.update_yaxes(title=y_title)
    fig.update_xaxes(tickangle=0, tickfont={"size": 11})
    return charts.style(fig, title, height=320)


# Up to this many sections the heatmap writes each value in its cell, at a row height the text fits in; beyond it (a
# city's hundred sections) the rows are half as tall and the value is on hover only: 100 rows of written cells make a
# 3,900-pixel chart that takes the browser half a second more to draw.
WRITTEN_ROWS = 30
ROW_PX, DENSE_ROW_PX = 38, 20


def heatmap_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Months across, sections down, net per capita as colour (white → gold → red), with the value written in while
    there are at most WRITTEN_ROWS sections."""
    wide = frame.pivot_table(index="section", columns="month", values="net_per_capita", aggfunc="first", sort=False)
    wide = wide.reindex(columns=sorted(wide.columns))
    labels = [Month.parse(m).short_label for m in wide.columns]
    written = len(wide) <= WRITTEN_ROWS
    fig = go.Figure(
        go.Heatmap(
            z=wide.values,
            x=labels,
            y=[html_text(s) for s in wide.index],
            colorscale=[[0, "#FFFFFF"], [0.5, charts.GOLD], [1, charts.RED]],
            text=[[fmt.points_text(v) for v in r] for r in wide.values] if written else None,
            texttemplate="%{text}" if written else None,
            xgap=2,
            ygap=2 if written else 1,
            colorbar={"title": {"text": B["per_capita"]}},
            hovertemplate="%{y} · %{x}<br>" + B["per_capita"] + " %{z:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return charts.style(
        fig, title, height=max(300, (ROW_PX if written else DENSE_ROW_PX) * len(wide) + 90), legend=False
    )


def bump_figure(frame: pd.DataFrame, people: list[int], title: str | None) -> go.Figure:
    """Standing by cumulative net after each month (1 on top) of the chosen people; the legend lists them in their
    final order, so the lines need no labels of their own where they bunch up at the top."""
    fig = go.Figure()
    worst = 1
    for n, person_id in enumerate(people):
        part = frame[frame["person_id"] == person_id].sort_values("month")
        if part.empty:
            continue
        labels = [Month.parse(m).short_label for m in part["month"]]
        ranks = part["cumulative_rank"].astype(float)
        worst = max(worst, int(ranks.max()))
        person = html_text(part["name"].iat[-1])
        name = f"{n + 1}. {person}"
        fig.add_scatter(
            x=labels,
            y=ranks,
            mode="lines+markers",
            name=name,
            line={"color": charts.PALETTE[n % len(charts.PALETTE)], "width": 3},
            marker={"size": 8},
            hovertemplate=person + "<br>%{x} " + B["cumulative_rank"] + " 第 %{y} 名<extra></extra>",
        )
    ticks = [1, *range(5, worst + 1, 5)] if worst > 10 else list(range(1, worst + 1))
    fig.update_yaxes(range=[worst + 1.5, 0.5], title=B["cumulative_rank"], tickmode="array", tickvals=ticks)
    fig.update_xaxes(tickangle=0)
    charts.style(fig, title, height=460)
    fig.update_layout(legend={"orientation": "v", "x": 1.01, "y": 1, "xanchor": "left", "yanchor": "top"})
    return fig


def person_points_figure(grid: pd.DataFrame, months: pd.DataFrame, title: str) -> go.Figure:
    """A person's counted points per month stacked by content, with the month's net as a line."""
    labels = [Month.parse(m).short_label for m in months["month"]]
    fig = go.Figure()
    for content, part in grid.groupby("content", sort=False):
        if not part["counted"].any():
            continue
        fig.add_bar(
            x=labels,
            y=part["counted"],
            name=html_text(content),
            marker_color=charts.CONTENT_COLORS.get(content),
            hovertemplate="%{x}<br>" + html_text(content) + " %{y:.1f}<extra></extra>",
        )
    fig.add_scatter(
        x=labels,
        y=months["net"],
        name=B["net"],
        mode="lines+markers",
        line={"color": charts.INK, "width": 2, "dash": "dot"},
        hovertemplate="%{x}<br>" + B["net"] + " %{y:.1f}<extra></extra>",
    )
    fig.update_layout(barmode="relative", bargap=0.3)
    fig.update_yaxes(title=B["counted"])
    return charts.style(fig, title, height=360)


def trend_series(kind: str, content: str) -> list[tuple[str, str, dict]]:
    """The series of one of 趋势分析's small charts: (column, name, style) for lines_figure."""
    t = texts.TRENDS
    average = ("average", t["series_average"], {"color": charts.PALETTE[8], "dash": "dot", "width": 2})
    if kind == "person":
        return [("mine", t["series_person"], {"color": charts.RED}), average]
    if kind == "section":
        return [("ours", t["series_section"], {"color": charts.GOLD}), average]
    return [("counted", t["series_content"], {"color": charts.CONTENT_COLORS.get(content, charts.RED)})]
