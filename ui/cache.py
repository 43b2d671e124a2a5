"""Cached reads for the board pages: one small generic wrapper, keyed by the database and its data version (which
every import, undo and rule change bumps), around the core's functions; and the small plotly figures cached the same
way, since building a figure costs far more than unpickling a cached one. A figure whose size grows with the data
(the Gantt chart) is not cached: the cache holds its data and the page draws a bounded part of it. Nothing else in
the board pages caches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.results import arena, flag_drill, flags, pages, participation, points, stars, tasks, trends
from analytics.results.trace import Trace
from analytics.rules import rule_edit
from analytics.rules import rulebook as rb
from analytics.sheets.templates import build_template
from ui import tables
from ui.db import cursor
from ui.figures import arena as arena_figures
from ui.figures import learning as learning_figures
from ui.figures import tasks as task_figures

R = TypeVar("R")


def reader(fn: Callable[..., R], max_entries: int = 16) -> Callable[..., R]:
    """fn(cur, *args) as a cached read(version, *args): the first argument is the data version (ui.db.version()), the
    rest are fn's own, plain values (str months, dates, ids) so the key is cheap to hash."""

    def read(version: str, *args: Any) -> R:
        return fn(cursor(), *args)

    # Streamlit keys a cache by the function's module, qualified name and source: give each read its own name, or
    # every reader made here would share one cache.
    read.__qualname__ = f"read[{fn.__module__}.{fn.__qualname__}]"
    read.__doc__ = fn.__doc__
    return st.cache_data(show_spinner=False, max_entries=max_entries)(read)


# The page objects (analytics/results/pages.py) ------------------------------------------------------
overview = reader(pages.overview_page, 32)
content_ranking = reader(pages.content_ranking, 24)
person_file = reader(pages.person_file, 32)
year_leader = reader(pages.year_leader, 8)
trend_choices = reader(pages.trend_choices, 8)

# Points, stars and flags ------------------------------------------------------------------------------
month_stars = reader(stars.monthly_stars, 24)
star_board = reader(stars.star_board, 8)
quarter_flags = reader(flags.quarter_flags, 16)
flag_history = reader(flags.flag_history, 8)
flag_holder = reader(flags.flag_holder, 16)
quarter_contents = reader(flag_drill.quarter_contents, 16)
section_people = reader(flag_drill.section_people, 32)
event_sources = reader(points.event_sources, 64)
section_trend = reader(trends.section_trend, 8)
person_trend = reader(trends.person_trend, 8)
content_trend = reader(trends.content_trend, 8)
movers = reader(trends.movers, 24)

# Tasks ------------------------------------------------------------------------------------------------
task_frame = reader(tasks.task_lights, 32)
task_summary = reader(tasks.wall_summary, 32)
task_wall = reader(tasks.year_wall, 32)
task_attention = reader(tasks.attention_list, 32)
task_funnel = reader(tasks.funnel, 32)
task_rates = reader(tasks.rates, 32)
task_late = reader(tasks.late_closures, 16)
task_history = reader(tasks.progress_history, 64)
task_trace = reader(tasks.light_trace, 64)

# Learning and the arena -------------------------------------------------------------------------------
five_one = reader(participation.five_one_matrix, 32)
counters = reader(participation.counters, 32)
monthly_participation = reader(participation.monthly_participation, 8)
section_participation = reader(participation.section_participation, 32)
arena_results = reader(arena.arena_results, 16)
arena_marks = reader(arena.arena_marks, 64)
judge_spread = reader(arena.judge_spread, 16)
arena_trace = reader(arena.arena_trace, 64)

# Rules ------------------------------------------------------------------------------------------------
rules_on = reader(rb.in_force, 16)
rule_history = reader(rule_edit.version_history, 8)


@st.cache_data(show_spinner=False, max_entries=16)
def rule_tables(version: str, version_id: int) -> dict[str, pd.DataFrame]:
    return rule_edit.book_tables(rb.load(cursor(), version_id))


@st.cache_data(show_spinner=False, max_entries=16)
def effective_notes(version: str, effective: date) -> list[str]:
    cur = cursor()
    return rule_edit.effective_notes(cur, rb.current(cur), effective)


@st.cache_data(show_spinner=False, max_entries=4)
def rules_template(version: str, _book: rb.RuleBook) -> bytes:
    return build_template("rules", _book)


@st.cache_data(show_spinner=False, max_entries=32)
def five_one_grid(
    version: str, start: date, end: date, as_of: date, section_id: int | None
) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """学习实践's grid (one row per person, tables.five_one_grid), its activity names and the totals per activity,
    kept ready so a rerun reads them instead of pivoting thousands of people again."""
    matrix = five_one(version, start, end, as_of, section_id)
    grid, names = tables.five_one_grid(matrix)
    return grid, names, participation.five_one_totals(matrix)


def five_one_activities(version: str, year: int) -> tuple[str, ...]:
    """The 五个一 activities of the book in force at the year's end, in its order."""
    book = rules_on(version, date(year, 12, 31))
    return tuple(a.name for a in book.activities if a.five_one and a.frequency)


def trace_sources(trace: Trace) -> Callable[[], pd.DataFrame | None]:
    """The source rows a trace's inputs carry, for trace_panel's 来源明细."""
    return lambda: trace.inputs


# Cached figures ---------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=32)
def funnel_chart(version: str, as_of: date, ledger: str | None, section_id: int | None) -> go.Figure:
    return task_figures.funnel_figure(task_funnel(version, as_of, ledger, section_id))


@st.cache_data(show_spinner=False, max_entries=32)
def lights_chart(version: str, as_of: date, ledger: str | None, section_id: int | None) -> go.Figure:
    return task_figures.lights_figure(task_summary(version, as_of, ledger, section_id).lights)


@st.cache_data(show_spinner=False, max_entries=64)
def history_chart(version: str, task_code: str) -> go.Figure:
    return task_figures.history_figure(task_history(version, task_code))


@st.cache_data(show_spinner=False, max_entries=16)
def monthly_chart(version: str, year: int, five_one: tuple[str, ...]) -> go.Figure:
    return learning_figures.monthly_figure(monthly_participation(version, year), list(five_one))


@st.cache_data(show_spinner=False, max_entries=32)
def section_chart(version: str, start: date, end: date, as_of: date, chosen: str | None) -> go.Figure:
    return learning_figures.section_figure(section_participation(version, start, end, as_of), chosen)


@st.cache_data(show_spinner=False, max_entries=64)
def marks_chart(version: str, year: int, arena_name: str | None, key: str) -> go.Figure:
    day, name, topic = arena.parse_session(key)
    return arena_figures.marks_figure(
        arena_marks(version, name, day, topic), arena.session_results(arena_results(version, year, arena_name), key)
    )


@st.cache_data(show_spinner=False, max_entries=16)
def spread_chart(version: str, year: int, arena_name: str | None) -> go.Figure:
    return arena_figures.spread_figure(judge_spread(version, year, arena_name))


@st.cache_data(show_spinner=False, max_entries=64)
def trend_lines(
    version: str, year: int, person_id: int, section: str, content: str, measure: str, month: str
) -> pages.TrendLines:
    """趋势分析's three small charts, from the year's trend frames read (and cached) once."""
    return pages.trend_lines(
        person_trend(version, year),
        section_trend(version, year),
        content_trend(version, year),
        person_id,
        section,
        content,
        measure,
        month,
    )
