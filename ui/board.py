"""The leaders' pages' floor (总览, 每月摘星, 季度夺旗, 趋势分析, 个人档案): cached reads keyed by the data version, the
small reshaping those pages need, their charts in the house style and a few shared render pieces (KPI cards, star
cards, person tables)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.periods import Month, Quarter
from analytics.results import arena, flags, participation, points, profile, stars, tasks, trends
from analytics.results.trace import Trace
from ui import charts, components, texts
from ui.db import cursor

B = texts.BOARD
LIGHT_MARKS = {"已办结": "✔", "正常": "●", "临期": "◔", "滞后": "▲", "久未反馈": "◆", "逾期": "■"}


def follow_filter(key: str, wanted: Any, options: list, fallback: Any) -> None:
    """Preset a page's own picker: it follows the global filter whenever that changes (and names one of the
    options), keeps the user's own pick otherwise, and falls back when its value is no longer an option."""
    memo = f"_{key}_follows"
    if wanted in options and st.session_state.get(memo) != wanted:
        st.session_state[key] = wanted
    elif st.session_state.get(key) not in options:
        st.session_state[key] = fallback
    st.session_state[memo] = wanted


# Cached reads -------------------------------------------------------------------------------------
# Each takes the data version first and plain values after (str months and quarters), so the cache key is cheap.


@st.cache_data(show_spinner=False, max_entries=24)
def month_stars(version: str, month: str) -> stars.StarResult:
    return stars.monthly_stars(cursor(), month)


@st.cache_data(show_spinner=False, max_entries=8)
def star_board(version: str, year: int) -> dict[str, Any]:
    return stars.star_board(cursor(), year)


@st.cache_data(show_spinner=False, max_entries=16)
def quarter_flags(version: str, quarter: str) -> flags.FlagResult:
    return flags.quarter_flags(cursor(), quarter)


@st.cache_data(show_spinner=False, max_entries=8)
def flag_history(version: str, year: int) -> pd.DataFrame:
    return flags.flag_history(cursor(), year)


