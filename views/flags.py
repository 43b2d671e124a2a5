"""季度夺旗: who won the 流动红旗 and the 进步旗 and who flies the flag now, the sections' flag scores by component,
the year's flag history, the contents radar, how it was computed and a section's people."""

import streamlit as st

from analytics.results import flags
from ui import cache, cards, components, present, shell, tables, texts, widgets
from ui import format as fmt
from ui.figures import points as point_figures
from ui.safe import md

t = texts.FLAGS
B = texts.BOARD
view = shell.begin("flags", uses=("year", "quarter", "section"))
if shell.empty_database(view):
    st.stop()

quarter = view.quarter
result = cache.quarter_flags(view.version, str(quarter))
holder, won_in = cache.flag_holder(view.version, str(quarter))
red = flags.flag_text(result.red_flag)
progress = flags.flag_text(result.progress_flag)

red_card, progress_card, now = st.columns([1.2, 1, 1])
with red_card.container(border=True):
    st.markdown(f":red-badge[:material/flag: {t['red_flag']}]")
    st.markdown(f"## :red[{md(red) if red else t['none']}]")
    st.caption(
        t["red_caption"].format(quarter=quarter.label, next=quarter.shift(1).label)
        if red
        else t["red_none"].format(quarter=quarter.label)
    )
with progress_card.container(border=True):
    st.markdown(f":orange-badge[:material/trending_up: {t['progress_flag']}]")
    st.markdown(f"## {md(progress) if progress else t['none']}")
    gain = result.sections.set_index("section")["gain"] if "gain" in result.sections else None
    if progress and gain is not None and progress in gain.index:
        st.caption(t["progress_caption"].format(quarter=quarter.label, gain=float(gain[progress])))
    else:
        st.caption(t["progress_none"].format(quarter=quarter.label))
with now.container(border=True):
    st.markdown(f":gray-badge[:material/outlined_flag: {t['flying_now']}]")
    st.markdown(f"## {md(holder) if holder else t['none']}")
    st.caption(t["flying_caption"].format(quarter=quarter.label, won_in=won_in.label))

if not result.has_data:
    shell.empty_period(quarter.label)
else:
    parts = result.sections
    with st.container(border=True):
        st.subheader(t["score_title"].format(quarter=quarter.label), anchor=False, help=t["score_help"])
        components.chart(point_figures.flag_score_figure(parts, None), "flags_scores")
        tables.flag_table(parts)
    components.trace_panel(components.rounded(result.trace), "flags", inputs_columns=B["flag_columns"])

history = cache.flag_history(view.version, view.year)
with st.container(border=True):
    st.subheader(t["history_title"].format(year=view.year), anchor=False, help=t["history_help"])
    if history.empty:
        st.caption(t["history_empty"].format(year=view.year))
    else:
        cards.flag_timeline(history, str(quarter))

if result.has_data:
    radar = cache.quarter_contents(view.version, str(quarter))
    ranked = result.sections.sort_values("rank")["section"].tolist()
    with st.container(border=True):
        st.subheader(t["radar_title"].format(quarter=quarter.label), anchor=False, help=t["radar_help"])
        default = [view.section] if view.section in ranked else ranked[:3]
        chosen = st.multiselect(t["radar_pick"], ranked, default=default, key="flags_radar_sections", max_selections=6)
        if chosen:
            components.chart(point_figures.radar_figure(radar, chosen, None), "flags_radar")
        else:
            st.caption(t["radar_none"])

    with st.container(border=True):
        st.subheader(t["people_title"], anchor=False, help=t["people_help"])
        names = result.sections.sort_values("rank")[["section_id", "section"]]
        options = names["section_id"].astype(int).tolist()
        labels = dict(zip(options, names["section"]))
        widgets.follow_filter("flags_section", view.section_id, options, options[0])
        section_id = st.selectbox(t["choose_section"], options, key="flags_section", format_func=labels.get)
        people = cache.section_people(view.version, section_id, str(quarter))
        if people.empty:
            st.caption(t["people_empty"].format(section=md(labels[section_id])))
        else:
            st.markdown(
                t["people_line"].format(
                    section=md(labels[section_id]),
                    quarter=quarter.label,
                    n=len(people),
                    net=fmt.signed(people["net"].sum()),
                    stars=int(people["stars"].sum()),
                )
            )
            tables.table(people, tables.without_empty(people, B["section_people_columns"], "veto_reasons"))
            components.person_links(people)

present.deck_download(view.version, "quarter", str(view.quarter), "flags_deck")
