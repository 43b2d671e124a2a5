"""每月公示: publish a month (its posting and stars frozen as version 1, with a 公示期), record and answer objections,
publish corrections as new versions and see the difference row by row; download the print-ready 公示表."""

from datetime import date

import streamlit as st

from analytics.errors import DashboardError
from analytics.meetings import publish as pub
from ui import auth, components, shell, tables
from ui import posting as ui_posting
from ui.db import connection
from ui.meeting_texts import DIFF_COLUMNS, OBJECTION_COLUMNS, ROW_COLUMNS, STAR_DIFF_COLUMNS
from ui.meeting_texts import POSTING as T
from ui.safe import md

# What the search box above the posting's rows and its difference looks in.
SEARCH = ("name", "section", "reason", "item_name", "what", "content")

view = shell.begin("posting", uses=("year", "month"))
if shell.empty_database(view):
    st.stop()
month = str(view.month)
label = view.month.label
found = ui_posting.versions(view.version, month)
latest = found[-1] if found else None
user = auth.actor()  # None for a visitor: the core refuses a write with a Chinese message


def act(fn) -> None:
    """Run a change; its message (or the refusal) is shown after the rerun."""
    try:
        st.session_state["posting_done"] = fn()
    except DashboardError as exc:
        st.session_state["posting_error"] = exc.message


for key, show in (("posting_done", st.success), ("posting_error", st.error)):
    if key in st.session_state:
        show(md(st.session_state.pop(key)))

with st.container(border=True):
    if latest is None:
        st.info(md(T["state_none"].format(month=label, days=ui_posting.posting_days(view.version, month))))
    else:
        ui_posting.final_badge(view.version, month)
        st.markdown(
            md(
                T["state_published"].format(
                    month=label,
                    version=latest.version,
                    by=latest.published_by,
                    at=f"{latest.published_at:%Y-%m-%d %H:%M}",
                    window=latest.window_text,
                )
            )
            + " "
            + (T["in_window"] if latest.in_window(date.today()) else T["out_window"])
        )
        opened = ui_posting.correction(view.version, month)
        if opened:
            st.warning(md(T["correcting"].format(month=label, by=opened[0], at=f"{opened[1]:%Y-%m-%d %H:%M}")))
    if not ui_posting.can_publish():
        st.caption(T["admin_only"])
    elif latest is None:
        if st.button(T["publish"], key="posting_publish", type="primary", icon=":material/campaign:"):
            act(
                lambda: T["publish_done"].format(month=label, window=pub.publish(connection(), month, user).window_text)
            )
            st.rerun()
    else:
        left, right = st.columns(2)
        with left:
            if ui_posting.correction(view.version, month) is None:
                if st.button(T["open_correction"], key="posting_open", help=T["open_correction_help"]):
                    act(lambda: pub.open_correction(connection(), month, user) or T["correcting_done"])
                    st.rerun()
            elif st.button(T["withdraw"], key="posting_withdraw"):
                act(lambda: pub.withdraw_correction(connection(), month, user) or T["withdraw_done"])
                st.rerun()
        with right:
            reason = st.text_input(T["reason"], key="posting_reason")
            if st.button(T["correct"], key="posting_correct"):
                act(
                    lambda: T["correct_done"].format(
                        month=label, version=pub.correct(connection(), month, user, reason).version
                    )
                )
                st.rerun()

choices = [v.version for v in found] or [0]
chosen = st.segmented_control(
    T["versions"],
    choices,
    default=choices[-1],
    format_func=lambda v: T["live"] if v == 0 else T["version_label"].format(v=v),
    key="posting_version",
)
chosen = chosen if chosen is not None else choices[-1]
live = chosen == 0
posted = ui_posting.sheet(view.version, month, None if live else chosen, live)
down, pdf = st.columns(2)
down.download_button(
    T["download_xlsx"],
    # Built when clicked, not on every visit: a month of 58,000 events is a minute and 500 MB of openpyxl cells.
    data=lambda v=view.version, m=month, c=None if live else chosen, lv=live: ui_posting.workbook(v, m, c, lv),
    file_name=posted.file_name,
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="posting_xlsx",
    icon=":material/table_view:",
    on_click="ignore",
)
if st.session_state.get("posting_pdf_for") == (view.version, month, chosen):
    try:
        pdf.download_button(
            T["download_pdf"],
            data=ui_posting.workbook_pdf(view.version, month, None if live else chosen, live),
            file_name=posted.file_name.replace(".xlsx", ".pdf"),
            mime="application/pdf",
            key="posting_pdf",
            icon=":material/picture_as_pdf:",
        )
    except DashboardError as exc:
        pdf.error(exc.message)