@st.cache_data(show_spinner=False, max_entries=24)
def person_month_net(version: str, month: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The month's people with points per content, and content column → Chinese name."""
    cur = cursor()
    return points.person_month_net(cur, month), points.content_columns(cur, month)


@st.cache_data(show_spinner=False, max_entries=24)
def month_points(version: str, month: str) -> pd.DataFrame:
    return points.month_points(cursor(), month)


@st.cache_data(show_spinner=False, max_entries=64)
def event_sources(version: str, person_id: int, month: str) -> pd.DataFrame:
    return points.event_sources(cursor(), person_id, month)


@st.cache_data(show_spinner=False, max_entries=8)
def section_trend(version: str, year: int) -> pd.DataFrame:
    return trends.section_trend(cursor(), year)


@st.cache_data(show_spinner=False, max_entries=8)
def year_leader(version: str, year: int) -> int | None:
    """The person with the year's highest net points: the 个人档案 a leader most likely wants first."""
    people = points.ytd_points(cursor(), year, 12)["people"]
    return int(people["person_id"].iloc[0]) if len(people) else None


@st.cache_data(show_spinner=False, max_entries=8)
def person_trend(version: str, year: int) -> pd.DataFrame:
    return trends.person_trend(cursor(), year)


@st.cache_data(show_spinner=False, max_entries=8)
def content_trend(version: str, year: int) -> pd.DataFrame:
    return trends.content_trend(cursor(), year)


@st.cache_data(show_spinner=False, max_entries=24)
def movers(version: str, month: str, n: int = 5) -> dict[str, pd.DataFrame]:
    return trends.movers(cursor(), month, n)


@st.cache_data(show_spinner=False, max_entries=32)
def section_people(version: str, section_id: int, quarter: str) -> pd.DataFrame:
    return flags.section_people(cursor(), section_id, quarter)


@st.cache_data(show_spinner=False, max_entries=16)
def task_lights(version: str, as_of: date) -> pd.DataFrame:
    return tasks.task_lights(cursor(), as_of)


@st.cache_data(show_spinner=False, max_entries=16)
def section_participation(version: str, start: date, end: date) -> pd.DataFrame:
    return participation.section_participation(cursor(), start, end, end)


# Derived views (cached too: a page run then only draws) -------------------------------------------


def _prev_month_net(version: str, month: Month, months: list[str], section_id: int | None) -> float | None:
    """The net of the month before, also across a year boundary; None when that month has no data."""
    before = month.shift(-1)
    if str(before) not in months:
        return None
    frame = section_trend(version, before.year)
    frame = frame[frame["month"] == str(before)]
    if section_id is not None:
        frame = frame[frame["section_id"] == section_id]
    return float(frame["net"].sum())


def _series(frame: pd.DataFrame, section_id: int | None) -> pd.DataFrame:
    """One row per month: net, headcount and net per capita of the department or of one section."""
    if section_id is not None:
        frame = frame[frame["section_id"] == section_id]
    out = frame.groupby("month", sort=True).agg(net=("net", "sum"), headcount=("headcount", "sum")).reset_index()
    out["net"] = out["net"].astype(float).round(2)
    out["per_capita"] = (out["net"] / out["headcount"].where(out["headcount"] > 0)).astype(float).round(2)
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def overview(version: str, year: int, month: str, section_id: int | None, months: tuple[str, ...]) -> dict[str, Any]:
    """Everything 总览 shows for a month and (optionally) one section: KPIs, the monthly series, the sections of the
    month, the contents mix, the month's stars and the flag held this quarter."""
    m = Month.parse(month)
    trend = section_trend(version, year)
    series = _series(trend, section_id)
    row = series[series["month"] == month]
    has_points = bool(len(row)) and bool(month in months)
    net = float(row["net"].iat[0]) if len(row) else 0.0
    sections = trend[trend["month"] == month][["section_id", "section", "headcount", "net", "net_per_capita"]]

    mix = month_points(version, month)
    if section_id is not None:
        mix = mix[mix["section_id"] == section_id]
    listed = list(points.content_columns(cursor(), month).values())
    order = listed + sorted(set(mix["content"]) - set(listed))
    mix = mix.groupby("content")[["counted", "capped"]].sum().reindex(order).fillna(0.0).reset_index()

    result = month_stars(version, month)
    awarded = result.stars
    if section_id is not None:
        awarded = awarded[awarded["section_id"] == section_id]

    held = quarter_flags(version, str(m.quarter.shift(-1)))
    lights = task_lights(version, m.end)
    if section_id is not None:
        lights = lights[lights["section_id"] == section_id]
    took_part = section_participation(version, m.start, m.end)
    if section_id is not None:
        took_part = took_part[took_part["section_id"] == section_id]
    # People on the roster that month, also in a month without points (the points series is then empty).
    heads = int(took_part["headcount"].sum())
    completion = took_part["five_one_completion"].astype(float)
    weights = took_part["headcount"].astype(float)
    five_one = (
        float((completion * weights).sum() / weights[completion.notna()].sum()) if completion.notna().any() else None
    )
    return {
        "has_points": has_points,
        "headcount": heads,
        "net": net,
        "net_before": _prev_month_net(version, m, list(months), section_id),
        "series": series,
        "sections": sections.reset_index(drop=True),
        "mix": mix,
        "stars": awarded.reset_index(drop=True),
        "month_star_count": int((awarded["award_kind"] == "month").sum()),
        "content_star_count": int((awarded["award_kind"] == "content").sum()),
        "flag_holder": flags_text(held.red_flag),
        "flag_quarter": held.quarter,
        "tasks": int(len(lights)),
        "tasks_closed": int((lights["light"] == "已办结").sum()),
        "tasks_overdue": int((lights["light"] == "逾期").sum()),
        "people_active": int(took_part["active_people"].sum()),
        "people_present": heads,
        "participation_rows": int(took_part["rows"].sum()),
        "five_one": five_one,
    }


def flag_holder(version: str, quarter: str) -> tuple[str | None, Quarter]:
    """The section flying the 流动红旗 in a quarter (won the quarter before) and that quarter. Within a year the
    history the page shows anyway already knows it; across a year boundary the previous quarter is decided."""
    q = Quarter.parse(quarter)
    before = q.shift(-1)
    if before.year == q.year:
        history = flag_history(version, q.year)
        row = history[history["quarter"] == str(before)]
        return (row["red_flag"].iat[0] if len(row) else None), before
    return flags_text(quarter_flags(version, str(before)).red_flag), before


def rounded(trace: Trace, digits: int = 2) -> Trace:
    """The trace with its inputs' numbers rounded for reading (the engine keeps full precision)."""
    if trace.inputs is None or trace.inputs.empty:
        return trace
    return dataclasses.replace(trace, inputs=trace.inputs.round(digits))


def flags_text(value: str | list[str] | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else "、".join(value)


@st.cache_data(show_spinner=False, max_entries=24)
def ranking_by_content(version: str, month: str) -> tuple[pd.DataFrame, list[str]]:
    """The month's people with events, net first, with counted points per content (columns named by content) and
    whether they won 月度之星; and the content names in the rule book's order."""
    frame, columns = person_month_net(version, month)
    result = month_stars(version, month)
    scored = frame[frame["events"] > 0].rename(columns=columns)
    winners = set(result.stars.loc[result.stars["award_kind"] == "month", "person_id"])
    scored = scored.assign(star=scored["person_id"].isin(winners))
    ranks = result.ranking.set_index("person_id")["rank"]
    scored["rank"] = scored["person_id"].map(ranks)
    keep = ["person_id", "name", "section_id", "section", "net", "raw", "capped", "events", "veto", "rank", "star"]
    return scored[keep + list(columns.values())].reset_index(drop=True), list(columns.values())


def flag_components(result: flags.FlagResult) -> pd.DataFrame:
    """One row per section: each component's weighted share of the flag score (they add up to the score); a section
    without tasks due has its other two weights scaled up, as the score does."""
    frame = result.sections.copy()
    wp, ws, wt = (result.trace.params[k] for k in flags.WEIGHT_KEYS)
    has_tasks = frame["tasks_due"] > 0
    total = (wp + ws + wt) if wp + ws + wt else 1.0
    without = (wp + ws) if wp + ws else 1.0
    frame["part_points"] = (frame["points_scaled"] * wp / total).where(has_tasks, frame["points_scaled"] * wp / without)
    frame["part_stars"] = (frame["stars_scaled"] * ws / total).where(has_tasks, frame["stars_scaled"] * ws / without)
    frame["part_tasks"] = (frame["tasks_scaled"] * wt / total).where(has_tasks, 0.0)
    return frame


@st.cache_data(show_spinner=False, max_entries=16)
def quarter_contents(version: str, quarter: str) -> pd.DataFrame:
    """One row per section x content of the quarter: counted points and per capita (over the quarter's average
    headcount of the flag), for the radar."""
    q = Quarter.parse(quarter)
    parts = [month_points(version, str(m)) for m in q.months]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    heads = quarter_flags(version, quarter).sections.set_index("section_id")["headcount"]
    if frame is None or heads.empty:
        return pd.DataFrame(columns=["section_id", "section", "content", "counted", "per_capita"])
    order = list(dict.fromkeys(frame["content"]))
    sums = frame.groupby(["section_id", "section", "content"], as_index=False)["counted"].sum()
    grid = pd.MultiIndex.from_product([heads.index, order], names=["section_id", "content"]).to_frame(index=False)
    out = grid.merge(sums.drop(columns="section"), on=["section_id", "content"], how="left").fillna({"counted": 0.0})
    names = quarter_flags(version, quarter).sections.set_index("section_id")["section"]
    out["section"] = out["section_id"].map(names)
    out["per_capita"] = (out["counted"] / out["section_id"].map(heads)).astype(float).round(2)
    return out


@st.cache_data(show_spinner=False, max_entries=8)
def trend_views(version: str, year: int) -> dict[str, Any]:
    """The lists behind 趋势分析's selectors and its year-wide charts: people by year total (best first) with their
    labels, sections and contents in order, the section series, and the year's top ten people."""
    people = person_trend(version, year)
    last = people["month"].max()
    totals = people[people["month"] == last].sort_values(["cumulative", "person_id"], ascending=[False, True])
    names = people.drop_duplicates("person_id", keep="last").set_index("person_id")
    ordered = totals["person_id"].astype(int).tolist()
    ordered += [int(p) for p in names.index if int(p) not in set(ordered)]
    sections = section_trend(version, year)
    contents = content_trend(version, year)
    return {
        "person_ids": ordered,
        "person_names": {int(p): f"{r['name']}（{r['section']}）" for p, r in names.iterrows()},
        "sections": list(dict.fromkeys(sections.sort_values("section_id")["section"].dropna())),
        "contents": list(dict.fromkeys(contents["content"])),
        "section_trend": sections,
        "top10": ordered[:10],
    }


MEASURE_COLUMNS = {"monthly": "value", "cumulative": "cumulative", "change": "change"}


def _measured(frame: pd.DataFrame, value: str, months: list[str]) -> pd.DataFrame:
    """A monthly value over every month (zero when missing) with its running total and change on the month before."""
    out = frame.set_index("month")[[value]].reindex(months).fillna(0.0).rename(columns={value: "value"})
    out["value"] = out["value"].astype(float).round(2)
    out["cumulative"] = out["value"].cumsum().round(2)
    out["change"] = out["value"].diff().round(2)
    out.index.name = "month"
    return out.reset_index()


@st.cache_data(show_spinner=False, max_entries=64)
def trend_lines(
    version: str, year: int, person_id: int, section: str, content: str, measure: str, month: str
) -> dict[str, Any]:
    """The three small charts of 趋势分析 (a person against the department's per-capita average, a section against it,
    a content) in the chosen measure, with a sentence under each."""
    t = texts.TRENDS
    people = person_trend(version, year)
    sections = section_trend(version, year)
    contents = content_trend(version, year)
    months = sorted(set(people["month"]))
    column = MEASURE_COLUMNS[measure]
    totals = sections.groupby("month").agg(net=("net", "sum"), headcount=("headcount", "sum")).reset_index()
    totals["per_capita"] = totals["net"] / totals["headcount"].where(totals["headcount"] > 0)
    average = _measured(totals, "per_capita", months)

    mine = _measured(people[people["person_id"] == person_id], "net", months)
    person = pd.DataFrame({"month": months, "mine": mine[column], "average": average[column]})
    row = people[(people["person_id"] == person_id) & (people["month"] == month)]
    rank = f"{B['rank_n'].format(rank=int(row['rank'].iat[0]))}" if len(row) and pd.notna(row["rank"].iat[0]) else "—"
    person_line = t["person_line"].format(
        total=points_text(mine["value"].sum()),
        avg=points_text(mine["value"].mean()),
        month=month_label(month),
        net=signed(mine.set_index("month")["value"].get(month, 0.0)),
        rank=rank,
    )

    part = sections[sections["section"] == section]
    ours = _measured(part, "net_per_capita", months)
    section_frame = pd.DataFrame({"month": months, "ours": ours[column], "average": average[column]})
    row = part[part["month"] == month]
    section_line = t["section_line"].format(
        total=points_text(part["net"].sum()),
        per_capita=signed(row["net_per_capita"].iat[0]) if len(row) else "—",
        month=month_label(month),
        rank=B["rank_n"].format(rank=int(row["rank"].iat[0])) if len(row) and pd.notna(row["rank"].iat[0]) else "—",
        n=int(sections[sections["month"] == month]["rank"].notna().sum()),
    )

    theirs = _measured(contents[contents["content"] == content], "counted", months)
    content_frame = pd.DataFrame({"month": months, "counted": theirs[column]})
    now = theirs.set_index("month")["value"].get(month, 0.0)
    content_line = t["content_line"].format(
        total=points_text(theirs["value"].sum()), month=month_label(month), net=signed(now)
    )
    color = charts.CONTENT_COLORS.get(content, charts.RED)
    return {
        "person": person,
        "person_series": [
            ("mine", t["series_person"], {"color": charts.RED}),
            ("average", t["series_average"], {"color": charts.PALETTE[8], "dash": "dot", "width": 2}),
        ],
        "person_line": person_line,
        "section": section_frame,
        "section_series": [
            ("ours", t["series_section"], {"color": charts.GOLD}),
            ("average", t["series_average"], {"color": charts.PALETTE[8], "dash": "dot", "width": 2}),
        ],
        "section_line": section_line,
        "content": content_frame,
        "content_series": [("counted", t["series_content"], {"color": color})],
        "content_line": content_line,
    }


@st.cache_data(show_spinner=False, max_entries=32)
def person_file(version: str, person_id: int, year: int, last_date: date | None) -> dict[str, Any] | None:
    """Everything 个人档案 shows for one person and year."""
    cur = cursor()
    card = profile.person_card(cur, person_id)
    if card is None:
        return None
    as_of = profile.as_of_for(year, last_date)
    events = profile.person_events(cur, person_id, year)
    contents = profile.year_contents(cur, year)
    last = stars.last_month_with_data(cur, year)
    standing = profile.year_standing(cur, person_id, year, last) if last else None
    board = star_board(version, year)
    five_one = participation.five_one_matrix(cur, date(year, 1, 1), date(year, 12, 31), as_of, person_id=person_id)
    rows = participation.person_participation(cur, person_id, year)
    results = arena.arena_results(cur, year)
    return {
        "card": card,
        "as_of": as_of,
        "events": events,
        "by_month_content": profile.by_month_content(events, year, contents),
        "months": profile.monthly_totals(events, year),
        "standing": standing,
        "awards": profile.awards_of(board["awards"], person_id),
        "five_one": five_one,
        "activities": profile.activity_summary(rows),
        "participation_rows": len(rows),
        "tasks": tasks.tasks_of_person(cur, person_id, as_of),
        "arena": results[results["contestant_id"] == person_id].reset_index(drop=True),
    }


# Formatting ---------------------------------------------------------------------------------------


def signed(value: float | None, digits: int = 1) -> str:
    """Points with their sign (+12, -3.5, 0); — when unknown."""
    if value is None or pd.isna(value):
        return "—"
    value = round(float(value), digits)
    if value == 0:
        return "0"
    text = f"{value:+.{digits}f}".rstrip("0").rstrip(".")
    return text


def points_text(value: float | None) -> str:
    """Points without a forced sign: 12, 12.5."""
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.1f}".rstrip("0").rstrip(".")


def percent(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.0%}"


def month_label(month: str | None) -> str:
    """'2022-07' → 2022年7月."""
    return Month.parse(month).label if isinstance(month, str) and month else "—"


def star_reason(row: Any) -> str:
    """The line under a star's name: why they won."""
    if row.award_kind == "month":
        return B["reason_month"].format(net=points_text(row.net_points), rank=int(row.rank))
    return B["reason_content"].format(content=row.content, points=points_text(row.points))


def mover_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Risers or fallers with the movement written for reading: ↑3 / ↓2 and the points change with its sign."""
    out = frame.copy()
    out["move"] = [f"↑{int(v)}" if v > 0 else f"↓{-int(v)}" for v in out["rank_change"]]
    out["net_change_text"] = [signed(v) for v in out["net_change"]]
    out["net_text"] = [signed(v) for v in out["net"]]
    return out


def award_rows(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["month_label"] = [month_label(m) for m in out["month"]]
    out["points_text"] = [points_text(v) for v in out["points"]]
    return out


def five_one_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """五个一 completion in whole percent for a progress column; nothing owed yet stays empty."""
    return frame.assign(completion_pct=(frame["completion"] * 100).round())


def task_rows(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["light_text"] = [f"{LIGHT_MARKS.get(v, '●')} {v}" for v in out["light"]]
    return out


# Render pieces ------------------------------------------------------------------------------------


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
                st.markdown(f"**{row.name}**" if compact else f"### {row.name}")
                st.caption(f"{row.section} · :red[**{signed(row.net_points)}**] {B['points_unit']}")
                if not compact:
                    st.caption(star_reason(row))
                components.person_link(int(row.person_id), B["open_file"])


def content_star_cards(frame: pd.DataFrame, per_row: int = 4, key: str = "content_stars") -> None:
    """One card per content star: the award, its winners (a tie shares the card) with links, the reason."""
    content = frame[frame["award_kind"] == "content"]
    groups = list(content.groupby("award", sort=False))
    for start in range(0, len(groups), per_row):
        cols = st.columns(per_row)
        for col, (award, group) in zip(cols, groups[start : start + per_row]):
            with col.container(border=True):
                st.markdown(f":red-badge[:material/workspace_premium: {award}]")
                first = group.iloc[0]
                st.caption(B["reason_content"].format(content=first["content"], points=points_text(first["points"])))
                shown = group.head(3)
                for row in shown.itertuples(index=False):
                    components.person_link(int(row.person_id), f"{row.name}（{row.section}）")
                rest = group.iloc[3:]
                if len(rest):
                    with st.popover(B["tied_more"].format(n=len(rest)), icon=":material/group:"):
                        for row in rest.itertuples(index=False):
                            components.person_link(int(row.person_id), f"{row.name}（{row.section}）")


def content_star_lines(frame: pd.DataFrame, shown: int = 2) -> None:
    """The content stars one line each: the award, the first winners as links, the rest of a tie behind a popover."""
    content = frame[frame["award_kind"] == "content"]
    for award, group in content.groupby("award", sort=False):
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            first = group.iloc[0]
            st.markdown(
                f":red-badge[:material/workspace_premium: {award}]",
                help=B["reason_content"].format(content=first["content"], points=points_text(first["points"])),
            )
            for row in group.head(shown).itertuples(index=False):
                components.person_link(int(row.person_id), f"{row.name}（{row.section}）")
            rest = group.iloc[shown:]
            if len(rest):
                with st.popover(B["tied_more"].format(n=len(rest)), icon=":material/group:"):
                    for row in rest.itertuples(index=False):
                        components.person_link(int(row.person_id), f"{row.name}（{row.section}）")


def person_header(card: dict[str, Any]) -> None:
    """Name, section, title, category, 工号, 离岗 and moves between sections, as the file's cover."""
    with st.container(border=True):
        left, right = st.columns([3, 2], vertical_alignment="center")
        with left:
            st.markdown(f"## :material/badge: {card['name']}")
            tags = [
                f":red-badge[{card['section']}]" if card["section"] else None,
                f":orange-badge[{card['title']}]" if card["title"] else None,
                f":blue-badge[{card['category']}]" if card["category"] else None,
            ]
            if card["left_on"] is not None and not pd.isna(card["left_on"]):
                tags.append(f":gray-badge[{B['left_on'].format(date=card['left_on'])}]")
            st.markdown(" ".join(x for x in tags if x))
        with right:
            st.caption(f"{B['staff_no']}：{card['staff_no'] or '—'}")
            moves = card["memberships"]
            if len(moves) > 1:
                st.caption(B["moves"] + "；".join(f"{m['valid_from']:%Y-%m-%d} {m['section']}" for m in moves))
            st.caption(
                B["roster_source"].format(
                    file=card["source_file"] or "—", sheet=card["sheet"] or "—", row=card["row_no"] or "—"
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
                f":red[:material/flag:] **{row.red_flag or B['none']}**"
                + (f" :orange-badge[:material/shield: {B['kept']}]" if row.kept else "")
            )
            st.caption(B["flies_in"].format(quarter=Quarter.parse(row.held_in).label))
            st.caption(f"{B['progress_flag']}：{row.progress_flag or B['none']}")


def person_links(frame: pd.DataFrame, label: str = "name") -> None:
    """A row of links to the files of the people in frame (person_id and a label column)."""
    with st.container(horizontal=True, gap="small"):
        for row in frame.itertuples(index=False):
            components.person_link(int(row.person_id), str(getattr(row, label)))


def table(
    frame: pd.DataFrame,
    columns: dict[str, str],
    config: dict | None = None,
    height: int | str = "auto",
    key: str | None = None,
) -> None:
    """A frame shown with Chinese headers, only the columns named, in that order."""
    shown = frame[[c for c in columns if c in frame]].rename(columns=columns)
    # An empty text cell reads as blank, not as "None".
    text = [c for c in shown.columns if shown[c].dtype == object or pd.api.types.is_string_dtype(shown[c])]
    shown[text] = shown[text].fillna("")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config or {}, height=height, key=key)


def without_empty(frame: pd.DataFrame, columns: dict[str, str], column: str) -> dict[str, str]:
    """The columns to show, less one that is empty in every row (a veto column when nobody had a veto)."""
    if column in frame and frame[column].notna().any():
        return columns
    return {k: v for k, v in columns.items() if k != column}


def flag_table(parts: pd.DataFrame) -> None:
    """The sections' flag components as numbers, rank first, rounded for reading."""
    columns = B["flag_table_columns"]
    number = st.column_config.NumberColumn
    table(
        parts.sort_values("rank"),
        without_empty(parts, columns, "veto_reasons"),
        config={
            columns["headcount"]: number(format="%.1f"),
            columns["net_per_capita"]: number(format="%.2f"),
            columns["stars_per_capita"]: number(format="%.2f"),
            columns["on_time_rate"]: number(format="percent"),
            columns["points_scaled"]: number(format="%.1f"),
            columns["stars_scaled"]: number(format="%.1f"),
            columns["tasks_scaled"]: number(format="%.1f"),
            columns["score"]: st.column_config.ProgressColumn(format="%.2f", min_value=0, max_value=100),
        },
    )


def chart(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, config=charts.CONFIG, key=key)


# Charts -------------------------------------------------------------------------------------------


def _highlight(values: list[str], chosen: str | None, base: str = charts.GOLD, hit: str = charts.RED) -> list[str]:
    return [hit if v == chosen else base for v in values]


def monthly_net_figure(series: pd.DataFrame, month: str) -> go.Figure:
    """Net points per month as bars, the chosen month in red; per capita and headcount in the hover."""
    labels = [Month.parse(m).label[5:] for m in series["month"]]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=series["net"],
            marker_color=_highlight(list(series["month"]), month),
            text=[points_text(v) for v in series["net"]],
            textposition="outside",
            cliponaxis=False,
            customdata=series[["per_capita", "headcount"]],
            hovertemplate="%{x}<br>"
            + B["net"]
            + " %{y:.1f}<br>"
            + B["per_capita"]
            + " %{customdata[0]:.2f}<br>"
            + B["headcount"]
            + " %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_yaxes(title=B["net"], rangemode="tozero")
    fig.update_xaxes(tickangle=0)
    fig.update_layout(bargap=0.35)
    return charts.style(fig, None, height=320, legend=False)


def section_bar_figure(sections: pd.DataFrame, chosen: str | None) -> go.Figure:
    """Sections by net per capita this month, best on top; the chosen section in red."""
    frame = sections.dropna(subset=["net_per_capita"]).sort_values("net_per_capita")
    values = frame["net_per_capita"].astype(float)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=frame["section"],
            orientation="h",
            marker_color=_highlight(list(frame["section"]), chosen),
            text=[points_text(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            customdata=frame[["headcount", "net"]],
            hovertemplate="%{y}<br>"
            + B["per_capita"]
            + " %{x:.2f}<br>"
            + B["headcount"]
            + " %{customdata[0]}<br>"
            + B["net"]
            + " %{customdata[1]:.1f}<extra></extra>",
        )
    )
    low = min(0.0, float(values.min())) if len(values) else 0.0
    high = max(0.0, float(values.max())) if len(values) else 1.0
    fig.update_xaxes(title=B["per_capita"], range=[low * 1.15, high * 1.15 or 1])
    return charts.style(fig, None, height=320, legend=False)


def contents_figure(mix: pd.DataFrame) -> go.Figure:
    """Counted points by content in the rule book's order, top down, deductions left of zero, each in its colour."""
    frame = mix.iloc[::-1]
    colors = [charts.CONTENT_COLORS.get(c, charts.PALETTE[8]) for c in frame["content"]]
    values = frame["counted"].astype(float)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=frame["content"],
            orientation="h",
            marker_color=colors,
            text=[signed(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>" + B["counted"] + " %{x:.1f}<extra></extra>",
        )
    )
    low = min(0.0, float(values.min())) if len(values) else 0.0
    high = max(0.0, float(values.max())) if len(values) else 1.0
    span = (high - low) or 1.0
    # Room on both sides for the value written beyond each bar's end.
    fig.update_xaxes(title=B["counted"], range=[low - 0.16 * span if low < 0 else 0, high + 0.16 * span])
    return charts.style(fig, None, height=320, legend=False)


def ranking_figure(frame: pd.DataFrame, contents: list[str], title: str) -> go.Figure:
    """People as horizontal stacked bars of counted points by content, highest net on top; ★ marks 月度之星."""
    frame = frame.iloc[::-1]
    labels = [
        f"{'★ ' if star else ''}{name}（{section}）{B['veto_mark'] if veto else ''}"
        for name, section, star, veto in zip(frame["name"], frame["section"], frame["star"], frame["veto"])
    ]
    fig = go.Figure()
    for content in contents:
        values = frame[content]
        if not values.any():
            continue
        fig.add_bar(
            x=values,
            y=labels,
            orientation="h",
            name=content,
            marker_color=charts.CONTENT_COLORS.get(content),
            hovertemplate="%{y}<br>" + content + " %{x:.1f}<extra></extra>",
        )
    positive = frame[contents].clip(lower=0).sum(axis=1)
    fig.add_scatter(
        x=positive,
        y=labels,
        mode="text",
        text=[f"  {signed(v)}" for v in frame["net"]],
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        textfont={"color": charts.DEEP_RED, "size": 12},
    )
    fig.update_layout(barmode="relative", bargap=0.25)
    fig.update_xaxes(title=B["counted"])
    return charts.style(fig, title, height=max(300, 26 * len(frame) + 110))


def star_sections_figure(sections: pd.DataFrame, title: str) -> go.Figure:
    frame = sections.sort_values(["total", "month_stars"])
    fig = go.Figure()
    fig.add_bar(
        x=frame["month_stars"], y=frame["section"], orientation="h", name=B["month_star"], marker_color=charts.RED
    )
    fig.add_bar(
        x=frame["content_stars"], y=frame["section"], orientation="h", name=B["content_star"], marker_color=charts.GOLD
    )
    fig.update_layout(barmode="stack", bargap=0.3)
    fig.update_xaxes(title=B["stars_unit"])
    return charts.style(fig, title, height=340)


def flag_score_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Sections by flag score, each bar split into its three weighted components; a veto is named on the label."""
    frame = frame.sort_values("score", na_position="first")
    labels = [f"{s}{B['veto_mark'] if v else ''}" for s, v in zip(frame["section"], frame["veto"])]
    fig = go.Figure()
    for column, name, color in (
        ("part_points", B["part_points"], charts.RED),
        ("part_stars", B["part_stars"], charts.GOLD),
        ("part_tasks", B["part_tasks"], charts.PALETTE[2]),
    ):
        fig.add_bar(
            x=frame[column],
            y=labels,
            orientation="h",
            name=name,
            marker_color=color,
            hovertemplate="%{y}<br>" + name + " %{x:.2f}<extra></extra>",
        )
    fig.add_scatter(
        x=frame["score"],
        y=labels,
        mode="text",
        text=[f"  {v:.2f}" for v in frame["score"].fillna(0)],
        textposition="middle right",
        showlegend=False,
        hoverinfo="skip",
        textfont={"color": charts.DEEP_RED, "size": 13},
    )
    fig.update_layout(barmode="stack", bargap=0.3, legend={"traceorder": "normal"})
    fig.update_xaxes(title=B["flag_score"], range=[0, 112])
    return charts.style(fig, title, height=max(300, 40 * len(frame) + 110))


def radar_figure(frame: pd.DataFrame, sections: list[str], title: str) -> go.Figure:
    fig = go.Figure()
    for n, section in enumerate(sections):
        part = frame[frame["section"] == section]
        if part.empty:
            continue
        theta = [*part["content"], part["content"].iat[0]]
        values = [*part["per_capita"], part["per_capita"].iat[0]]
        fig.add_scatterpolar(
            r=values,
            theta=theta,
            name=section,
            fill="toself",
            opacity=0.55,
            line={"color": charts.PALETTE[n % len(charts.PALETTE)]},
            hovertemplate=section + "<br>%{theta} %{r:.2f}<extra></extra>",
        )
    fig.update_layout(polar={"radialaxis": {"showline": False, "gridcolor": "#EEE"}, "bgcolor": charts.PAPER})
    return charts.style(fig, title, height=420)


def lines_figure(
    frame: pd.DataFrame,
    x: str,
    series: list[tuple[str, str, dict]],
    title: str,
    bars: bool = False,
    y_title: str | None = None,
) -> go.Figure:
    """Lines (or grouped bars, for changes) of one or more columns over months; series = (column, name, style)."""
    labels = [Month.parse(m).label[5:] for m in frame[x]]
    fig = go.Figure()
    for column, name, look in series:
        if bars:
            fig.add_bar(
                x=labels,
                y=frame[column],
                name=name,
                marker_color=look.get("color"),
                hovertemplate="%{x}<br>" + name + " %{y:.2f}<extra></extra>",
            )
        else:
            fig.add_scatter(
                x=labels,
                y=frame[column],
                name=name,
                mode="lines+markers",
                line={"color": look.get("color"), "width": look.get("width", 3), "dash": look.get("dash")},
                hovertemplate="%{x}<br>" + name + " %{y:.2f}<extra></extra>",
            )
    fig.update_yaxes(title=y_title)
    fig.update_xaxes(tickangle=0, tickfont={"size": 11})
    return charts.style(fig, title, height=320)


def heatmap_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """Months across, sections down, net per capita as colour (white → gold → red) with the value written in."""
    wide = frame.pivot_table(index="section", columns="month", values="net_per_capita", aggfunc="first", sort=False)
    wide = wide.reindex(columns=sorted(wide.columns))
    labels = [Month.parse(m).label[5:] for m in wide.columns]
    fig = go.Figure(
        go.Heatmap(
            z=wide.values,
            x=labels,
            y=list(wide.index),
            colorscale=[[0, "#FFFFFF"], [0.5, charts.GOLD], [1, charts.RED]],
            text=[[points_text(v) for v in r] for r in wide.values],
            texttemplate="%{text}",
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": B["per_capita"]}},
            hovertemplate="%{y} · %{x}<br>" + B["per_capita"] + " %{z:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return charts.style(fig, title, height=max(300, 38 * len(wide) + 90), legend=False)


def bump_figure(frame: pd.DataFrame, people: list[int], title: str | None) -> go.Figure:
    """Standing by cumulative net after each month (1 on top) of the chosen people; the legend lists them in their
    final order, so the lines need no labels of their own where they bunch up at the top."""
    fig = go.Figure()
    worst = 1
    for n, person_id in enumerate(people):
        part = frame[frame["person_id"] == person_id].sort_values("month")
        if part.empty:
            continue
        labels = [Month.parse(m).label[5:] for m in part["month"]]
        ranks = part["cumulative_rank"].astype(float)
        worst = max(worst, int(ranks.max()))
        name = f"{n + 1}. {part['name'].iat[-1]}"
        fig.add_scatter(
            x=labels,
            y=ranks,
            mode="lines+markers",
            name=name,
            line={"color": charts.PALETTE[n % len(charts.PALETTE)], "width": 3},
            marker={"size": 8},
            hovertemplate=part["name"].iat[-1] + "<br>%{x} " + B["cumulative_rank"] + " 第 %{y} 名<extra></extra>",
        )
    ticks = [1, *range(5, worst + 1, 5)] if worst > 10 else list(range(1, worst + 1))
    fig.update_yaxes(range=[worst + 1.5, 0.5], title=B["cumulative_rank"], tickmode="array", tickvals=ticks)
    fig.update_xaxes(tickangle=0)
    charts.style(fig, title, height=460)
    fig.update_layout(legend={"orientation": "v", "x": 1.01, "y": 1, "xanchor": "left", "yanchor": "top"})
    return fig


def person_points_figure(grid: pd.DataFrame, months: pd.DataFrame, title: str) -> go.Figure:
    """A person's counted points per month stacked by content, with the month's net as a line."""
    labels = [Month.parse(m).label[5:] for m in months["month"]]
    fig = go.Figure()
    for content, part in grid.groupby("content", sort=False):
        if not part["counted"].any():
            continue
        fig.add_bar(
            x=labels,
            y=part["counted"],
            name=content,
            marker_color=charts.CONTENT_COLORS.get(content),
            hovertemplate="%{x}<br>" + content + " %{y:.1f}<extra></extra>",
        )
    fig.add_scatter(
        x=labels,
        y=months["net"],
        name=B["net"],
        mode="lines+markers",
        line={"color": charts.INK, "width": 2, "dash": "dot"},
        hovertemplate="%{x}<br>" + B["net"] + " %{y:.1f}<extra></extra>",
    )
    fig.update_layout(barmode="relative", bargap=0.3)
    fig.update_yaxes(title=B["counted"])
    return charts.style(fig, title, height=360)
