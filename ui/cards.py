"""Cards and KPI rows: star cards, the flag timeline, a person's header, the KPI rows of 任务督办 and 擂台, a task at a
glance, the 擂台 podium and the learning counters."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from analytics.periods import Quarter
from analytics.results import arena, lights, pages
from ui import components, texts, widgets
from ui import format as fmt
from ui.safe import md

B = texts.BOARD
T = texts.TASKS
A = texts.ARENA


def month_star_cards(frame: pd.DataFrame, per_row: int = 5, compact: bool = False) -> None:
    """One card per 月度之星: rank, name, section, points, the reason and a link to the person's file."""
    month = frame[frame["award_kind"] == "month"]
    for start in range(0, len(month), per_row):
        cols = st.columns(per_row)
        for col, row in zip(cols, month.iloc[start : start + per_row].itertuples(index=False)):
            with col.container(border=True):
                st.markdown(
                    f":orange-badge[:material/star: {B['month_star']} · {B['rank_n'].format(rank=int(row.rank))}]"
                )
                st.markdown(f"**{md(row.name)}**" if compact else f"### {md(row.name)}")
                st.caption(f"{md(row.section)} · :red[**{fmt.signed(row.net_points)}**] {B['points_unit']}")
                if not compact:
                    st.caption(fmt.star_reason(row))
                components.person_link(int(row.person_id), B["open_file"])


# Links drawn for a tie before the rest goes into one selectable table: a capped score can tie thousands of people,
# and a link per winner costs a Streamlit element each run.
TIE_LINKS = 12


def tied_rest(rest: pd.DataFrame, key: str) -> None:
    """The rest of a tie behind a popover: a few as links, many as one table of name and section where a picked
    row gives the link to that person's file (one element, however large the tie)."""
    with st.popover(B["tied_more"].format(n=len(rest)), icon=":material/group:"):
        if len(rest) <= TIE_LINKS:
            for row in rest.itertuples(index=False):
                components.person_link(int(row.person_id), f"{row.name}（{row.section}）")
            return
        shown = rest[["person_id", "name", "section"]].reset_index(drop=True)
        st.caption(B["tied_pick"])
        event = st.dataframe(
            shown.drop(columns="person_id").rename(columns={"name": B["tied_name"], "section": B["tied_section"]}),
            hide_index=True,
            height=320,
            key=key,
            on_select="rerun",
            selection_mode="single-row",
        )
        picked = widgets.picked_row(event, shown)
        if picked is not None:
            components.person_link(int(picked["person_id"]), f"{picked['name']}（{picked['section']}）")


def content_star_cards(frame: pd.DataFrame, per_row: int = 4, key: str = "content_stars") -> None:
    """One card per content star: the award, its winners (a tie shares the card: the first three as links, the
    count, the rest on demand), the reason."""
    content = frame[frame["award_kind"] == "content"]
    groups = list(content.groupby("award", sort=False))
    for start in range(0, len(groups), per_row):
        cols = st.columns(per_row)
        for col, (award, group) in zip(cols, groups[start : start + per_row]):
            with col.container(border=True):
                st.markdown(f":red-badge[:material/workspace_premium: {md(award)}]")
                st.caption(fmt.star_reason(group.iloc[0]))
                if len(group) > 1:
                    st.caption(B["tied_count"].format(n=f"{len(group):,}"))
                for row in group.head(3).itertuples(index=False):
                    components.person_link(int(row.person_id), f"{row.name}（{row.section}）")
                rest = group.iloc[3:]
                if len(rest):
                    tied_rest(rest, f"{key}_{start}_{award}")


def content_star_lines(frame: pd.DataFrame, shown: int = 2, key: str = "content_star_lines") -> None:
    """The content stars one line each: the award, the first winners as links, the rest of a tie on demand."""
    content = frame[frame["award_kind"] == "content"]
    for n, (award, group) in enumerate(content.groupby("award", sort=False)):
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            st.markdown(f":red-badge[:material/workspace_premium: {md(award)}]", help=fmt.star_reason(group.iloc[0]))
            for row in group.head(shown).itertuples(index=False):
                components.person_link(int(row.person_id), f"{row.name}（{row.section}）")
            rest = group.iloc[shown:]
            if len(rest):
                tied_rest(rest, f"{key}_{n}")


