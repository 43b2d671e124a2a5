"""The house look of every chart: red and gold, a CJK font, Chinese axis titles, legends on top, no plotly logo."""

from __future__ import annotations

import plotly.graph_objects as go

from analytics.results import lights

RED = "#C8102E"
GOLD = "#D4A017"
DEEP_RED = "#8B0000"
INK = "#2B2B2B"
PAPER = "#FFFFFF"
# Series colours in order: red, gold, then calm tones that stay readable on a projector.
PALETTE = ["#C8102E", "#D4A017", "#2F5597", "#548235", "#7F6000", "#8E44AD", "#C55A11", "#1F7A7A", "#7F7F7F", "#B03A48"]
# The eight contents keep their colour on every page.
CONTENT_COLORS = {
    "督查落实": "#C8102E",
    "工作质量": "#D4A017",
    "宣传推广": "#2F5597",
    "学习提升": "#548235",
    "创新突破": "#8E44AD",
    "一线实践": "#C55A11",
    "团结协作": "#1F7A7A",
    "纪律作风": "#7F7F7F",
}
# The task lights' colours come from the one light table of the core.
LIGHT_COLORS = {light.label: light.color for light in lights.LIGHTS}
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
# No mode bar: its buttons speak English only, and a chart on the wall needs no zoom tools.
CONFIG = {"displaylogo": False, "displayModeBar": False}


def style(fig: go.Figure, title: str | None = None, height: int = 380, legend: bool = True) -> go.Figure:
    """Apply the house look in place and return the figure."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}} if title else None,
        font={"family": FONT, "color": INK, "size": 13},
        paper_bgcolor=PAPER,
        plot_bgcolor=PAPER,
        colorway=PALETTE,
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0, "title": None},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor="#EEE", zerolinecolor="#CCC", automargin=True)
    fig.update_yaxes(gridcolor="#EEE", zerolinecolor="#CCC", automargin=True)
    return fig
