"""Pickers a page owns: choices kept in the URL, pickers that follow the global filter, picks from a table."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics.periods import Month, Quarter
from ui import shell


def follow_filter(key: str, wanted: Any, options: list, fallback: Any) -> None:
    """Preset a page's own picker: it follows the global filter whenever that changes (and names one of the
    options), keeps the user's own pick otherwise, and falls back when its value is no longer an option."""
    memo = f"_{key}_follows"
    if wanted in options and st.session_state.get(memo) != wanted:
        st.session_state[key] = wanted
    elif st.session_state.get(key) not in options:
        st.session_state[key] = fallback
    st.session_state[memo] = wanted


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


def picked_row(event: Any, frame: pd.DataFrame) -> dict[str, Any] | None:
    """The row picked in a single-row selectable table, or None."""
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if not rows or rows[0] >= len(frame):
        return None
    return frame.iloc[rows[0]].to_dict()