def person_header(card: dict[str, Any]) -> None:
    """Name, section, title, category, 工号, 离岗 and moves between sections, as the file's cover."""
    with st.container(border=True):
        left, right = st.columns([3, 2], vertical_alignment="center")
        with left:
            st.markdown(f"## :material/badge: {md(card['name'])}")
            tags = [
                f":red-badge[{md(card['section'])}]" if card["section"] else None,
                f":orange-badge[{md(card['title'])}]" if card["title"] else None,
                f":blue-badge[{md(card['category'])}]" if card["category"] else None,
            ]
            if card["left_on"] is not None and not pd.isna(card["left_on"]):
                tags.append(f":gray-badge[{B['left_on'].format(date=card['left_on'])}]")
            st.markdown(" ".join(x for x in tags if x))
        with right:
            st.caption(f"{B['staff_no']}：{md(card['staff_no']) if card['staff_no'] else '—'}")
            moves = card["memberships"]
            if len(moves) > 1:
                st.caption(B["moves"] + "；".join(f"{m['valid_from']:%Y-%m-%d} {md(m['section'])}" for m in moves))
            st.caption(
                B["roster_source"].format(
                    file=md(card["source_file"] or "—"), sheet=md(card["sheet"] or "—"), row=card["row_no"] or "—"
                )
            )


def flag_timeline(history: pd.DataFrame, chosen: str) -> None:
    """One card per quarter of the year: the 流动红旗 won (保旗 marked), where it flies, and the 进步旗."""
    cols = st.columns(4)
    for col, row in zip(cols, history.itertuples(index=False)):
        with col.container(border=True):
            mark = f" :gray-badge[{B['viewing']}]" if row.quarter == chosen else ""
            st.markdown(f"**{row.label}**{mark}")
            st.markdown(
                f":red[:material/flag:] **{md(row.red_flag) if row.red_flag else B['none']}**"
                + (f" :orange-badge[:material/shield: {B['kept']}]" if row.kept else "")
            )
            st.caption(B["flies_in"].format(quarter=Quarter.parse(row.held_in).label))
            st.caption(f"{B['progress_flag']}：{md(row.progress_flag) if row.progress_flag else B['none']}")


def task_kpi_row(k: pages.TaskKpis) -> None:
    c = st.columns(6)
    c[0].metric(T["kpi_tasks"], f"{k.tasks} 项", border=True, icon=":material/assignment:", help=T["kpi_tasks_help"])
    c[1].metric(
        T["kpi_closed"],
        f"{k.closed} 项",
        border=True,
        icon=":material/task_alt:",
        delta=T["kpi_open"].format(n=k.open),
        delta_arrow="off",
        delta_color="gray",
    )
    c[2].metric(
        T["kpi_completion"],
        fmt.percent(k.completion),
        border=True,
        icon=":material/donut_large:",
        help=T["kpi_completion_help"],
    )
    c[3].metric(
        T["kpi_on_time"],
        fmt.percent(k.on_time_rate),
        border=True,
        icon=":material/schedule:",
        delta=T["kpi_due"].format(on_time=k.on_time, due=k.due),
        delta_arrow="off",
        delta_color="gray",
        help=T["kpi_on_time_help"],
    )
    c[4].metric(
        T["kpi_overdue"],
        f"{k.overdue} 项",
        border=True,
        icon=":material/alarm:",
        delta=T["kpi_attention"] if k.overdue else T["kpi_clear"],
        delta_arrow="off",
        delta_color="red" if k.overdue else "green",
        help=T["kpi_overdue_help"],
    )
    c[5].metric(
        T["kpi_stale"],
        f"{k.stale} 项",
        border=True,
        icon=":material/notifications_paused:",
        delta=T["kpi_attention"] if k.stale else T["kpi_clear"],
        delta_arrow="off",
        delta_color="violet" if k.stale else "green",
        help=T["kpi_stale_help"],
    )


