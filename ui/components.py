"""Pieces the pages share: the "how it was computed" panel, source rows, links to a person or section, light badges."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.results.trace import Trace
from ui import texts

SOURCE_COLUMNS = {
    "batch_id": "批次",
    "source_file": "文件",
    "sheet": "工作表",
    "row_no": "行号",
    "imported_at": "导入时间",
}
LIGHT_ICONS = {
    "已办结": ":green[●]",
    "正常": ":blue[●]",
    "临期": ":orange[●]",
    "滞后": ":orange[▲]",
    "久未反馈": ":violet[◆]",
    "逾期": ":red[■]",
}


def trace_panel(
    trace: Trace,
    key: str,
    inputs_columns: dict[str, str] | None = None,
    sources: Callable[[], pd.DataFrame] | None = None,
    expanded: bool = False,
) -> None:
    """The 公信·阳光 promise: the rule version, parameters, formula, inputs, exclusions, ties and source rows."""
    with st.expander(texts.TRACE_TITLE, icon=":material/calculate:", expanded=expanded, key=f"trace_{key}"):
        version = f"规则第 {trace.rule_version} 版" if trace.rule_version else "规则"
        since = f"（{trace.effective_from:%Y-%m-%d} 起施行）" if trace.effective_from else ""
        st.caption(f"{trace.subject} · 依据{version}{since}")
        st.markdown(trace.formula)
        if trace.params:
            st.dataframe(pd.DataFrame(trace.param_rows()), hide_index=True, width="stretch")
        for line in trace.ties:
            st.markdown(f"- 并列：{line}")
        for line in trace.notes:
            st.markdown(f"- {line}")
        if trace.excluded:
            st.markdown("**未参评及原因**")
            st.dataframe(
                pd.DataFrame(trace.excluded).rename(columns={"name": "姓名", "reason": "原因"}),
                hide_index=True,
                width="stretch",
            )
        if trace.inputs is not None and not trace.inputs.empty:
            st.markdown("**参与计算的数据**")
            frame = trace.inputs
            if inputs_columns:
                frame = frame[[c for c in inputs_columns if c in frame]].rename(columns=inputs_columns)
            st.dataframe(frame, hide_index=True, width="stretch")
        if sources is not None:
            source_table(sources())


def source_table(frame: pd.DataFrame, extra: dict[str, str] | None = None) -> None:
    """Where numbers came from: batch, file, sheet and Excel row."""
    st.markdown(f"**{texts.SOURCE_ROWS}**")
    if frame is None or frame.empty:
        st.caption("没有来源记录。")
        return
    columns = {**(extra or {}), **SOURCE_COLUMNS}
    shown = frame[[c for c in columns if c in frame]].rename(columns=columns)
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
    st.page_link("views/profile.py", label=label, icon=":material/badge:", query_params=carry(person=str(person_id)))


def section_link(section: str, page: str = "views/flags.py", label: str | None = None) -> None:
    st.page_link(page, label=label or section, icon=":material/groups:", query_params=carry(section=section))


def light_label(light: str) -> str:
    return f"{LIGHT_ICONS.get(light, '●')} {light}"