elif pdf.button(T["make_pdf"], key="posting_make_pdf"):
    st.session_state["posting_pdf_for"] = (view.version, month, chosen)
    st.rerun()

what = T["live"] if live else T["version_label"].format(v=chosen)
st.subheader(T["rows_title"].format(what=what), anchor=False)
# A month of a city-sized department is tens of thousands of rows: the page shows one page of them (searchable), the
# downloads and the printed 公示表 hold them all.
page_rows = posted.rows.iloc[0:0]
if posted.rows.empty:
    st.info(T["empty"])
else:
    page_rows = tables.paged(posted.rows, "posting_rows", SEARCH, unit="条", hint=T["search"])
    st.dataframe(
        tables.readable(page_rows[list(ROW_COLUMNS)].rename(columns=ROW_COLUMNS)), hide_index=True, key="posting_rows"
    )
    components.downloads(
        lambda rows=posted.rows: rows[list(ROW_COLUMNS)].rename(columns=ROW_COLUMNS),
        posted.file_name.removesuffix(".xlsx") + "_明细",
        "posting_rows",
    )

if len(found) >= 2:
    after = found[-1].version if live else max(chosen, 2)
    result = ui_posting.diff(view.version, month, after - 1, after)
    st.subheader(T["diff_title"].format(a=after - 1, b=after), anchor=False)
    st.markdown(T["diff_counts"].format(**result.counts))
    if result.rows.empty:
        st.caption(T["diff_none"])
    else:
        changed = tables.paged(result.rows, "posting_diff", SEARCH, unit="条", hint=T["search"])
        st.dataframe(
            tables.readable(changed[list(DIFF_COLUMNS)].rename(columns=DIFF_COLUMNS)),
            hide_index=True,
            key="posting_diff",
        )
    st.markdown(f"**{T['diff_stars']}**")
    if result.stars.empty:
        st.caption(T["diff_no_stars"])
    else:
        st.dataframe(
            tables.readable(result.stars[list(STAR_DIFF_COLUMNS)].rename(columns=STAR_DIFF_COLUMNS)),
            hide_index=True,
            key="posting_sdiff",
        )

if latest is not None:
    st.subheader(T["objections"], anchor=False)
    table = ui_posting.objections(view.version, month)
    if table.empty:
        st.caption(T["no_objections"])
    else:
        shown_objections = table[list(OBJECTION_COLUMNS)].rename(columns=OBJECTION_COLUMNS)
        st.dataframe(tables.readable(shown_objections), hide_index=True, key="posting_obj")
        components.downloads(shown_objections, f"{view.month.label}公示异议", "posting_obj")
    # The record objected to is one of the rows on the page of the table above (search a name there first) that the
    # latest published version holds, or the whole posting: the choice never lists the whole month.
    frozen = ui_posting.sheet(view.version, month, latest.version, False).rows
    on_page = page_rows[page_rows["fact_id"].isin(frozen["fact_id"])] if len(page_rows) else page_rows
    rows = {0: T["object_whole"]} | {
        int(r.fact_id): f"#{int(r.fact_id)} {r.name} {r.event_date:%m-%d} {r.reason}" for r in on_page.itertuples()
    }
    with st.form("posting_object_form", clear_on_submit=True):
        target = st.selectbox(
            T["object_row"],
            list(rows),
            format_func=lambda k: rows[k],
            key="posting_object_row",
            help=T["object_row_help"],
        )
        by = st.text_input(T["object_by"], key="posting_object_by", help=T["object_by_help"])
        text = st.text_area(T["object_text"], key="posting_object_text")
        if st.form_submit_button(T["object_submit"], key="posting_object_submit"):
            act(
                lambda: T["object_done"].format(
                    id=pub.raise_objection(
                        connection(), month, auth.acting_or_visitor(), text, fact_id=target or None, by=by
                    )
                )
            )
            st.rerun()
    open_ids = [int(i) for i in table.loc[table["status"] == "open", "objection_id"]] if len(table) else []
    if open_ids and ui_posting.can_publish():
        with st.form("posting_reply_form", clear_on_submit=True):
            pick = st.selectbox(T["reply_pick"], open_ids, format_func=lambda i: f"#{i}", key="posting_reply_id")
            reply = st.text_area(T["reply_text"], key="posting_reply_text")
            upheld = st.radio(
                T["reply_pick"],
                [True, False],
                format_func=lambda u: T["reply_upheld" if u else "reply_rejected"],
                horizontal=True,
                key="posting_reply_upheld",
            )
            if st.form_submit_button(T["reply_submit"]):
                act(lambda: pub.answer_objection(connection(), pick, user, reply, upheld) or T["reply_done"])
                st.rerun()