def task_header(task: Any) -> None:
    """One task at a glance: its lights, stage and dates, progress against expected, time left, latest note and
    the owner."""
    left, *cols = st.columns([5, 2, 2, 2])
    with left:
        st.markdown(f"#### {md(task['task_code'])} {md(task['task_name'])}")
        st.markdown(" ".join(components.light_label(x) for x in task["flags"]))
        st.caption(
            T["task_facts"].format(
                ledger=md(task["ledger"]),
                section=md(task["section"]),
                stage=md(task["stage"]),
                start=task["start"],
                due=task["due_date"],
                updated=task["updated_on"],
                days=task["days_since_update"],
            )
        )
    gap = task["progress"] - task["expected"]
    cols[0].metric(
        T["col_progress"],
        f"{task['progress']:.0f}%",
        delta=T["vs_expected"].format(gap=gap),
        help=T["vs_expected_help"],
        delta_color="normal" if abs(gap) >= 0.5 else "off",
        border=True,
    )
    cols[1].metric(T["col_expected"], f"{task['expected']:.0f}%", border=True, help=T["col_expected_help"])
    days = int(task["days_to_due"])
    if task["light"] == lights.CLOSED:
        cols[2].metric(T["deadline"], T["closed_short"], border=True)
    elif days >= 0:
        cols[2].metric(T["days_left"], T["days"].format(n=days), border=True)
    else:
        cols[2].metric(
            T["days_over"],
            T["days"].format(n=-days),
            border=True,
            delta=T["overdue_short"],
            delta_arrow="off",
            delta_color="red",
        )
    if isinstance(task["latest_note"], str) and task["latest_note"]:
        st.markdown(T["latest_note"].format(note=md(task["latest_note"])))
    owner = task["owner_person_id"]
    if owner is not None and not pd.isna(owner):
        components.person_link(int(owner), T["owner_link"].format(name=task["owner_name"]))
    elif isinstance(task["owner_name"], str) and task["owner_name"]:
        st.caption(T["owner_text"].format(name=md(task["owner_name"])))


def counter_cards(items: list[dict], per_row: int = 5) -> None:
    for start in range(0, len(items), per_row):
        row = items[start : start + per_row]
        cols = st.columns(per_row)
        for col, item in zip(cols, row):
            with col, st.container(border=True):
                st.metric(md(item["activity"]), f"{item['value']} {item['unit']}", border=False)
                st.caption(md(item["label"]))


def arena_kpi_row(k: arena.ArenaKpis) -> None:
    c = st.columns(4)
    c[0].metric(A["kpi_sessions"], f"{k.sessions} 场", border=True, icon=":material/stadium:")
    c[1].metric(
        A["kpi_contestants"],
        f"{k.contestants} 人",
        border=True,
        delta=A["kpi_times"].format(n=k.appearances),
        delta_arrow="off",
        delta_color="gray",
        icon=":material/record_voice_over:",
    )
    c[2].metric(A["kpi_judges"], f"{k.judges} 人", border=True, icon=":material/gavel:")
    c[3].metric(
        A["kpi_marks"],
        f"{k.marks} 个",
        border=True,
        icon=":material/scoreboard:",
        help=A["kpi_marks_help"],
    )


def podium(session: pd.DataFrame) -> None:
    """The first three of a session as cards, each linking to the person's file."""
    top = session[session["rank"].notna() & (session["rank"] <= 3)].head(3)
    if top.empty:
        st.caption(A["no_final"])
        return
    cols = st.columns(3)
    for col, row in zip(cols, top.to_dict("records")):
        with col, st.container(border=True):
            st.markdown(A["podium_badge"][int(row["rank"])])
            st.markdown(f"### {md(row['contestant'])}")
            st.caption(
                A["podium_line"].format(
                    section=md(row["section"]) if isinstance(row["section"], str) else "—",
                    mark=fmt.number(row["final_mark"]),
                    judges=int(row["judges"]),
                )
            )
            components.person_link(int(row["contestant_id"]), A["podium_link"])
