"""Tables in the house style: Chinese headers, only the columns named, number and progress formats, the task wall,
rates, the 五个一 grid and the 擂台 tables."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from analytics.results import tasks
from ui import charts, texts
from ui import format as fmt
from ui.safe import md

B = texts.BOARD
T = texts.TASKS
L = texts.LEARNING
A = texts.ARENA
P = texts.PAGING

# Rows a long table shows at a time: a page never ships the thousands of rows a city-sized database holds.
PAGE_SIZE = 50


def search_rows(frame: pd.DataFrame, columns: Sequence[str], text: str) -> pd.DataFrame:
    """The rows where any of the columns contains the text (case-insensitive, literally: no pattern syntax)."""
    text = text.strip()
    if not text or frame.empty:
        return frame
    hit = pd.Series(False, index=frame.index)
    for col in columns:
        if col in frame:
            hit |= frame[col].astype("string").str.contains(text, case=False, regex=False, na=False)
    return frame[hit]


def page_of(frame: pd.DataFrame, page: int, size: int = PAGE_SIZE) -> pd.DataFrame:
    """Rows of page ``page`` (from 1; a page past the end is the last page)."""
    pages = max(1, math.ceil(len(frame) / size))
    page = min(max(int(page), 1), pages)
    return frame.iloc[(page - 1) * size : page * size].reset_index(drop=True)


def paged(
    frame: pd.DataFrame,
    key: str,
    search: Sequence[str],
    unit: str = "项",
    hint: str | None = None,
    size: int = PAGE_SIZE,
) -> pd.DataFrame:
    """A search box, a page selector and the count (共 N 项) above a table longer than a page (a shorter one gets the
    count only); returns the rows to show. A new search starts again at page 1; a page past the end (after the data or
    the filters changed) becomes the last."""
    if len(frame) <= size:
        # One page: no search box or page selector, just the count.
        st.caption(P["count_one"].format(n=len(frame), unit=unit))
        return frame.reset_index(drop=True)
    left, mid, right = st.columns([3, 1, 2], vertical_alignment="bottom")
    text = left.text_input(P["search"], key=f"{key}_search", placeholder=hint or "").strip()
    rows = search_rows(frame, search, text)
    pages = max(1, math.ceil(len(rows) / size))
    page_key, memo = f"{key}_page", f"{key}_searched"
    if st.session_state.get(memo) != text:
        st.session_state[memo] = text
        st.session_state[page_key] = 1
    if not 1 <= st.session_state.get(page_key, 1) <= pages:
        st.session_state[page_key] = min(max(st.session_state.get(page_key, 1), 1), pages)
    page = 1
    if pages > 1:
        page = int(mid.number_input(P["page"], min_value=1, max_value=pages, step=1, key=page_key))
        right.caption(P["count"].format(n=len(rows), unit=unit, page=page, pages=pages))
    else:
        right.caption(P["count_one"].format(n=len(rows), unit=unit))
    if text and rows.empty:
        st.caption(P["none"].format(text=md(text)))
    return page_of(rows, page, size)


def readable(frame: pd.DataFrame, words: dict[str, str] | None = None) -> pd.DataFrame:
    """The frame as a reader should see it: a missing text cell blank, never "None", "nan" or "<NA>" (Streamlit draws
    a null as "None"). ``words``: a Chinese word for the missing cells of a column instead (从未登录, 未使用); a date
    column named there becomes text, "YYYY-MM-DD HH:mm", so its missing cells can hold the word."""
    shown = frame.copy()
    words = words or {}
    for column in shown.columns:
        values = shown[column]
        if column in words and pd.api.types.is_datetime64_any_dtype(values):
            word = words[column]
            shown[column] = values.map(lambda v, word=word: word if pd.isna(v) else f"{v:%Y-%m-%d %H:%M}")
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            # A list cell (sections, flags) counts as present: only null cells are replaced, in a column that has any
            # (a column without one is left as it is: the copy costs on a page of thousands of rows).
            present = values.notna()
            if not present.all():
                shown[column] = values.astype(object).where(present, words.get(column, ""))
        elif column in words and values.isna().any():
            shown[column] = values.astype(object).where(values.notna(), words[column])
    return shown


def table(
    frame: pd.DataFrame,
    columns: dict[str, str],
    config: dict | None = None,
    height: int | str = "auto",
    key: str | None = None,
) -> None:
    """A frame shown with Chinese headers, only the columns named, in that order."""
    shown = readable(frame[[c for c in columns if c in frame]].rename(columns=columns))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config or {}, height=height, key=key)


def without_empty(frame: pd.DataFrame, columns: dict[str, str], column: str) -> dict[str, str]:
    """The columns to show, less one that is empty in every row (a veto column when nobody had a veto)."""
    if column in frame and frame[column].notna().any():
        return columns
    return {k: v for k, v in columns.items() if k != column}


def flag_table(parts: pd.DataFrame) -> None:
    """The sections' flag components as numbers, rank first, rounded for reading."""
    columns = B["flag_table_columns"]
    number = st.column_config.NumberColumn
    table(
        parts.sort_values("rank"),
        without_empty(parts, columns, "veto_reasons"),
        config={
            columns["headcount"]: number(format="%.1f"),
            columns["net_per_capita"]: number(format="%.2f"),
            columns["stars_per_capita"]: number(format="%.2f"),
            columns["on_time_rate"]: number(format="percent"),
            columns["points_scaled"]: number(format="%.1f"),
            columns["stars_scaled"]: number(format="%.1f"),
            columns["tasks_scaled"]: number(format="%.1f"),
            columns["score"]: st.column_config.ProgressColumn(format="%.2f", min_value=0, max_value=100),
        },
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
    rows = readable(task_rows(frame, columns))
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
    st.dataframe(fmt.rate_rows(frame, by), hide_index=True, width="stretch", column_config=config, key=key)


def five_one_grid(matrix: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per person: name, section, the completion of each 五个一 activity and the overall mean (NaN where
    nothing was due yet), plus the activity names in rule-book order."""
    names = list(dict.fromkeys(matrix["activity"]))
    wide = matrix.pivot(index="person_id", columns="activity", values="completion").reindex(columns=names)
    wide.columns.name = None
    people = matrix.drop_duplicates("person_id")[["person_id", "name", "section", "overall"]]
    grid = people.merge(wide.reset_index(), on="person_id", how="left")
    return grid[["person_id", "name", "section", *names, "overall"]].reset_index(drop=True), names


def five_one_table(grid: pd.DataFrame, names: list[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The grid as shown: Chinese headers and a progress bar per completion (empty where nothing is due), drawn by
    the table itself from the column configuration — no per-cell styling in Python, whatever the number of people.
    Completions are shown as whole percents out of 100, like every other rate of the product (ui/format.py)."""
    shown = grid.drop(columns=["person_id"]).rename(
        columns={"name": L["col_name"], "section": L["col_section"], "overall": L["col_overall"]}
    )
    bars = [*names, L["col_overall"]]
    shown[bars] = shown[bars].astype(float) * 100
    bar = st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%", color="#C8102E")
    return shown, {name: bar for name in bars}


SESSION_CONFIG = {
    A["session_columns"]["date"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
    A["session_columns"]["top_mark"]: st.column_config.NumberColumn(format="%.2f"),
}


def session_rows(sessions: pd.DataFrame) -> pd.DataFrame:
    return sessions[list(A["session_columns"])].rename(columns=A["session_columns"])


def result_table(session: pd.DataFrame) -> None:
    cols = A["result_columns"]
    shown = readable(session[list(cols)].rename(columns=cols))
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
    head = [A["grid_rank"], A["grid_contestant"], A["grid_final"], *(md(j) for j in judges["judge"])]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_cell = {(r.contestant_id, r.judge_id): r for r in marks.itertuples(index=False)}
    for r in order.itertuples(index=False):
        cells = [
            str(int(r.rank)) if not pd.isna(r.rank) else "—",
            f"**{md(r.contestant)}**",
            f"**{fmt.number(r.final_mark)}**",
        ]
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
