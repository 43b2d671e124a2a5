"""审计日志: admins browse the audit log by date, actor, action and text, and export it (through the one writer for
user text, so no cell runs as a formula)."""

from datetime import date, timedelta

import streamlit as st

from analytics.accounts import audit
from ui import auth, texts
from ui.db import cursor

t = texts.AUDIT_PAGE
auth.admin_page("audit")
st.caption(t["intro"])

cur = cursor()
try:
    actors = audit.actors(cur)
finally:
    cur.close()
a, b, c = st.columns(3)
start = a.date_input(t["start"], value=date.today() - timedelta(days=30), key="audit_start", format="YYYY-MM-DD")
end = b.date_input(t["end"], value=date.today(), key="audit_end", format="YYYY-MM-DD")
actor = c.selectbox(t["actor"], [t["all"], *actors], key="audit_actor")
left, right = st.columns([2, 1])
actions = left.multiselect(
    t["actions"], list(audit.ACTIONS), format_func=audit.ACTIONS.get, key="audit_actions", placeholder=t["all"]
)
text = right.text_input(t["text"], key="audit_text", placeholder=t["text_placeholder"], max_chars=100)

cur = cursor()
try:
    frame = audit.entries(cur, start, end, None if actor == t["all"] else actor, actions, text.strip() or None)
finally:
    cur.close()
shown = audit.labelled(frame)
st.caption(t["count"].format(n=len(shown)))
if shown.empty:
    st.info(t["empty"], icon=":material/info:")
    st.stop()
text_columns = [c for c in shown.columns if c != "时间"]
st.dataframe(
    shown.fillna(dict.fromkeys(text_columns, "—")),
    hide_index=True,
    width="stretch",
    key="audit_table",
    column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")},
)
bar = st.container(horizontal=True)
stamp = f"{t['file_name']}-{date.today():%Y%m%d}"
bar.download_button(
    t["export_xlsx"],
    lambda: audit.to_xlsx(shown),  # built when clicked, not on every run of the page
    f"{stamp}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="audit_xlsx",
    icon=":material/download:",
    on_click="ignore",
)
bar.download_button(
    t["export_csv"],
    lambda: audit.to_csv(shown),
    f"{stamp}.csv",
    "text/csv",
    key="audit_csv",
    icon=":material/download:",
    on_click="ignore",
)
