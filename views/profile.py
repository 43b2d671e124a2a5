"""个人档案 (一人一档): one person's year — who they are, points by month and content, stars, participation, tasks,
arena marks and every score event with the file, sheet and row it came from."""

import streamlit as st

from ui import cache, cards, components, posting, shell, tables, texts
from ui import format as fmt
from ui.figures import points as point_figures

t = texts.PROFILE
B = texts.BOARD
view = shell.begin("profile", uses=("year",))
if shell.empty_database(view):
    st.stop()

people = view.catalog.people
if people.empty:
    st.info(t["no_people"], icon=":material/group_off:")
    st.page_link("views/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
    st.stop()

ids = people["person_id"].astype(int).tolist()
labels = dict(zip(ids, people["label"] + "（" + people["section"] + "）"))
# The URL names the person by id (?person=58), as links from the other pages do.
leader = cache.year_leader(view.version, view.year)
person_id = shell.url_choice(
    "person", t["choose"], ids, leader if leader in ids else ids[0], format_func=labels.get, help=t["choose_help"]
)

file = cache.person_file(view.version, person_id, view.year, view.catalog.last_date)
card = file.card
cards.person_header(card)

standing = file.standing
awards = file.awards
five_one = file.five_one
owned = file.tasks
k1, k2, k3, k4, k5 = st.columns(5)
k1.metric(
    t["kpi_net"].format(year=view.year),
    fmt.points_text(standing["net"]) if standing else "—",
    delta=t["rank_value"].format(rank=standing["rank"], n=standing["people"])
    if standing and standing["rank"]
    else None,
    delta_arrow="off",
    delta_color="orange",
    border=True,
    icon=":material/leaderboard:",
    help=t["kpi_net_help"],
)
k2.metric(
    t["kpi_stars"],
    t["stars_value"].format(n=file.month_star_count),
    delta=t["content_stars_value"].format(n=file.content_star_count),
    delta_arrow="off",
    delta_color="orange",
    border=True,
    icon=":material/star:",
)
k3.metric(
    t["kpi_five_one"],
    fmt.percent(file.five_one_overall),
    delta=t["rows_value"].format(n=file.participation_rows),
    delta_arrow="off",
    delta_color="blue",
    border=True,
    icon=":material/menu_book:",
    help=t["kpi_five_one_help"],
)
overdue = file.tasks_overdue
k4.metric(
    t["kpi_tasks"],
    t["tasks_value"].format(n=len(owned)),
    delta=t["overdue_value"].format(n=overdue) if len(owned) else None,
    delta_arrow="off",
    delta_color="red" if overdue else "green",
    border=True,
    icon=":material/task_alt:",
    help=t["kpi_tasks_help"].format(date=file.as_of),
)
k5.metric(t["kpi_arena"], t["arena_value"].format(n=len(file.arena)), border=True, icon=":material/emoji_events:")

with st.container(border=True):
    st.subheader(t["points_title"].format(year=view.year), anchor=False)
    if file.events.empty:
        st.caption(t["no_events"].format(year=view.year))
    else:
        components.chart(point_figures.person_points_figure(file.by_month_content, file.months, None), "profile_points")

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader(t["stars_title"].format(year=view.year), anchor=False)
    posting.final_months_badge(view.version, list(awards["month"]))
    if awards.empty:
        st.caption(t["no_stars"])
    else:
        tables.table(fmt.award_rows(awards), B["award_columns"])
with right, st.container(border=True):
    st.subheader(t["participation_title"], anchor=False, help=t["participation_help"])
    if five_one.empty and file.activities.empty:
        st.caption(t["no_participation"])
    else:
        tables.table(
            fmt.five_one_rows(five_one),
            B["five_one_columns"],
            config={
                B["five_one_columns"]["completion_pct"]: st.column_config.ProgressColumn(
                    format="%d%%", min_value=0, max_value=100
                ),
            },
        )
        tables.table(file.activities, B["activity_columns"])

with st.container(border=True):
    st.subheader(t["tasks_title"], anchor=False)
    if owned.empty:
        st.caption(t["no_tasks"])
    else:
        tables.table(
            fmt.light_rows(owned),
            B["task_columns"],
            config={
                B["task_columns"]["progress"]: st.column_config.ProgressColumn(
                    format="%d%%", min_value=0, max_value=100
                ),
            },
        )

with st.container(border=True):
    st.subheader(t["arena_title"], anchor=False)
    if file.arena.empty:
        st.caption(t["no_arena"])
    else:
        tables.table(
            file.arena,
            B["arena_columns"],
            config={
                B["arena_columns"]["final_mark"]: st.column_config.NumberColumn(format="%.2f"),
            },
        )

with st.container(border=True):
    st.subheader(t["events_title"].format(year=view.year), anchor=False, help=t["events_help"])
    events = file.events
    if events.empty:
        st.caption(t["no_events"].format(year=view.year))
    else:
        st.caption(
            t["events_line"].format(
                n=len(events),
                net=fmt.signed(file.events_net),
                capped=fmt.points_text(file.events_capped),
                files=file.events_files,
            )
        )
        tables.table(events, B["event_columns"], height=420, key="profile_events")
        shown_events = events[[c for c in B["event_columns"] if c in events]].rename(columns=B["event_columns"])
        components.downloads(shown_events, f"{file.card['name']}_{view.year}年加减分", "profile_events")
