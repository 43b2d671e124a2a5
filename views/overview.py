"""总览: the month at a glance for the department or one section — KPI cards, the monthly trend, sections compared,
the contents mix and the 光荣榜."""

import streamlit as st

from ui import cache, cards, components, posting, shell, texts
from ui import format as fmt
from ui.figures import points as point_figures
from ui.safe import md

t = texts.OVERVIEW
view = shell.begin("overview", uses=("year", "month", "section"))
if shell.empty_database(view):
    st.stop()

data = cache.overview(view.version, str(view.month), view.section_id, list(view.catalog.months))
scope = md(view.section_label)
holder = data.flag_holder
won_in = data.flag_quarter.label
flag_line = t["flag_line"].format(holder=md(holder)) if holder else t["flag_none"].format(won_in=won_in)
st.markdown(f"{t['scope'].format(month=view.month.label, scope=scope)}　:red[:material/flag:] **{flag_line}**")

if view.section and data.headcount == 0:
    st.info(t["no_people"].format(section=md(view.section), month=view.month.label), icon=":material/group_off:")
    st.page_link("views/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
    st.stop()

# Two rows of three: six cards in one row cut their labels short on a 1440-pixel laptop.
k1, k2, k3 = st.columns(3)
k4, k5, k6 = st.columns(3)
k1.metric(
    t["kpi_flag"],
    holder or t["none"],
    delta=(t["won_in"] if holder else t["not_won"]).format(won_in=won_in),
    delta_arrow="off",
    delta_color="red",
    border=True,
    icon=":material/flag:",
    help=t["kpi_flag_help"],
)
k2.metric(
    t["kpi_people"],
    t["people_value"].format(n=data.headcount),
    delta=view.section or t["sections_value"].format(n=len(data.sections)),
    delta_arrow="off",
    delta_color="gray",
    border=True,
    icon=":material/groups:",
    help=t["kpi_people_help"],
)
k3.metric(
    t["kpi_net"],
    fmt.points_text(data.net),
    delta=None if data.net_change is None else f"{fmt.signed(data.net_change)} {t['vs_last']}",
    border=True,
    icon=":material/trending_up:",
    help=t["kpi_net_help"],
)
k4.metric(
    t["kpi_stars"],
    t["stars_value"].format(n=data.month_star_count),
    delta=t["content_stars_value"].format(n=data.content_star_count),
    delta_arrow="off",
    delta_color="orange",
    border=True,
    icon=":material/star:",
    help=t["kpi_stars_help"],
)
k5.metric(
    t["kpi_tasks"],
    fmt.percent(data.task_close_rate),
    delta=t["overdue_value"].format(n=data.tasks_overdue) if data.tasks else None,
    delta_arrow="off",
    delta_color="red" if data.tasks_overdue else "green",
    border=True,
    icon=":material/task_alt:",
    help=t["kpi_tasks_help"].format(date=view.month.end, closed=data.tasks_closed, total=data.tasks),
)
k6.metric(
    t["kpi_part"],
    fmt.percent(data.participation_rate),
    delta=t["five_one_value"].format(value=fmt.percent(data.five_one)),
    delta_arrow="off",
    delta_color="blue",
    border=True,
    icon=":material/menu_book:",
    help=t["kpi_part_help"].format(
        active=data.people_active, present=data.people_present, rows=data.participation_rows
    ),
)

if not data.has_points:
    shell.empty_period(view.month.label + t["points_word"])
    st.stop()

left, right = st.columns([3, 2])
with left, st.container(border=True):
    st.markdown(f"**{t['trend_title'].format(year=view.year, scope=scope)}**", help=t["trend_help"])
    components.chart(point_figures.monthly_net_figure(data.series, str(view.month)), "overview_trend")
with right, st.container(border=True):
    st.markdown(f"**{t['sections_title'].format(month=view.month.label)}**", help=t["sections_help"])
    figure = point_figures.section_bar_figure(data.sections, view.section)
    with st.container(height=360 if figure.layout.height > 360 else "content", border=False):
        components.chart(figure, "overview_sections")

left, right = st.columns([2, 3])
with left, st.container(border=True):
    st.markdown(f"**{t['mix_title'].format(month=view.month.label, scope=scope)}**", help=t["mix_help"])
    components.chart(point_figures.contents_figure(data.mix), "overview_mix")
with right, st.container(border=True):
    st.markdown(f"**:material/military_tech: {t['honor_title'].format(month=view.month.label)}**", help=t["honor_help"])
    posting.final_badge(view.version, view.month)
    if data.stars.empty:
        st.caption(t["no_stars"])
    else:
        cards.month_star_cards(data.stars, per_row=3, compact=True)
        cards.content_star_lines(data.stars)
    st.page_link(
        "views/stars.py", label=t["go_stars"], icon=":material/arrow_forward:", query_params=components.carry()
    )
