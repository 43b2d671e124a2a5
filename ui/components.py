"""Pieces the pages share: the "how it was computed" panel, source rows, links to a person or section, light badges,
a chart in the house config. User text goes through ui.safe.md before it reaches Markdown."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.meetings.slides import safe_file_name
from analytics.results import lights
from analytics.results.trace import Trace
from analytics.sheets import cells
from ui import charts, tables, texts
from ui.safe import md

SOURCE_COLUMNS = {
    "batch_id": "批次",
    "source_file": "文件",
    "sheet": "工作表",
    "row_no": "行号",
    "imported_at": "导入时间",
    "corrected": "导入前改正（原值→改正值）",
}


def trace_panel(
    trace: Trace,
    key: str,
    inputs_columns: dict[str, str] | None = None,
    sources: Callable[[], pd.DataFrame] | None = None,
    expanded: bool = False,
) -> None:
    """The 公信·阳光 promise: the rule version, parameters, formula, inputs, exclusions, ties and source rows.

    Built only while open (the expander reruns the page when it is opened or closed): closed, a month's inputs of a
    city's 5,000 people are not sent to the browser on every run, and the source rows are not read."""
    panel = st.expander(
        texts.TRACE_TITLE, icon=":material/calculate:", expanded=expanded, key=f"trace_{key}", on_change="rerun"
    )
    if not panel.open:
        return
    with panel:
        version = f"规则第 {trace.rule_version} 版" if trace.rule_version else "规则"
        since = f"（{trace.effective_from:%Y-%m-%d} 起施行）" if trace.effective_from else ""
        st.caption(f"{md(trace.subject)} · 依据{version}{since}")
        st.markdown(md(trace.formula))
        if trace.params:
            st.dataframe(tables.readable(pd.DataFrame(trace.param_rows())), hide_index=True, width="stretch")
        for line in trace.ties:
            st.markdown(f"- 并列：{md(line)}")
        for line in trace.notes:
            st.markdown(f"- {md(line)}")
        if trace.excluded:
            st.markdown("**未参评及原因**")
            st.dataframe(
                tables.readable(pd.DataFrame(trace.excluded).rename(columns={"name": "姓名", "reason": "原因"})),
                hide_index=True,
                width="stretch",
            )
        if trace.inputs is not None and not trace.inputs.empty:
            st.markdown("**参与计算的数据**")
            frame = trace.inputs
            if inputs_columns:
                frame = frame[[c for c in inputs_columns if c in frame]].rename(columns=inputs_columns)
            st.dataframe(tables.readable(frame), hide_index=True, width="stretch")
        if sources is not None:
            source_table(sources())


def source_table(frame: pd.DataFrame, extra: dict[str, str] | None = None) -> None:
    """Where numbers came from: batch, file, sheet and Excel row."""
    st.markdown(f"**{texts.SOURCE_ROWS}**")
    if frame is None or frame.empty:
        st.caption("没有来源记录。")
        return
    columns = {**(extra or {}), **SOURCE_COLUMNS}
    shown = tables.readable(frame[[c for c in columns if c in frame]].rename(columns=columns))
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={"导入时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )


def carry(**extra: str) -> dict[str, str]:
    """The global filters as query parameters, plus the page's own, so a link keeps the view it came from."""
    params = {k: str(st.session_state[k]) for k in ("year", "month", "quarter", "section") if st.session_state.get(k)}
    params.update({k: str(v) for k, v in extra.items() if v is not None})
    return params


def person_link(person_id: int, label: str) -> None:
    """A link to the person's file (个人档案)."""
    st.page_link(
        "views/profile.py", label=md(label), icon=":material/badge:", query_params=carry(person=str(person_id))
    )


def section_link(section: str, page: str = "views/flags.py", label: str | None = None) -> None:
    st.page_link(page, label=md(label or section), icon=":material/groups:", query_params=carry(section=section))


def light_label(label: str) -> str:
    """A light as a Markdown badge (from the light table in analytics/results/lights.py) and its label."""
    light = lights.BY_LABEL.get(label)
    return f"{light.icon if light else lights.UNKNOWN_MARK} {md(label)}"


def chart(fig: go.Figure, key: str, title: str | None = None) -> None:
    """A chart in the house config; a title goes above it as text, so the legend on top never runs into it."""
    if title:
        st.markdown(f"**{title}**")
    st.plotly_chart(fig, config=charts.CONFIG, key=key, width="stretch")


def rounded(trace: Trace, digits: int = 2) -> Trace:
    """The trace with its inputs' numbers rounded for reading (the engine keeps full precision)."""
    if trace.inputs is None or trace.inputs.empty:
        return trace
    return dataclasses.replace(trace, inputs=trace.inputs.round(digits))


def person_links(frame: pd.DataFrame, label: str = "name") -> None:
    """A row of links to the files of the people in frame (person_id and a label column)."""
    with st.container(horizontal=True, gap="small"):
        for row in frame.itertuples(index=False):
            person_link(int(row.person_id), str(getattr(row, label)))


def _flat(frame: pd.DataFrame | Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A shown table as plain cells: a list of lights becomes "逾期、久未反馈"."""
    out = (frame() if callable(frame) else frame).copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: "、".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out


def downloads(frame: pd.DataFrame | Callable[[], pd.DataFrame], name: str, key: str) -> None:
    """Our own export of a table shown on the page (Streamlit's table download is disabled app-wide): an xlsx and a
    csv built only when clicked, every cell through analytics.sheets.cells, so no text can run as a formula. A table
    too big to copy on every run (a month's posting) is passed as the function that gives it, called on the click."""
    stem = safe_file_name(f"{name}-{date.today():%Y%m%d}")
    bar = st.container(horizontal=True)
    bar.download_button(
        texts.DOWNLOAD["xlsx"],
        data=lambda: cells.table_xlsx(_flat(frame), name),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
        help=texts.DOWNLOAD["help"],
    )
    bar.download_button(
        texts.DOWNLOAD["csv"],
        data=lambda: cells.table_csv(_flat(frame)),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
        help=texts.DOWNLOAD["help"],
    )
