"""学习实践: the 五个一 completion grid (person × activity) for the month, quarter or year, the campaign's counters in
the report's own words, participation month by month and the sections compared."""

import streamlit as st

from ui import cache, cards, components, shell, tables, texts, widgets
from ui import format as fmt
from ui.safe import md

L = texts.LEARNING
view = shell.begin("learning")
if shell.empty_database(view):
    st.stop()
if not view.catalog.facts.get("participation"):
    st.info(L["no_participation"], icon=":material/menu_book:")
    st.page_link("views/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
    st.stop()

windows = {"month": view.month.label, "quarter": view.quarter.label, "year": f"{view.year}年"}
choice = widgets.pick(
    "window",
    list(widgets.WINDOWS),
    "year",
    L["window"],
    widget=st.radio,
    horizontal=True,
    format_func=lambda w: L["windows"][w].format(label=windows[w]),
    help=L["window_help"],
)
start, end, as_of, label = widgets.learning_window(choice, view.month, view.quarter, view.year)
st.caption(L["scope"].format(start=start, end=as_of, section=md(view.section_label)))

items = cache.counters(view.version, start, end)
grid, names, totals = cache.five_one_grid(view.version, start, end, as_of, view.section_id)
if not any(item["value"] for item in items) and not (len(totals) and totals["done"].sum()):
    shell.empty_period(label + L["period_word"])
    st.stop()

st.subheader(L["counters"].format(label=label), anchor=False, help=L["counters_help"])
cards.counter_cards(items)

st.subheader(L["five_one"].format(label=label), anchor=False, help=L["five_one_help"])
if grid.empty:
    st.info(L["no_people"].format(section=md(view.section_label)), icon=":material/group_off:")
else:
    cols = st.columns(len(totals))
    for col, row in zip(cols, totals.to_dict("records")):
        col.metric(
            md(row["activity"]),
            fmt.percent(row["completion"]),
            border=True,
            delta=L["done_of"].format(done=row["done"], expected=row["expected"]),
            delta_arrow="off",
            delta_color="gray",
            help=L["frequency"].format(frequency=L["frequencies"].get(row["frequency"], "")),
        )
    # Thousands of people at city scale: the grid is searched and shown a page at a time.
    rows = tables.paged(grid, "five_one", ("name", "section"), unit="人", hint=texts.PAGING["search_people"])
    shown, config = tables.five_one_table(rows, names)
    event = st.dataframe(
        shown,
        column_config=config,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(rows), 560),
        key="five_one_table",
        on_select="rerun",
        selection_mode="single-row",
    )
    st.caption(L["legend"])
    picked = widgets.picked_row(event, rows)
    if picked is not None:
        components.person_link(int(picked["person_id"]), L["person_link"].format(name=picked["name"]))

left, right = st.columns(2)
with left, st.container(border=True):
    names = cache.five_one_activities(view.version, view.year)
    components.chart(
        cache.monthly_chart(view.version, view.year, names),
        "learning_monthly",
        L["monthly_title"].format(year=view.year),
    )
    st.caption(L["monthly_note"])
with right, st.container(border=True):
    components.chart(
        cache.section_chart(view.version, start, end, as_of, view.section),
        "learning_sections",
        L["sections_title"].format(label=label),
    )
    st.caption(L["sections_note"])
