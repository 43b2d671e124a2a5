"""规则设置: the rule book in force with its history of versions; an admin edits the award parameters or uploads a new
加减分事项 sheet with an effective date, sees which published results would change, and saves a new version."""

import streamlit as st

from analytics.errors import DashboardError, RuleBookError
from analytics.rules import rule_edit
from ui import auth, cache, data, limits, rule_book, shell, texts, widgets
from ui.db import connection
from ui.safe import md

R = texts.RULES
view = shell.begin("rules", uses=("year", "month"))
history = cache.rule_history(view.version)
ids = [int(x) for x in history["version_id"]]
if st.session_state.pop("rules_show_newest", False):
    st.session_state["rules_version"] = ids[0]
by_id = {int(r["version_id"]): r for r in history.to_dict("records")}
chosen = widgets.pick(
    "rules_version",
    ids,
    ids[0],
    R["version"],
    format_func=lambda v: rule_book.version_label(by_id[v]),
    bind=False,
    help=R["version_help"],
)
head = by_id[chosen]
rule_book.version_header(head)
rule_book.book_tabs(cache.rule_tables(view.version, chosen), history)

st.divider()
st.subheader(R["admin"], anchor=False, help=R["admin_help"])
if not auth.can(auth.MANAGE_RULES):
    st.info(R["no_permission"], icon=":material/lock:")
    st.stop()
saved = st.session_state.pop("rules_saved", None)
if saved:
    st.success(saved, icon=":material/check_circle:")

current = data.current_rules(view.version)
left, right = st.columns([1, 2], vertical_alignment="bottom")
effective = left.date_input(
    R["effective"], value=view.month.start, key="rules_effective", format="YYYY-MM-DD", help=R["effective_help"]
)
note = right.text_input(R["note"], key="rules_note", placeholder=R["note_placeholder"], max_chars=200)
for line in cache.effective_notes(view.version, effective):
    st.caption(f":material/info: {md(line)}")

edit_tab, upload_tab = st.tabs([R["tab_edit"], R["tab_upload"]])
with edit_tab:
    st.caption(R["edit_intro"].format(id=current.version_id))
    values = rule_book.param_form(current)
    try:
        edited = rule_edit.with_params(current, values)
    except RuleBookError as exc:
        st.error(md(exc.message), icon=":material/error:")
        edited = None
    changes = rule_edit.book_changes(current, edited) if edited else []
    if edited is not None and not changes:
        st.caption(R["no_changes"])
    elif changes:
        rule_book.changes_view(changes)
    signature = rule_book.edit_signature(view.version, edited, effective)
    bar = st.container(horizontal=True)
    if bar.button(R["preview"], key="rules_preview", icon=":material/preview:", disabled=not changes):
        with st.spinner(R["previewing"]):
            rule_book.remember_impact("rules_impact", signature, edited, effective)
    impact = rule_book.recalled_impact("rules_impact", signature)
    if bar.button(
        R["save"],
        key="rules_save",
        type="primary",
        icon=":material/save:",
        disabled=impact is None or not changes,
        help=R["save_help"],
    ):
        try:
            with st.spinner(R["saving"]):
                version_id = rule_edit.save_edit(
                    connection(), edited, effective, None, note or None, actor=auth.acting()
                )
        except DashboardError as exc:
            st.error(md(exc.message), icon=":material/error:")
        else:
            st.session_state["rules_saved"] = R["saved"].format(id=version_id, day=effective)
            st.session_state["rules_show_newest"] = True
            st.session_state.pop("rules_impact", None)
            st.rerun()
    if impact is not None:
        rule_book.impact_view(impact)
    elif changes:
        st.info(R["preview_first"], icon=":material/preview:")

with upload_tab:
    st.caption(R["upload_intro"])
    st.download_button(
        R["template"],
        cache.rules_template(view.version, current),
        R["template_name"],
        rule_book.XLSX,
        key="rules_template",
        icon=":material/download:",
        on_click="ignore",
    )
    file = st.file_uploader(R["upload"], type=["xlsx", "xls", "csv"], key="rules_upload", help=R["upload_help"])
    if file is not None and not limits.too_big(file):
        preview = rule_book.rules_preview(file.name, file.getvalue(), effective, auth.current_user())
        new_book = rule_book.upload_book(preview)
        if new_book is not None:
            rule_book.upload_summary(preview, current, new_book)
            with st.spinner(R["previewing"]):
                uploaded_impact = rule_book.upload_impact(preview, new_book, effective)
            rule_book.impact_view(uploaded_impact)
            if st.button(R["upload_commit"], key="rules_upload_commit", type="primary", icon=":material/save:"):
                try:
                    batch = rule_book.commit_rules(preview, auth.acting())
                except DashboardError as exc:
                    st.error(md(exc.message), icon=":material/error:")
                else:
                    st.session_state["rules_saved"] = R["upload_saved"].format(batch=batch, day=effective)
                    st.session_state["rules_show_newest"] = True
                    st.rerun()
