"""每月摘星: the month's star wall with reasons, the ranking by content, the year's 摘星榜, how it was computed and the
source rows behind a person's month."""

import streamlit as st

from analytics.results import pages
from ui import cache, cards, components, posting, present, shell, tables, texts
from ui import format as fmt
from ui.figures import points as point_figures
from ui.safe import md

t = texts.STARS
B = texts.BOARD
view = shell.begin("stars", uses=("year", "month", "section"))
if shell.empty_database(view):
    st.stop()

month = str(view.month)
scope = md(view.section_label)
result = cache.month_stars(view.version, month)
# The section filter is 总览's own (pages.in_section): the wall, the ranking and the board show the chosen section.
awarded = pages.in_section(result.stars, view.section_id)

st.subheader(t["wall_title"].format(month=view.month.label, scope=scope), anchor=False)
posting.final_badge(view.version, view.month)
if not result.has_data:
    shell.empty_period(view.month.label + t["points_word"])
elif result.stars.empty:
    st.info(t["no_winner"], icon=":material/info:")
elif awarded.empty:
    st.info(t["no_section_star"].format(section=scope), icon=":material/info:")
else:
    cards.month_star_cards(awarded, per_row=5)
    if (awarded["award_kind"] == "content").any():
        st.markdown(f"#### {B['content_star']}")
        cards.content_star_cards(awarded, per_row=4)

if result.has_data:
    ranked = cache.content_ranking(view.version, month)
    ranking, contents = pages.in_section(ranked.people, view.section_id), ranked.contents
    with st.container(border=True):
        head, switch = st.columns([4, 1], vertical_alignment="bottom")
        head.subheader(
            t["ranking_title"].format(month=view.month.label, scope=scope),
            anchor=False,
            help=t["ranking_help"],
        )
        show_all = switch.toggle(t["show_all"], key="stars_show_all")
        if ranking.empty:
            st.caption(t["no_people"].format(section=scope))
        else:
            shown = ranking if show_all else ranking.head(20)
            components.chart(point_figures.ranking_figure(shown, contents, None), "stars_ranking")
            if len(ranking) > len(shown):
                st.caption(t["more_people"].format(n=len(ranking) - len(shown)))

    components.trace_panel(components.rounded(result.trace), "stars", inputs_columns=B["ranking_columns"])

    with st.container(border=True):
        st.subheader(t["sources_title"], anchor=False, help=t["sources_help"])
        people = ranking if len(ranking) else result.ranking[result.ranking["events"] > 0]
        ids = [int(p) for p in people["person_id"]]
        names = dict(zip(people["person_id"].astype(int), people["name"] + "（" + people["section"] + "）"))
        if ids:
            if st.session_state.get("stars_person") not in ids:
                st.session_state["stars_person"] = ids[0]
            chosen = st.selectbox(t["choose_person"], ids, key="stars_person", format_func=names.get)
            sources = cache.event_sources(view.version, chosen, month)
            total = sources["counted"].sum() if len(sources) else 0
            st.markdown(
                t["sources_line"].format(
                    name=md(names[chosen]), month=view.month.label, n=len(sources), net=fmt.signed(total)
                )
            )
            components.source_table(sources, extra=B["source_columns"])
            components.person_link(chosen, t["open_file"].format(name=names[chosen]))

board_data = cache.star_board(view.version, view.year)
people = pages.in_section(board_data["people"], view.section_id)
st.subheader(t["board_title"].format(year=view.year, scope=scope), anchor=False, help=t["board_help"])
if people.empty:
    st.caption(t["board_empty"].format(year=view.year, scope=scope))
else:
    streak = pages.star_streak({**board_data, "people": people})
    if streak:
        st.markdown(t["streak_line"].format(name=md(streak.name), n=streak.months, end=fmt.month_label(streak.end)))
    left, right = st.columns([3, 2])
    with left, st.container(border=True):
        st.markdown(f"**{t['board_people']}**")
        tables.table(
            people,
            B["board_columns"],
            height=380,
            config={
                B["board_columns"]["total"]: st.column_config.ProgressColumn(
                    format="%d", min_value=0, max_value=int(people["total"].max())
                ),
            },
        )
    with right, st.container(border=True):
        components.chart(
            point_figures.star_sections_figure(board_data["sections"], t["board_sections"]), "stars_sections"
        )

present.deck_download(view.version, "month", month, "stars_deck")
