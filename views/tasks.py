"""任务督办 (挂图作战): every task's light on the chosen month's last day — what needs attention first, the wall with
progress bars, the closed loop, the timeline, rates by ledger and section, one task's history and the late closures."""

import streamlit as st

from analytics.results import pages
from ui import cache, cards, components, deadlines, shell, tables, texts, widgets
from ui import format as fmt
from ui.figures import tasks as task_figures
from ui.safe import md

T = texts.TASKS
SEARCH = ("task_code", "task_name", "section", "owner_name")
view = shell.begin("tasks", uses=("year", "month", "section"))
if shell.empty_database(view):
    st.stop()
if not view.catalog.facts.get("tasks"):
    st.info(T["no_tasks"], icon=":material/assignment_late:")
    st.page_link("views/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
    st.stop()

day = pages.task_as_of(view.month)
by_ledger = cache.task_rates(view.version, day, "ledger")
left, right = st.columns([1, 2], vertical_alignment="bottom")
with left:
    ledgers = [T["all_ledgers"], *by_ledger["ledger"].tolist()]
    chosen = widgets.pick("ledger", ledgers, T["all_ledgers"], T["ledger"], help=T["ledger_help"])
ledger = None if chosen == T["all_ledgers"] else chosen
right.markdown(T["as_of"].format(day=fmt.cn_date(day), ledger=md(chosen), section=md(view.section_label)))

summary = cache.task_summary(view.version, day, ledger, view.section_id)
if not summary.kpis["tasks"]:
    shell.empty_period(T["empty_scope"].format(day=day, ledger=md(chosen), section=md(view.section_label)))
    st.stop()

# The KPIs count every task on the wall (all years, in SQL); the lists below hold this year's tasks only (open on
# the day, or closed in the year), shown a page at a time.
cards.task_kpi_row(pages.TaskKpis(**summary.kpis))
frame = cache.task_wall(view.version, day, view.year, ledger, view.section_id)

st.subheader(T["attention"], anchor=False, help=T["attention_help"])
attention = frame[frame["attention"] <= 3]
if attention.empty:
    st.success(T["attention_none"], icon=":material/verified:")
else:
    groups = pages.attention_groups(attention)
    tabs = st.tabs([T["attention_tab"].format(light=light.label, n=len(part)) for light, part in groups])
    for tab, (light, part) in zip(tabs, groups):
        with tab:
            if part.empty:
                st.caption(T["attention_empty"].format(light=light.label))
            else:
                key = f"attention_{light.key}"
                rows = tables.paged(part, key, SEARCH, hint=texts.PAGING["search_tasks"])
                tables.task_table(rows, key, T["attention_columns"])

st.subheader(T["wall"], anchor=False, help=T["wall_help"])
if frame.empty:
    st.info(T["year_empty"].format(year=view.year), icon=":material/assignment_turned_in:")
    shown = frame
else:
    shown = tables.paged(frame, "task_wall", SEARCH, hint=texts.PAGING["search_tasks"])
    event = tables.task_table(
        shown, "task_table", T["wall_columns"], height=min(38 + 35 * len(shown), 520), select=True
    )
    components.downloads(tables.task_rows(frame, T["wall_columns"]), f"任务督办_{day:%Y%m%d}", "task_table")
    widgets.follow_selection(event, shown, "task")

left, right = st.columns(2)
with left, st.container(border=True):
    components.chart(cache.funnel_chart(view.version, day, ledger, view.section_id), "task_funnel", T["funnel_title"])
    st.caption(T["funnel_note"])
with right, st.container(border=True):
    components.chart(cache.lights_chart(view.version, day, ledger, view.section_id), "task_lights", T["lights_title"])
    st.caption(T["lights_note"])

if not shown.empty:
    with st.container(border=True):
        st.markdown(f"**{T['gantt_title'].format(ledger=md(chosen), section=md(view.section_label))}**")
        st.caption(T["gantt_note"])
        # The Gantt chart draws the wall's page: a bounded set, whatever the data size.
        if len(shown) < len(frame):
            st.caption(T["gantt_bounded"].format(shown=len(shown), n=f"{len(frame):,}"))
        with st.container(height=600 if len(shown) > 20 else "content", border=False):
            components.chart(task_figures.gantt_figure(shown, day), "task_gantt")

st.subheader(T["rates"], anchor=False, help=T["rates_note"])
ledger_tab, section_tab = st.tabs([T["by_ledger"], T["by_section"]])
with ledger_tab:
    tables.rate_table(by_ledger, "ledger", "rates_ledger")
with section_tab:
    tables.rate_table(cache.task_rates(view.version, day, "section"), "section", "rates_section")

if not frame.empty:
    st.subheader(T["detail"], anchor=False)
    # The choice lists the wall's page, and a task named in the URL or picked earlier if it is on this year's wall.
    codes = shown["task_code"].tolist() or frame["task_code"].head(1).tolist()
    wanted = st.session_state.get("task") or st.query_params.get("task")
    if wanted not in codes and (frame["task_code"] == wanted).any():
        codes.append(wanted)
    listed = frame[frame["task_code"].isin(codes)]
    labels = dict(zip(listed["task_code"], listed["task_code"] + " " + listed["task_name"]))
    code = widgets.pick("task", codes, codes[0], T["task"], format_func=labels.get, help=T["task_help"])
    task = listed[listed["task_code"] == code].iloc[0]
    cards.task_header(task)
    with st.container(border=True):
        components.chart(
            cache.history_chart(view.version, code), "task_history", T["history_title"].format(label=md(labels[code]))
        )
    trace = cache.task_trace(view.version, code, day)
    components.trace_panel(trace, "task", inputs_columns=T["trace_columns"], sources=cache.trace_sources(trace))

st.subheader(T["late"], anchor=False, help=T["late_help"])
late = cache.task_late(view.version, day, ledger, view.section_id, view.year)
if late.empty:
    st.caption(T["late_none"])
else:
    tables.task_table(
        tables.paged(late, "late", SEARCH, hint=texts.PAGING["search_tasks"]), "late_table", T["late_columns"]
    )

deadlines.history_section(view.version, day, view.section_id)
