"""The deadline history on 任务督办: tasks whose 计划完成日期 moved, the original and current deadline, 延期次数 and the
verdict by the original deadline (from analytics.meetings.deadlines)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analytics.meetings import deadlines as core
from ui import tables
from ui.db import cursor
from ui.meeting_texts import DEADLINES as T


@st.cache_data(show_spinner=False, max_entries=8)
def moved(version: str, as_of: date, section_id: int | None) -> pd.DataFrame:
    return core.moved_tasks(cursor(), as_of, section_id)


def history_section(version: str, as_of: date, section_id: int | None) -> None:
    st.subheader(T["title"], anchor=False, help=T["help"])
    frame = moved(version, as_of, section_id)
    if frame.empty:
        st.caption(T["none"].format(day=f"{as_of:%Y-%m-%d}"))
        return
    columns = T["columns"]
    st.dataframe(tables.readable(frame[list(columns)].rename(columns=columns)), hide_index=True, key="task_deadlines")
