"""备份: admins make a backup from the app process (which holds the database file), download it, see the daily
backups, and read how to restore one."""

import streamlit as st

from analytics.errors import DashboardError
from ui import auth, backups, texts
from ui.safe import md

t = texts.BACKUP_PAGE
who = auth.admin_page("backup")
st.caption(t["intro"])

if st.button(t["now"], key="backup_now", type="primary", icon=":material/backup:"):
    try:
        with st.spinner(t["now"] + " …"):
            made = backups.make_now(who)
    except DashboardError as exc:
        st.error(exc.message, icon=":material/error:")
    else:
        st.session_state["backup_made"] = str(made)
made = st.session_state.get("backup_made")
if made:
    st.success(t["made"].format(path=md(made)), icon=":material/check_circle:")
    path = backups.Path(made)
    if path.is_file():
        st.download_button(
            t["download"],
            path.read_bytes(),
            path.name,
            "application/octet-stream",
            key="backup_download",
            icon=":material/download:",
            on_click="ignore",
        )

st.caption(t["daily"].format(folder=md(backups.folder()), keep=backups.keep()))
st.subheader(t["list"], anchor=False)
files = backups.listing()
if files.empty:
    st.caption(t["none"])
else:
    st.dataframe(
        files.rename(columns=t["columns"]),
        hide_index=True,
        width="stretch",
        key="backup_table",
        column_config={t["columns"]["modified"]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
st.subheader(t["restore"], anchor=False)
st.caption(t["restore_help"])
st.code(t["restore_command"], language="bash")
