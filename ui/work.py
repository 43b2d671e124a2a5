"""The floor of 任务督办, 学习实践, 擂台 and 规则设置: cached reads keyed by the data version, the small reshaping those
pages need (KPIs, the 五个一 grid, arena sessions), their charts in the house style and a few render pieces."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.errors import RuleBookError
from analytics.periods import Month, Quarter
from analytics.results import arena, impact, participation, tasks
from analytics.results.trace import Trace
from analytics.rules import rule_edit
from analytics.rules import rulebook as rb
from analytics.sheets import ingest
from analytics.sheets.templates import build_template
from ui import charts, components, shell, texts
from ui.db import connection, cursor, version

T = texts.TASKS
L = texts.LEARNING
A = texts.ARENA
R = texts.RULES


# Shared -------------------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    """85%, or — when there is nothing to divide."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.0%}"


def cn_date(day: date, year: bool = True) -> str:
    """2022年3月5日 (or 3月5日): Chinese dates without zero padding, on any platform."""
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if year else text


def number(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{round(float(value), digits):g}"


def chart(fig: go.Figure, key: str, title: str | None = None) -> None:
    """A chart with its title above it as text, so the legend on top never runs into the title."""
    if title:
        st.markdown(f"**{title}**")
    st.plotly_chart(fig, config=charts.CONFIG, key=key, width="stretch")


def pick(key: str, options: list, default: Any, label: str, format_func=str, bind: bool = True, widget=None, **kwargs):
    """A choice whose value is always one of the options. Bound choices live in the URL like the global filters
    (shell.url_choice: what the user just picked, then the URL, then the default), so a copied link opens the same
    view; ``widget`` swaps the selectbox for another single-choice widget such as st.radio."""
    if bind and widget is None:
        return shell.url_choice(key, label, options, default, format_func=format_func, **kwargs)
    current = st.session_state.get(key)
    if current not in options and bind:
        wanted = st.query_params.get(key)
        current = next((o for o in options if str(o) == wanted), None)
    st.session_state[key] = current if current in options else default
    value = (widget or st.selectbox)(label, options, key=key, format_func=format_func, **kwargs)
    if bind:
        st.query_params[key] = str(value)
    return value


@st.cache_data(show_spinner=False, max_entries=16)
def rules_on(version: str, day: date) -> rb.RuleBook:
    return rb.in_force(cursor(), day)


# 任务督办 -------------------------------------------------------------------------------------------


def task_as_of(month: Month, today: date | None = None) -> date:
    """The wall is read on the last day of the chosen month, or today while that month is still running."""
    return min(month.end, today or date.today())


@st.cache_data(show_spinner=False, max_entries=32)
def task_frame(version: str, as_of: date, ledger: str | None, section_id: int | None) -> pd.DataFrame:
    return tasks.task_lights(cursor(), as_of, ledger, section_id)


@st.cache_data(show_spinner=False, max_entries=32)
def task_attention(version: str, as_of: date, ledger: str | None, section_id: int | None) -> pd.DataFrame:
    return tasks.attention_list(cursor(), as_of, ledger, section_id)


@st.cache_data(show_spinner=False, max_entries=32)
def task_funnel(version: str, as_of: date, ledger: str | None, section_id: int | None) -> pd.DataFrame:
    return tasks.funnel(cursor(), as_of, ledger, section_id)


@st.cache_data(show_spinner=False, max_entries=32)
def task_rates(version: str, as_of: date, by: str) -> pd.DataFrame:
    return tasks.rates(cursor(), as_of, by)


@st.cache_data(show_spinner=False, max_entries=16)
def task_late(version: str, as_of: date) -> pd.DataFrame:
    return tasks.late_closures(cursor(), as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def task_history(version: str, task_code: str) -> pd.DataFrame:
    return tasks.progress_history(cursor(), task_code)


@st.cache_data(show_spinner=False, max_entries=64)
def task_trace(version: str, task_code: str, as_of: date) -> Trace:
    return tasks.light_trace(cursor(), task_code, as_of)


def task_kpis(frame: pd.DataFrame, as_of: date) -> dict[str, Any]:
    """The KPI row from the wall: tasks, closed and the completion rate; tasks due by as_of, those closed by their
    due date and the on-time rate (as tasks.rates counts them); overdue (light 逾期) and 久未反馈 (flag present)."""
    rows = frame.to_dict("records")
    closed = [r for r in rows if r["light"] == "已办结"]
    due = [r for r in rows if r["due_date"] <= as_of]
    on_time = [r for r in due if r["light"] == "已办结" and _known(r["closed_on"]) and r["closed_on"] <= r["due_date"]]
    return {
        "tasks": len(rows),
        "closed": len(closed),
        "completion": len(closed) / len(rows) if rows else None,
        "due": len(due),
        "on_time": len(on_time),
        "on_time_rate": len(on_time) / len(due) if due else None,
        "overdue": sum(r["light"] == "逾期" for r in rows),
        "stale": sum("久未反馈" in r["flags"] for r in rows),
    }


def _known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NaT


def task_kpi_row(k: dict[str, Any]) -> None:
    c = st.columns(6)
    c[0].metric(T["kpi_tasks"], f"{k['tasks']} 项", border=True, icon=":material/assignment:", help=T["kpi_tasks_help"])
    c[1].metric(
        T["kpi_closed"],
        f"{k['closed']} 项",
        border=True,
        icon=":material/task_alt:",
        delta=T["kpi_open"].format(n=k["tasks"] - k["closed"]),
        delta_arrow="off",
        delta_color="gray",
    )
    c[2].metric(
        T["kpi_completion"],
        percent(k["completion"]),
        border=True,
        icon=":material/donut_large:",
        help=T["kpi_completion_help"],
    )
    c[3].metric(
        T["kpi_on_time"],
        percent(k["on_time_rate"]),
        border=True,
        icon=":material/schedule:",
        delta=T["kpi_due"].format(on_time=k["on_time"], due=k["due"]),
        delta_arrow="off",
        delta_color="gray",
        help=T["kpi_on_time_help"],
    )
    c[4].metric(
        T["kpi_overdue"],
        f"{k['overdue']} 项",
        border=True,
        icon=":material/alarm:",
        delta=T["kpi_attention"] if k["overdue"] else T["kpi_clear"],
        delta_arrow="off",
        delta_color="red" if k["overdue"] else "green",
        help=T["kpi_overdue_help"],
    )
    c[5].metric(
        T["kpi_stale"],
        f"{k['stale']} 项",
        border=True,
        icon=":material/notifications_paused:",
        delta=T["kpi_attention"] if k["stale"] else T["kpi_clear"],
        delta_arrow="off",
        delta_color="violet" if k["stale"] else "green",
        help=T["kpi_stale_help"],
    )


LIGHT_COLUMN = st.column_config.MultiselectColumn(
    T["col_light"],
    options=list(tasks.LIGHTS),
    color=[charts.LIGHT_COLORS[x] for x in tasks.LIGHTS],
    help=T["col_light_help"],
    width="medium",
)
PROGRESS_COLUMN = st.column_config.ProgressColumn(
    T["col_progress"], min_value=0, max_value=100, format="%.0f%%", width="small", color="#C8102E"
)
EXPECTED_COLUMN = st.column_config.ProgressColumn(
    T["col_expected"],
    min_value=0,
    max_value=100,
    format="%.0f%%",
    width="small",
    color="#D4A017",
    help=T["col_expected_help"],
)


def task_rows(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The wall's rows as the tables show them: Chinese headers, flags as a list of lights, dates as dates."""
    shown = frame.assign(flags=frame["flags"].map(list)) if "flags" in frame else frame.copy()
    shown = shown[[c for c in columns if c in shown]]
    return shown.rename(columns=T["columns"])


def task_table(frame: pd.DataFrame, key: str, columns: list[str], height: int | str = "auto", select: bool = False):
    config = {
        T["columns"]["flags"]: LIGHT_COLUMN,
        T["columns"]["progress"]: PROGRESS_COLUMN,
        T["columns"]["expected"]: EXPECTED_COLUMN,
        T["columns"]["due_date"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
        T["columns"]["updated_on"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
        T["columns"]["closed_on"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
        T["columns"]["start"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
        T["columns"]["task_name"]: st.column_config.TextColumn(width="medium"),
        T["columns"]["latest_note"]: st.column_config.TextColumn(width="medium"),
    }
    rows = task_rows(frame, columns)
    if select:
        return st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            height=height,
            column_config=config,
            key=key,
            on_select="rerun",
            selection_mode="single-row",
        )
    return st.dataframe(rows, hide_index=True, width="stretch", height=height, column_config=config, key=key)


LIGHT_KEYS = {"逾期": "overdue", "久未反馈": "stale", "滞后": "behind", "临期": "due_soon"}


def attention_groups(attention: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The attention list split by what is wrong, overdue and 久未反馈 first; a task with two flags is in both."""
    return [(light, attention[attention["flags"].map(lambda f, x=light: x in f)]) for light in LIGHT_KEYS]


def filter_tasks(frame: pd.DataFrame, ledger: str | None, section_id: int | None) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if ledger is not None:
        keep &= frame["ledger"] == ledger
    if section_id is not None:
        keep &= frame["section_id"] == section_id
    return frame[keep].reset_index(drop=True)


def follow_selection(event: Any, frame: pd.DataFrame, key: str, column: str = "task_code") -> None:
    """A row picked in a table becomes the value of the selectbox ``key`` (drawn later in the run). Only a new pick
    counts, so choosing in the selectbox afterwards is not overridden by a row still selected."""
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    memo = f"{key}_picked"
    if not rows or rows[0] >= len(frame):
        st.session_state.pop(memo, None)
        return
    value = frame.iloc[rows[0]][column]
    if st.session_state.get(memo) != value:
        st.session_state[memo] = value
        st.session_state[key] = value


def task_header(task: Any) -> None:
    """One task at a glance: its lights, stage and dates, progress against expected, time left, latest note and
    the owner."""
    left, *cols = st.columns([5, 2, 2, 2])
    with left:
        st.markdown(f"#### {task['task_code']} {task['task_name']}")
        st.markdown(" ".join(components.light_label(x) for x in task["flags"]))
        st.caption(
            T["task_facts"].format(
                ledger=task["ledger"],
                section=task["section"],
                stage=task["stage"],
                start=task["start"],
                due=task["due_date"],
                updated=task["updated_on"],
                days=task["days_since_update"],
            )
        )
    gap = task["progress"] - task["expected"]
    cols[0].metric(
        T["col_progress"],
        f"{task['progress']:.0f}%",
        delta=T["vs_expected"].format(gap=gap),
        help=T["vs_expected_help"],
        delta_color="normal" if abs(gap) >= 0.5 else "off",
        border=True,
    )
    cols[1].metric(T["col_expected"], f"{task['expected']:.0f}%", border=True, help=T["col_expected_help"])
    days = int(task["days_to_due"])
    if task["light"] == "已办结":
        cols[2].metric(T["deadline"], T["closed_short"], border=True)
    elif days >= 0:
        cols[2].metric(T["days_left"], T["days"].format(n=days), border=True)
    else:
        cols[2].metric(
            T["days_over"],
            T["days"].format(n=-days),
            border=True,
            delta=T["overdue_short"],
            delta_arrow="off",
            delta_color="red",
        )
    if isinstance(task["latest_note"], str) and task["latest_note"]:
        st.markdown(T["latest_note"].format(note=task["latest_note"]))
    owner = task["owner_person_id"]
    if owner is not None and not pd.isna(owner):
        components.person_link(int(owner), T["owner_link"].format(name=task["owner_name"]))
    elif isinstance(task["owner_name"], str) and task["owner_name"]:
        st.caption(T["owner_text"].format(name=task["owner_name"]))


def task_label(row: Any) -> str:
    return f"{row['task_code']} {row['task_name']}"


def funnel_figure(frame: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Funnel(
            y=frame["stage"],
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


def lights_figure(frame: pd.DataFrame) -> go.Figure:
    """Tasks per light, in the lights' order of precedence."""
    counts = tasks.light_counts(frame)
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
    labels = [f"{c} {n[:14]}" for c, n in zip(frame["task_code"], frame["task_name"])]
    day_ms = 86_400_000
    starts = [d.isoformat() for d in frame["start"]]
    spans = [max((due - start).days, 1) * day_ms for start, due in zip(frame["start"], frame["due_date"])]
    done = [span * p / 100 for span, p in zip(spans, frame["progress"])]
    colors = [charts.LIGHT_COLORS.get(x, charts.PALETTE[-2]) for x in frame["light"]]
    custom = list(
        zip(
            frame["task_name"],
            frame["section"],
            frame["owner_name"].fillna("—"),
            frame["progress"],
            frame["expected"],
            frame["stage"],
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
        text=T["gantt_today"].format(day=cn_date(as_of, year=False)),
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
        customdata=frame[["stage", "latest_note"]].fillna("").to_numpy(),
        hovertemplate=T["history_hover"],
    )
    fig.update_yaxes(range=[0, 105], ticksuffix="%", title=None)
    fig.update_xaxes(tickformat="%-m月%-d日", title=None)
    return charts.style(fig, None, height=330)


def rate_rows(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rates as the tables show them: percentages out of 100, a planned count or — where the plan names none."""
    cols = ["ledger", "planned"] if by == "ledger" else ["section"]
    cols += ["tasks", "closed", "completion_rate", "on_time_rate", "overdue"]
    shown = frame[cols].copy()
    if by == "ledger":
        shown["planned"] = [("—" if pd.isna(v) else str(int(v))) for v in shown["planned"]]
    for col in ("completion_rate", "on_time_rate"):
        shown[col] = shown[col].astype(float) * 100
    return shown.rename(columns=T["rate_columns"])


def rate_table(frame: pd.DataFrame, by: str, key: str) -> None:
    rc = T["rate_columns"]
    config = {
        rc["completion_rate"]: st.column_config.ProgressColumn(
            min_value=0, max_value=100, format="%.0f%%", color="#C8102E", help=T["completion_help"]
        ),
        rc["on_time_rate"]: st.column_config.ProgressColumn(
            min_value=0, max_value=100, format="%.0f%%", color="#D4A017", help=T["on_time_help"]
        ),
        rc["planned"]: st.column_config.TextColumn(help=T["planned_help"], width="small"),
    }
    st.dataframe(rate_rows(frame, by), hide_index=True, width="stretch", column_config=config, key=key)


# 学习实践 -------------------------------------------------------------------------------------------

WINDOWS = ("month", "quarter", "year")


def learning_window(
    choice: str, month: Month, quarter: Quarter, year: int, today: date | None = None
) -> tuple[date, date, date, str]:
    """(start, end, as_of, label) of the chosen window; as_of stops at today while the window is running."""
    if choice == "month":
        start, end, label = month.start, month.end, month.label
    elif choice == "quarter":
        start, end, label = quarter.start, quarter.end, quarter.label
    else:
        start, end, label = date(year, 1, 1), date(year, 12, 31), f"{year}年"
    return start, end, min(end, today or date.today()), label


@st.cache_data(show_spinner=False, max_entries=32)
def five_one(version: str, start: date, end: date, as_of: date, section_id: int | None) -> pd.DataFrame:
    return participation.five_one_matrix(cursor(), start, end, as_of, section_id)


@st.cache_data(show_spinner=False, max_entries=32)
def counters(version: str, start: date, end: date) -> list[dict]:
    return participation.counters(cursor(), start, end)


@st.cache_data(show_spinner=False, max_entries=8)
def monthly_participation(version: str, year: int) -> pd.DataFrame:
    return participation.monthly_participation(cursor(), year)


@st.cache_data(show_spinner=False, max_entries=32)
def section_participation(version: str, start: date, end: date, as_of: date) -> pd.DataFrame:
    return participation.section_participation(cursor(), start, end, as_of)


def five_one_grid(matrix: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per person: name, section, the completion of each 五个一 activity and the overall mean (NaN where
    nothing was due yet), plus the activity names in rule-book order."""
    names = list(dict.fromkeys(matrix["activity"]))
    wide = matrix.pivot(index="person_id", columns="activity", values="completion").reindex(columns=names)
    wide.columns.name = None
    people = matrix.drop_duplicates("person_id")[["person_id", "name", "section", "overall"]]
    grid = people.merge(wide.reset_index(), on="person_id", how="left")
    return grid[["person_id", "name", "section", *names, "overall"]].reset_index(drop=True), names


def five_one_totals(matrix: pd.DataFrame) -> pd.DataFrame:
    """One row per 五个一 activity: periods due, periods done and the completion over everyone in the grid."""
    out = (
        matrix.groupby("activity", sort=False)
        .agg(frequency=("frequency", "first"), expected=("expected", "sum"), done=("done", "sum"))
        .reset_index()
    )
    out["completion"] = (out["done"] / out["expected"].where(out["expected"] > 0)).astype(float)
    return out


def _blend(low: str, high: str, share: float) -> str:
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02X}" for x, y in zip(a, b))


def _cell_style(value: Any) -> str:
    """Pale gold at 60% or less, deepening to the house red at full completion (squared, so 85% and 95% look
    different); grey where nothing is due."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "color: #9A9A9A; background-color: #F5F5F5"
    share = min(max((float(value) - 0.6) / 0.4, 0.0), 1.0) ** 2
    text = "#FFFFFF" if share >= 0.6 else ("#8B0000" if value < 0.6 else "#4A3A00")
    return f"background-color: {_blend('#FBF3E4', '#C8102E', share)}; color: {text}"


def five_one_styled(grid: pd.DataFrame, names: list[str]):
    """The grid as a coloured table: deep red for full completion down to pale gold, and — where nothing is due."""
    shown = grid.drop(columns=["person_id"]).rename(
        columns={"name": L["col_name"], "section": L["col_section"], "overall": L["col_overall"]}
    )
    value_cols = [*names, L["col_overall"]]
    return shown.style.format(participation.completion_text, subset=value_cols).map(_cell_style, subset=value_cols)


def five_one_activities(version: str, year: int) -> tuple[str, ...]:
    """The 五个一 activities of the book in force at the year's end, in its order."""
    book = rules_on(version, date(year, 12, 31))
    return tuple(a.name for a in book.activities if a.five_one and a.frequency)


def picked_row(event: Any, frame: pd.DataFrame) -> dict[str, Any] | None:
    """The row picked in a single-row selectable table, or None."""
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if not rows or rows[0] >= len(frame):
        return None
    return frame.iloc[rows[0]].to_dict()


def monthly_figure(frame: pd.DataFrame, five_one_names: list[str]) -> go.Figure:
    """Participation rows per month: each 五个一 activity stacked, every other activity summed into one bar part."""
    months = list(dict.fromkeys(frame["month"]))
    labels = [f"{int(m[5:])}月" for m in months]
    fig = go.Figure()
    colors = [charts.RED, charts.GOLD, "#2F5597", "#548235", "#8E44AD", "#C55A11", "#1F7A7A"]
    for n, activity in enumerate(five_one_names):
        part = frame[frame["activity"] == activity].set_index("month").reindex(months)
        fig.add_bar(
            x=labels,
            y=part["rows"],
            name=activity,
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
    fig = go.Figure()
    fig.add_bar(
        x=frame["section"],
        y=frame["five_one_completion"],
        name=L["five_one_rate"],
        marker={"color": colors},
        text=[percent(v) for v in frame["five_one_completion"]],
        textposition="inside",
        insidetextanchor="middle",
        textfont={"color": "#FFFFFF"},
        customdata=frame[["headcount", "rows", "rows_per_capita", "active_people"]].to_numpy(),
        hovertemplate=L["section_hover"],
    )
    fig.add_scatter(
        x=frame["section"],
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


def counter_cards(items: list[dict], per_row: int = 5) -> None:
    for start in range(0, len(items), per_row):
        row = items[start : start + per_row]
        cols = st.columns(per_row)
        for col, item in zip(cols, row):
            with col, st.container(border=True):
                st.metric(item["activity"], f"{item['value']} {item['unit']}", border=False)
                st.caption(item["label"])


# 擂台 ---------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def arena_results(version: str, year: int, arena_name: str | None) -> pd.DataFrame:
    return arena.arena_results(cursor(), year, arena_name)


@st.cache_data(show_spinner=False, max_entries=64)
def arena_marks(version: str, arena_name: str, day: date, topic: str) -> pd.DataFrame:
    return arena.arena_marks(cursor(), arena_name, day, topic)


@st.cache_data(show_spinner=False, max_entries=16)
def judge_spread(version: str, year: int, arena_name: str | None) -> pd.DataFrame:
    return arena.judge_spread(cursor(), year, arena_name)


@st.cache_data(show_spinner=False, max_entries=64)
def arena_trace(version: str, arena_name: str, day: date, contestant_id: int, topic: str) -> Trace:
    return arena.arena_trace(cursor(), arena_name, day, contestant_id, topic)


def session_key(arena_name: str, day: date, topic: Any) -> str:
    """A session as one URL-safe value: 2022-04-15|科长擂台|一季度工作晒比 (topic may be empty)."""
    return f"{day:%Y-%m-%d}|{arena_name}|{topic if isinstance(topic, str) else ''}"


def parse_session(key: str) -> tuple[date, str, str]:
    day, arena_name, topic = key.split("|", 2)
    return date.fromisoformat(day), arena_name, topic


def arena_sessions(results: pd.DataFrame) -> pd.DataFrame:
    """One row per session, latest first: key, date, arena, topic, contestants, judges (the most any contestant
    had), the winner(s) and the top mark."""
    if results.empty:
        return pd.DataFrame(columns=["key", "date", "arena", "topic", "contestants", "judges", "winner", "top_mark"])
    frame = results.assign(topic=results["topic"].map(lambda t: t if isinstance(t, str) else ""))
    rows = []
    for (day, arena_name, topic), part in frame.groupby(["date", "arena", "topic"], sort=False):
        winners = part.loc[part["rank"] == 1, "contestant"].tolist()
        rows.append(
            {
                "key": session_key(arena_name, day, topic),
                "date": day,
                "arena": arena_name,
                "topic": topic,
                "contestants": len(part),
                "judges": int(part["judges"].max()),
                "winner": "、".join(winners),
                "top_mark": part["final_mark"].max(),
            }
        )
    return pd.DataFrame(rows).sort_values(["date", "arena"], ascending=[False, True]).reset_index(drop=True)


def session_label(row: Any) -> str:
    topic = f" · {row['topic']}" if row["topic"] else ""
    return f"{row['date']:%Y-%m-%d} {row['arena']}{topic}"


def session_results(results: pd.DataFrame, key: str) -> pd.DataFrame:
    """The contestants of one session, best first."""
    day, arena_name, topic = parse_session(key)
    topics = results["topic"].map(lambda t: t if isinstance(t, str) else "")
    hit = results[(results["date"] == day) & (results["arena"] == arena_name) & (topics == topic)]
    return hit.sort_values(["rank", "contestant_id"], na_position="last").reset_index(drop=True)


def arena_kpi_row(sessions: pd.DataFrame, results: pd.DataFrame, spread: pd.DataFrame) -> None:
    c = st.columns(4)
    c[0].metric(A["kpi_sessions"], f"{len(sessions)} 场", border=True, icon=":material/stadium:")
    c[1].metric(
        A["kpi_contestants"],
        f"{results['contestant_id'].nunique()} 人",
        border=True,
        delta=A["kpi_times"].format(n=len(results)),
        delta_arrow="off",
        delta_color="gray",
        icon=":material/record_voice_over:",
    )
    c[2].metric(A["kpi_judges"], f"{len(spread)} 人", border=True, icon=":material/gavel:")
    c[3].metric(
        A["kpi_marks"],
        f"{int(spread['marks'].sum()) if len(spread) else 0} 个",
        border=True,
        icon=":material/scoreboard:",
        help=A["kpi_marks_help"],
    )


SESSION_CONFIG = {
    A["session_columns"]["date"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
    A["session_columns"]["top_mark"]: st.column_config.NumberColumn(format="%.2f"),
}


def session_rows(sessions: pd.DataFrame) -> pd.DataFrame:
    return sessions[list(A["session_columns"])].rename(columns=A["session_columns"])


def podium(session: pd.DataFrame) -> None:
    """The first three of a session as cards, each linking to the person's file."""
    top = session[session["rank"].notna() & (session["rank"] <= 3)].head(3)
    if top.empty:
        st.caption(A["no_final"])
        return
    cols = st.columns(3)
    for col, row in zip(cols, top.to_dict("records")):
        with col, st.container(border=True):
            st.markdown(A["podium_badge"][int(row["rank"])])
            st.markdown(f"### {row['contestant']}")
            st.caption(
                A["podium_line"].format(
                    section=row["section"] if isinstance(row["section"], str) else "—",
                    mark=number(row["final_mark"]),
                    judges=int(row["judges"]),
                )
            )
            components.person_link(int(row["contestant_id"]), A["podium_link"])


def result_table(session: pd.DataFrame) -> None:
    cols = A["result_columns"]
    shown = session[list(cols)].rename(columns=cols)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="results_table",
        column_config={
            cols["final_mark"]: st.column_config.NumberColumn(format="%.2f"),
            cols["rank"]: st.column_config.NumberColumn(format="%d"),
        },
    )


def marks_grid(marks: pd.DataFrame, results: pd.DataFrame) -> str:
    """The session's marks as a Markdown table, contestants by rank, one column per judge; dropped marks struck
    through (gold for the highest, blue for the lowest), a judge's mark on themself greyed."""
    judges = marks.drop_duplicates("judge_id").sort_values("judge_id")[["judge_id", "judge"]]
    order = results.sort_values(["rank", "contestant_id"], na_position="last")
    head = [A["grid_rank"], A["grid_contestant"], A["grid_final"], *judges["judge"].tolist()]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_cell = {(r.contestant_id, r.judge_id): r for r in marks.itertuples(index=False)}
    for r in order.itertuples(index=False):
        cells = [str(int(r.rank)) if not pd.isna(r.rank) else "—", f"**{r.contestant}**", f"**{number(r.final_mark)}**"]
        for j in judges["judge_id"]:
            m = by_cell.get((r.contestant_id, j))
            if m is None:
                cells.append("")
            elif m.status == "high":
                cells.append(f":orange[~~{m.mark:g}~~]")
            elif m.status == "low":
                cells.append(f":blue[~~{m.mark:g}~~]")
            elif m.status == "self":
                cells.append(f":gray[~~{m.mark:g}~~]")
            else:
                cells.append(f"{m.mark:g}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def marks_figure(marks: pd.DataFrame, results: pd.DataFrame) -> go.Figure:
    """Every judge's mark per contestant: kept marks as red dots, dropped ones as hollow crosses, and the final
    mark as a gold diamond."""
    order = results.sort_values(["rank", "contestant_id"], na_position="last")["contestant"].tolist()
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
            y=part["contestant"],
            mode="markers",
            name=name,
            marker=marker,
            customdata=part[["judge"]].to_numpy(),
            hovertemplate=A["mark_hover"],
        )
    fig.add_scatter(
        x=results["final_mark"],
        y=results["contestant"],
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
            y=data["judge"],
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


# 规则设置 -------------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def rule_history(version: str) -> pd.DataFrame:
    return rule_edit.version_history(cursor())


@st.cache_data(show_spinner=False, max_entries=16)
def rule_tables(version: str, version_id: int) -> dict[str, pd.DataFrame]:
    return rule_edit.book_tables(rb.load(cursor(), version_id))


def param_step(param: rb.Param) -> float:
    """The +/- step of a parameter's input: whole numbers for counts, tenths for weights, halves for points."""
    if param.integer:
        return 1
    if param.maximum <= 1:
        return 0.05
    return 0.5


def version_label(row: Any) -> str:
    newest = R["newest_mark"] if row["newest"] else ""
    return R["version_option"].format(
        id=row["version_id"], day=row["effective_from"], source=row["source_label"], newest=newest
    )


def rule_table(
    frame: pd.DataFrame, columns: dict[str, str], key: str, config: dict | None = None, height: int | str = "auto"
) -> None:
    shown = frame[[c for c in columns if c in frame]].rename(columns=columns)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config or {}, key=key, height=height)


def changes_view(changes: list[str]) -> None:
    """What differs from the book in force, in words."""
    st.markdown(f"**{R['changes_heading']}**")
    st.markdown("\n".join(f"- {line}" for line in changes) if changes else R["no_changes"])


def impact_view(result: impact.Impact | None) -> None:
    """What a new rule book would do to published results: stars gained and lost, flag ranks and holders."""
    st.markdown(f"**{R['impact_heading']}**")
    if result is None or not result.changes:
        st.success(R["no_impact"], icon=":material/check_circle:")
        return
    total = (
        len(result.stars_gained)
        + len(result.stars_lost)
        + len(result.holder_changes)
        + len(result.flag_moves)
        + len(result.light_changes)
    )
    st.warning(R["impact_count"].format(n=total), icon=":material/published_with_changes:")
    st.markdown("\n".join(f"- {line}" for line in result.lines))
    with st.expander(R["impact_details"], icon=":material/table_view:"):
        left, right = st.columns(2)
        star_cols = R["star_columns"]
        left.caption(R["stars_gained"])
        left.dataframe(result.stars_gained.rename(columns=star_cols), hide_index=True, width="stretch")
        right.caption(R["stars_lost"])
        right.dataframe(result.stars_lost.rename(columns=star_cols), hide_index=True, width="stretch")
        if len(result.flag_moves):
            st.caption(R["flag_moves"])
            st.dataframe(result.flag_moves.rename(columns=R["flag_columns"]), hide_index=True, width="stretch")


# Cached figures ---------------------------------------------------------------------------------------
# Building a plotly figure costs far more than unpickling a cached one, so each chart is cached per data version
# and inputs, like the reads it is drawn from.


@st.cache_data(show_spinner=False, max_entries=32)
def funnel_chart(version: str, as_of: date, ledger: str | None, section_id: int | None) -> go.Figure:
    return funnel_figure(task_funnel(version, as_of, ledger, section_id))


@st.cache_data(show_spinner=False, max_entries=32)
def lights_chart(version: str, as_of: date, ledger: str | None, section_id: int | None) -> go.Figure:
    return lights_figure(task_frame(version, as_of, ledger, section_id))


@st.cache_data(show_spinner=False, max_entries=32)
def gantt_chart(version: str, as_of: date, ledger: str | None, section_id: int | None) -> go.Figure:
    return gantt_figure(task_frame(version, as_of, ledger, section_id), as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def history_chart(version: str, task_code: str) -> go.Figure:
    return history_figure(task_history(version, task_code))


@st.cache_data(show_spinner=False, max_entries=16)
def monthly_chart(version: str, year: int, five_one: tuple[str, ...]) -> go.Figure:
    return monthly_figure(monthly_participation(version, year), list(five_one))


@st.cache_data(show_spinner=False, max_entries=32)
def section_chart(version: str, start: date, end: date, as_of: date, chosen: str | None) -> go.Figure:
    return section_figure(section_participation(version, start, end, as_of), chosen)


@st.cache_data(show_spinner=False, max_entries=64)
def marks_chart(version: str, year: int, arena_name: str | None, key: str) -> go.Figure:
    day, name, topic = parse_session(key)
    return marks_figure(
        arena_marks(version, name, day, topic), session_results(arena_results(version, year, arena_name), key)
    )


@st.cache_data(show_spinner=False, max_entries=16)
def spread_chart(version: str, year: int, arena_name: str | None) -> go.Figure:
    return spread_figure(judge_spread(version, year, arena_name))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def version_header(head: dict[str, Any]) -> None:
    """The chosen version: number, effective date, source, who and when, note."""
    with st.container(border=True):
        badge = R["badge_newest"] if head["newest"] else R["badge_old"]
        st.markdown(R["header"].format(id=head["version_id"], day=cn_date(head["effective_from"]), badge=badge))
        by = head["created_by"] or R["system"]
        st.caption(
            R["header_meta"].format(source=head["source_label"], by=by, at=head["created_at"], items=head["items"])
        )
        if head["note"]:
            st.markdown(R["header_note"].format(note=head["note"]))
        if head["changes"] and head["changes"] != "初始规则":
            st.markdown(R["header_changes"].format(changes=head["changes"]))


def _param_value(row: Any) -> str:
    param = rb.PARAM_BY_KEY.get(row["key"])
    value = row["value"]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{int(round(value))}" if param is not None and param.integer else f"{value:g}"


def book_tabs(tables: dict[str, pd.DataFrame], history: pd.DataFrame) -> None:
    """The book's parts, one tab each, and the version history."""
    tabs = st.tabs(R["tabs"])
    with tabs[0]:
        params = tables["params"].assign(value=lambda f: [_param_value(r) for r in f.to_dict("records")])
        rule_table(params, R["param_columns"], "rules_params", height=38 + 35 * len(params))
    with tabs[1]:
        rule_table(tables["contents"], R["content_columns"], "rules_contents")
    with tabs[2]:
        items = tables["items"]
        rule_table(
            items,
            R["item_columns"],
            "rules_items",
            height=min(38 + 35 * len(items), 560),
            config={
                R["item_columns"]["veto"]: st.column_config.CheckboxColumn(),
                R["item_columns"]["monthly_cap"]: st.column_config.NumberColumn(format="%g"),
            },
        )
        st.caption(R["items_note"])
    with tabs[3]:
        rule_table(
            tables["activities"],
            R["activity_columns"],
            "rules_activities",
            config={R["activity_columns"]["five_one"]: st.column_config.CheckboxColumn()},
        )
    with tabs[4]:
        rule_table(tables["ledgers"], R["ledger_columns"], "rules_ledgers")
    with tabs[5]:
        st.markdown(" → ".join(f"**{n}**" for n in tables["stages"]["name"]))
        rule_table(tables["stages"], R["stage_columns"], "rules_stages")
        st.markdown(f"**{R['arenas_heading']}**")
        rule_table(tables["arenas"], R["arena_columns"], "rules_arenas")
    with tabs[6]:
        rule_table(
            history,
            R["history_columns"],
            "rules_history",
            config={
                R["history_columns"]["created_at"]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                R["history_columns"]["newest"]: st.column_config.CheckboxColumn(),
                R["history_columns"]["changes"]: st.column_config.TextColumn(width="large"),
            },
        )
        st.caption(R["history_note"])


@st.cache_data(show_spinner=False, max_entries=16)
def effective_notes(version: str, effective: date) -> list[str]:
    cur = cursor()
    return rule_edit.effective_notes(cur, rb.current(cur), effective)


def param_key(key: str) -> str:
    return f"param_{key}"


def _reset_params() -> None:
    for p in rb.PARAMS:
        st.session_state.pop(param_key(p.key), None)
    st.session_state.pop("rules_impact", None)


def param_form(book: rb.RuleBook) -> dict[str, float]:
    """Number inputs for every declared parameter (keyed param_<key>), grouped as the rules read; starts from the
    book's values. Returns the values as entered."""
    values: dict[str, float] = {}
    grouped = [(title, [k for k in keys if k in rb.PARAM_BY_KEY]) for title, keys in R["param_groups"]]
    listed = {k for _, keys in grouped for k in keys}
    rest = [p.key for p in rb.PARAMS if p.key not in listed]
    if rest:
        grouped.append((R["param_other"], rest))
    for title, keys in grouped:
        st.markdown(f"**{title}**")
        cols = st.columns(3)
        for n, key in enumerate(keys):
            p = rb.PARAM_BY_KEY[key]
            widget = param_key(key)
            if widget not in st.session_state:
                value = book.param(key)
                st.session_state[widget] = int(round(value)) if p.integer else float(value)
            with cols[n % 3]:
                if p.integer:
                    values[key] = st.number_input(
                        p.label, int(p.minimum), int(p.maximum), step=1, key=widget, help=p.help
                    )
                else:
                    values[key] = st.number_input(
                        p.label,
                        float(p.minimum),
                        float(p.maximum),
                        step=float(param_step(p)),
                        format="%.2f" if p.maximum <= 1 else "%.1f",
                        key=widget,
                        help=p.help,
                    )
    st.button(R["reset"], key="rules_reset", icon=":material/restart_alt:", on_click=_reset_params, type="tertiary")
    return values


def edit_signature(version: str, book: rb.RuleBook | None, effective: date) -> tuple | None:
    """What a preview was computed for: the data version, the edited parameters and the effective date."""
    if book is None:
        return None
    return version, tuple(sorted(book.params.items())), effective


def remember_impact(key: str, signature: tuple | None, book: rb.RuleBook, effective: date) -> None:
    """Compute what the book would change and keep it in the session beside what it was computed for."""
    st.session_state[key] = (signature, impact.rules_impact(connection(), book, effective))


def recalled_impact(key: str, signature: tuple | None):
    """The remembered impact, when it was computed for exactly these edits; else None."""
    stored = st.session_state.get(key)
    if signature is None or not stored or stored[0] != signature:
        return None
    return stored[1]


@st.cache_data(show_spinner=False, max_entries=4)
def rules_template(version: str, _book: rb.RuleBook) -> bytes:
    return build_template("rules", _book)


def rules_preview(name: str, content: bytes, effective: date, uploader: str) -> ingest.Preview:
    """The dry run of an uploaded 加减分事项 sheet, kept in the session until the data or the date changes."""
    key = (ingest.sha256_of(content), effective, version())
    store = st.session_state.setdefault("rules_previews", {})
    if key not in store:
        if len(store) > 8:
            store.clear()
        options = ingest.Options(kind="rules", rules_effective=effective, uploader=uploader)
        store[key] = ingest.prepare(cursor(), content, name, options)
    return store[key]


def upload_book(preview: ingest.Preview) -> rb.RuleBook | None:
    """The new book an upload brings, or None after showing why there is none (problems, an inconsistent book,
    a file committed in this session)."""
    done = st.session_state.get("rules_committed", {}).get(preview.sha256)
    if done:
        st.success(R["upload_done"].format(batch=done), icon=":material/check_circle:")
        return None
    if not preview.ok:
        st.error(R["upload_errors"].format(n=len(preview.errors)), icon=":material/error:")
        from ui.importer import problems_frame

        st.dataframe(problems_frame(preview.errors[:500]), hide_index=True, width="stretch", key="rules_problems")
        return None
    new_book = preview.sheets[0].new_book
    try:
        new_book.check()
    except RuleBookError as exc:
        st.error(exc.message, icon=":material/error:")
        return None
    return new_book


def upload_summary(preview: ingest.Preview, current: rb.RuleBook, new_book: rb.RuleBook) -> None:
    st.success(R["upload_ok"], icon=":material/check_circle:")
    st.markdown("\n".join(f"- {line}" for line in preview.summary_lines()))
    if preview.warnings:
        from ui.importer import problems_frame

        with st.expander(R["upload_warnings"].format(n=len(preview.warnings))):
            st.dataframe(problems_frame(preview.warnings[:500]), hide_index=True, width="stretch")
    changes_view(rule_edit.book_changes(current, new_book))
    with st.expander(R["new_items"].format(n=len(new_book.items))):
        rule_table(
            rule_edit.book_tables(new_book)["items"],
            R["item_columns"],
            "rules_new_items",
            config={R["item_columns"]["veto"]: st.column_config.CheckboxColumn()},
        )


def upload_impact(preview: ingest.Preview, new_book: rb.RuleBook, effective: date):
    """What the uploaded items would change, computed once per preview."""
    key = ("rules_upload_impact", preview.sha256, preview.data_version, effective)
    store = st.session_state.setdefault("rules_upload_impacts", {})
    if key not in store:
        store.clear()
        store[key] = impact.rules_impact(connection(), new_book, effective)
    return store[key]


def commit_rules(preview: ingest.Preview, actor=None) -> int:
    """Store the uploaded items as an import batch (so 数据导入 can undo it) and remember it for this session.
    ``actor``: the signed-in user (ui.auth.acting()), checked and audited by the core."""
    batch = ingest.commit(connection(), preview, actor)
    st.session_state.setdefault("rules_committed", {})[preview.sha256] = batch
    return batch


def trace_sources(trace: Trace):
    """The source rows a trace's inputs carry, for trace_panel's 来源明细."""
    return lambda: trace.inputs
