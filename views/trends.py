"""趋势分析: a person, a section and a content over the months (monthly, cumulative or month-on-month), the month ×
section heatmap, rank movement of the year's top ten and the month's biggest risers and fallers."""

import streamlit as st

from ui import cache, components, shell, tables, texts, widgets
from ui import format as fmt
from ui.figures import points as point_figures
from ui.safe import md

t = texts.TRENDS
B = texts.BOARD
view = shell.begin("trends", uses=("year", "month", "section"))
if shell.empty_database(view):
    st.stop()

# The choices carry the year's person trend: one read of it, not two.
data = cache.trend_choices(view.version, view.year)
people = data.people_trend
if people.empty:
    shell.empty_period(f"{view.year}年" + t["points_word"])
    st.stop()

person_ids = data.person_ids
labels = data.person_names
sections = data.sections
contents = data.contents

if st.session_state.get("trends_person") not in person_ids:
    st.session_state["trends_person"] = person_ids[0]
widgets.follow_filter("trends_section", view.section, sections, sections[0])
if st.session_state.get("trends_content") not in contents:
    st.session_state["trends_content"] = contents[0]

c1, c2, c3, c4 = st.columns([2, 2, 2, 3], vertical_alignment="bottom")
person_id = c1.selectbox(t["person"], person_ids, key="trends_person", format_func=labels.get)
section = c2.selectbox(t["section"], sections, key="trends_section")
content = c3.selectbox(t["content"], contents, key="trends_content")
measure = c4.segmented_control(
    t["measure"],
    list(t["measures"]),
    key="trends_measure",
    format_func=t["measures"].get,
    default="monthly",
    required=True,
)
measure = measure or "monthly"

lines = cache.trend_lines(view.version, view.year, person_id, section, content, measure, str(view.month))
sentences = fmt.trend_sentences(lines, str(view.month))
bars = measure == "change"
for column, (kind, title) in zip(
    st.columns(3), (("person", labels[person_id]), ("section", section), ("content", content))
):
    with column, st.container(border=True):
        st.markdown(f"**{md(title)}**")
        st.caption(sentences[kind])
        figure = point_figures.lines_figure(
            getattr(lines, kind),
            "month",
            point_figures.trend_series(kind, content),
            None,
            bars=bars,
            y_title=t["measures"][measure],
        )
        components.chart(figure, f"trends_{kind}_chart")

with st.container(border=True):
    st.subheader(t["heatmap_title"].format(year=view.year), anchor=False, help=t["heatmap_help"])
    components.chart(point_figures.heatmap_figure(data.section_trend, None), "trends_heatmap")
with st.container(border=True):
    st.subheader(t["bump_title"].format(year=view.year), anchor=False, help=t["bump_help"])
    components.chart(point_figures.bump_figure(people, data.top10, None), "trends_bump")

moved = cache.movers(view.version, str(view.month))
st.subheader(t["movers_title"].format(month=view.month.label), anchor=False, help=t["movers_help"])
up, down = st.columns(2)
for column, key, title, icon in (
    (up, "risers", t["risers"], ":material/arrow_upward:"),
    (down, "fallers", t["fallers"], ":material/arrow_downward:"),
):
    with column, st.container(border=True):
        st.markdown(f"{icon} **{title}**")
        frame = moved[key]
        if frame.empty:
            st.caption(t["movers_empty"])
        else:
            tables.table(fmt.mover_rows(frame), B["mover_columns"])
            components.person_links(frame)
