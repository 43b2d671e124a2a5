"""擂台: the arenas held in the year, one session's results with every judge's mark (the highest and lowest dropped
shown struck through), how each judge marks, and how a contestant's final mark was reached."""

from datetime import date

import streamlit as st

from analytics.results import arena
from ui import cache, cards, components, shell, tables, texts, widgets
from ui import format as fmt
from ui.safe import md

A = texts.ARENA
view = shell.begin("arena", uses=("year",))
if shell.empty_database(view):
    st.stop()
if not view.catalog.facts.get("arena"):
    st.info(A["no_arena"], icon=":material/emoji_events:")
    st.page_link("views/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
    st.stop()

book = cache.rules_on(view.version, date(view.year, 12, 31))
left, right = st.columns([1, 2], vertical_alignment="bottom")
with left:
    kinds = [A["all_arenas"], *[a.name for a in book.arenas]]
    kind = widgets.pick("arena_kind", kinds, A["all_arenas"], A["arena_kind"], help=A["arena_kind_help"])
arena_name = None if kind == A["all_arenas"] else kind
results = cache.arena_results(view.version, view.year, arena_name)
if results.empty:
    shell.empty_period(A["empty_scope"].format(year=view.year, kind=md(kind)))
    st.stop()
sessions = arena.arena_sessions(results)
spread = cache.judge_spread(view.version, view.year, arena_name)
right.markdown(A["scope"].format(year=view.year, kind=md(kind)))
cards.arena_kpi_row(arena.arena_kpis(sessions, results, spread))

st.subheader(A["sessions"], anchor=False)
event = st.dataframe(
    tables.session_rows(sessions),
    hide_index=True,
    width="stretch",
    key="sessions_table",
    on_select="rerun",
    selection_mode="single-row",
    height=min(38 + 35 * len(sessions), 320),
    column_config=tables.SESSION_CONFIG,
)
widgets.follow_selection(event, sessions, "session", column="key")
labels = dict(zip(sessions["key"], (fmt.session_label(r) for r in sessions.to_dict("records"))))
key = widgets.pick(
    "session",
    sessions["key"].tolist(),
    sessions["key"].iloc[0],
    A["session"],
    format_func=labels.get,
    help=A["session_help"],
)
day, name, topic = arena.parse_session(key)
session = arena.session_results(results, key)

st.subheader(md(labels[key]), anchor=False)
cards.podium(session)
tables.result_table(session)

marks = cache.arena_marks(view.version, name, day, topic)
with st.container(border=True):
    st.markdown(f"**{A['grid_title']}**")
    st.markdown(tables.marks_grid(marks, session))
    st.caption(A["grid_legend"])

left, right = st.columns([3, 2])
with left, st.container(border=True):
    components.chart(cache.marks_chart(view.version, view.year, arena_name, key), "arena_marks", A["marks_title"])
with right:
    ranked = session.sort_values(["rank", "contestant_id"], na_position="last")
    names = dict(zip(ranked["contestant_id"].astype(int), ranked["contestant"]))
    chosen = widgets.pick(
        "contestant",
        list(names),
        next(iter(names)),
        A["contestant"],
        format_func=names.get,
        bind=False,
        help=A["contestant_help"],
    )
    components.person_link(chosen, A["person_link"].format(name=names[chosen]))
    trace = cache.arena_trace(view.version, name, day, chosen, topic)
    components.trace_panel(trace, "arena", inputs_columns=A["trace_columns"], sources=cache.trace_sources(trace))

st.subheader(A["spread"], anchor=False, help=A["spread_help"])
if spread.empty:
    st.caption(A["spread_none"])
else:
    with st.container(border=True):
        st.markdown(f"**{A['spread_title'].format(year=view.year, kind=md(kind))}**")
        st.caption(A["spread_note"])
        with st.container(height=560 if len(spread) > 18 else "content", border=False):
            components.chart(cache.spread_chart(view.version, view.year, arena_name), "judge_spread")
