"""Arenas (擂台): each contestant's final mark in a session (marks of the contestant as judge left out, the highest and
the lowest mark dropped when there are enough judges), ranks, the marks behind them and how each judge marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analytics.errors import DashboardError
from analytics.results.trace import Trace
from analytics.rules import rulebook as rb
from analytics.store.db import Con, fetch_df
from analytics.store.membership import section_on_sql

SELF_EXCLUDED = "评委本人即选手，已剔除"
STATUS_NOTES = {"kept": "计入", "high": "去掉的最高分", "low": "去掉的最低分", "self": SELF_EXCLUDED}

# Every mark with its fate. A session is (arena, date, topic); within it each contestant's marks from other judges
# are valid, and with at least $trim_min of them (the book in force on the session's day) one highest and one lowest
# are dropped. Opposite tie-breaks on fact_id make the dropped high and low two different rows even when all marks
# are equal, so only one copy of a tied mark goes.
_FLAGGED = f"""
    spans as (
        select unnest($span_from::date[]) as valid_from, unnest($span_to::date[]) as valid_to,
               unnest($span_trim::double[]) as trim_min
    ),
    marks as (
        select a.*, coalesce(a.topic, '') as topic_key, a.judge_id = a.contestant_id as is_self
        from arena_mark a
        where ($year::integer is null or a.event_date between make_date($year, 1, 1) and make_date($year, 12, 31))
          and ($arena::varchar is null or a.arena = $arena)
          and ($event_date::date is null or a.event_date = $event_date)
          and ($topic::varchar is null or coalesce(a.topic, '') = $topic)
    ),
    judged as (
        select m.*, s.trim_min
        from marks m
        join spans s on m.event_date >= s.valid_from and (s.valid_to is null or m.event_date <= s.valid_to)
    ),
    extremes as (
        select arena, event_date, topic_key, contestant_id,
               count(*) filter (where not is_self) as n_valid,
               arg_max(fact_id, (mark, fact_id)) filter (where not is_self) as high_id,
               arg_min(fact_id, (mark, fact_id)) filter (where not is_self) as low_id
        from judged
        group by arena, event_date, topic_key, contestant_id
    ),
    flagged as (
        select j.*, e.n_valid,
               case
                   when j.is_self then 'self'
                   when e.n_valid >= j.trim_min and j.fact_id = e.high_id then 'high'
                   when e.n_valid >= j.trim_min and j.fact_id = e.low_id then 'low'
                   else 'kept'
               end as status
        from judged j
        join extremes e using (arena, event_date, topic_key, contestant_id)
    ),
    per_contestant as (
        select arena, event_date, topic_key, any_value(topic) as topic, contestant_id,
               max(n_valid) as judges, max(trim_min) as trim_min,
               round(avg(mark) filter (where status = 'kept'), 4) as final_mark,
               max(mark) filter (where status = 'high') as dropped_high,
               max(mark) filter (where status = 'low') as dropped_low,
               count(*) filter (where status = 'self') as self_marks_excluded
        from flagged
        group by arena, event_date, topic_key, contestant_id
    ),
    results as (
        select r.*,
               r.judges >= r.trim_min as trimmed,
               case
                   when r.judges = 0 then '没有有效评分'
                   when r.judges >= r.trim_min then '去掉一个最高分、一个最低分后取平均'
                   else '评委不足 ' || cast(r.trim_min as integer) || ' 人，未去掉最高分和最低分'
               end as method,
               case when r.final_mark is not null then rank() over (
                   partition by r.arena, r.event_date, r.topic_key order by r.final_mark desc nulls last
               ) end as rank,
               p.name as contestant,
               {section_on_sql("r.contestant_id", "r.event_date")} as section_id
        from per_contestant r
        left join person p on p.person_id = r.contestant_id
    )
"""


def _params(
    cur: Con,
    year: int | None = None,
    arena: str | None = None,
    event_date: date | None = None,
    topic: str | None = None,
) -> dict[str, Any]:
    """The filters, and the judge threshold of each rule book version over the dates it was in force."""
    spans = rb.version_spans(cur)
    trims = dict(
        cur.execute(
            "select version_id, value from rule_param where key = $key", {"key": "arena_trim_min_judges"}
        ).fetchall()
    )
    return {
        "span_from": [start for _, start, _ in spans],
        "span_to": [end for _, _, end in spans],
        "span_trim": [trims[vid] for vid, _, _ in spans],
        "year": year,
        "arena": arena,
        "event_date": event_date,
        "topic": topic,
    }


def arena_results(cur: Con, year: int | None = None, arena: str | None = None) -> pd.DataFrame:
    """One row per session (arena, date, topic) x contestant: valid judges, final mark, the dropped marks, the method
    in Chinese, the rank in the session (1, 2, 2, 4 on ties) and how many self-marks were left out."""
    return fetch_df(
        cur,
        "with "
        + _FLAGGED
        + """
        select r.arena, r.event_date as "date", r.topic, r.contestant_id, r.contestant, r.section_id,
               s.name as section, r.judges, r.final_mark, r.dropped_high, r.dropped_low, r.method, r.trimmed,
               r.rank, r.self_marks_excluded
        from results r
        left join section s using (section_id)
        order by r.event_date, r.arena, r.topic_key, r.rank nulls last, r.contestant_id
        """,
        _params(cur, year, arena),
    )


def arena_marks(
    cur: Con,
    arena: str | None = None,
    event_date: date | None = None,
    topic: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """One row per mark of the chosen sessions: judge, mark, its status (kept | high | low | self), the Chinese
    note the page shows (去掉的最高分 …), ``dropped`` and the source row. Filters left as None take every value;
    ``topic=""`` picks the sessions held without a topic."""
    frame = fetch_df(
        cur,
        "with "
        + _FLAGGED
        + """
        select f.arena, f.event_date as "date", f.topic, f.contestant_id, c.name as contestant, f.judge_id,
               j.name as judge, f.mark, f.status, f.status <> 'kept' as dropped,
               f.fact_id, f.batch_id, f.source_file, f.sheet, f.row_no
        from flagged f
        left join person c on c.person_id = f.contestant_id
        left join person j on j.person_id = f.judge_id
        order by f.event_date, f.arena, f.topic_key, f.contestant_id, f.mark desc, f.fact_id
        """,
        _params(cur, year, arena, event_date, topic),
    )
    return _with_notes(frame)


def _text(value: Any) -> str | None:
    """A text cell as str, or None when empty (a missing topic comes back from pandas as NaN)."""
    return value if isinstance(value, str) and value else None


def _with_notes(frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(frame.columns.get_loc("status") + 1, "note", frame["status"].map(STATUS_NOTES))
    return frame


def judge_spread(cur: Con, year: int | None = None, arena: str | None = None) -> pd.DataFrame:
    """One row per judge: valid marks given (self-marks left out), their mean and standard deviation, the mean
    (signed and absolute) deviation from the contestants' final marks, and how many were dropped as high or low."""
    return fetch_df(
        cur,
        "with "
        + _FLAGGED
        + """
        select f.judge_id, p.name as judge,
               count(*) as marks,
               avg(f.mark) as mean_mark,
               stddev_samp(f.mark) as std_mark,
               avg(f.mark - r.final_mark) as mean_deviation,
               avg(abs(f.mark - r.final_mark)) as mean_abs_deviation,
               count(*) filter (where f.status = 'high') as dropped_high,
               count(*) filter (where f.status = 'low') as dropped_low
        from flagged f
        join results r using (arena, event_date, topic_key, contestant_id)
        left join person p on p.person_id = f.judge_id
        where not f.is_self
        group by f.judge_id, p.name
        order by mean_abs_deviation desc nulls last, f.judge_id
        """,
        _params(cur, year, arena),
    )


def arena_trace(cur: Con, arena: str, event_date: date, contestant_id: int, topic: str | None = None) -> Trace:
    """How a contestant's final mark and rank in a session were reached, down to each judge's mark and its row."""
    book = rb.in_force(cur, event_date)
    # One query for the whole session: every mark beside its contestant's result.
    rows = fetch_df(
        cur,
        "with "
        + _FLAGGED
        + """
        select r.contestant_id, r.contestant, r.topic_key, r.topic, r.judges, r.final_mark, r.dropped_high,
               r.dropped_low, r.method, r.trimmed, r.rank,
               f.judge_id, j.name as judge, f.mark, f.status, f.fact_id, f.batch_id, f.source_file, f.sheet,
               f.row_no, b.imported_at
        from results r
        join flagged f using (arena, event_date, topic_key, contestant_id)
        left join person j on j.person_id = f.judge_id
        left join import_batch b on b.batch_id = f.batch_id
        order by r.topic_key, r.contestant_id, f.mark desc, f.fact_id
        """,
        _params(cur, None, arena, event_date, topic),
    )
    results = rows.drop_duplicates(["topic_key", "contestant_id"])
    mine = results[results["contestant_id"] == contestant_id]
    if mine.empty:
        raise DashboardError(f"{event_date:%Y-%m-%d} 的{arena}中没有这位选手的评分")
    if len(mine) > 1:
        topics = "、".join(_text(t) or "（未填主题）" for t in mine["topic"])
        raise DashboardError(f"该选手当天在{arena}的多个主题中都有评分，请指定主题：{topics}")
    result = mine.iloc[0]
    session = results[results["topic_key"] == result["topic_key"]]
    mark_columns = [
        "judge_id",
        "judge",
        "mark",
        "status",
        "fact_id",
        "batch_id",
        "source_file",
        "sheet",
        "row_no",
        "imported_at",
    ]
    marks = _with_notes(
        rows.loc[
            (rows["contestant_id"] == contestant_id) & (rows["topic_key"] == result["topic_key"]), mark_columns
        ].reset_index(drop=True)
    )
    trim = book.int_param("arena_trim_min_judges")
    formula = (
        f"评委本人即选手的评分不计；有效评委不少于 {trim} 人时，去掉一个最高分和一个最低分"
        f"（同分只去掉一个），其余评分取平均为最后得分；有效评委不足 {trim} 人时，取全部有效评分的平均。"
        "同一场擂台内按最后得分从高到低排名，得分相同者名次相同（如 1、2、2、4）。"
    )
    records = marks.to_dict("records")
    excluded = [{"name": rec["judge"], "reason": SELF_EXCLUDED} for rec in records if rec["status"] == "self"]
    notes = [f"方法：{result['method']}（有效评委 {int(result['judges'])} 人）。"]
    if result["trimmed"]:
        notes.append(f"去掉的最高分 {result['dropped_high']:g}，去掉的最低分 {result['dropped_low']:g}。")
    if pd.notna(result["final_mark"]):
        notes.append(
            f"最后得分 {result['final_mark']:g}，本场第 {int(result['rank'])} 名（共 {len(session)} 名选手）。"
        )
    ties = []
    if pd.notna(result["rank"]):
        tied = session[(session["rank"] == result["rank"]) & (session["contestant_id"] != contestant_id)]
        if len(tied):
            ties.append(
                f"与{'、'.join(tied['contestant'])}同为 {result['final_mark']:g} 分，并列第 {int(result['rank'])} 名"
            )
    for src in records:
        notes.append(
            f"来源：批次 #{src['batch_id']}，文件“{src['source_file']}”，工作表“{src['sheet']}”第 {src['row_no']} 行。"
        )
    topic_text = f"「{_text(result['topic'])}」" if _text(result["topic"]) else ""
    return Trace.for_book(
        f"{event_date:%Y-%m-%d} {arena}{topic_text} {result['contestant']} 的最后得分",
        book,
        ["arena_trim_min_judges"],
        formula,
        inputs=marks,
        excluded=excluded,
        ties=ties,
        notes=notes,
    )


def arena_json(cur: Con, year: int | None = None) -> dict:
    """Every session with its results in rank order, as plain data."""
    frame = arena_results(cur, year)
    sessions: list[dict] = []
    key = None
    for rec in frame.to_dict("records"):
        # Rows come ordered by session, so a change of key starts the next session.
        topic = _text(rec["topic"])
        if (rec["arena"], rec["date"], topic) != key:
            key = (rec["arena"], rec["date"], topic)
            sessions.append({"arena": rec["arena"], "date": rec["date"].isoformat(), "topic": topic, "results": []})
        sessions[-1]["results"].append(
            {
                "name": rec["contestant"],
                "section": rec["section"],
                "final_mark": None if pd.isna(rec["final_mark"]) else float(rec["final_mark"]),
                "judges": int(rec["judges"]),
                "method": rec["method"],
                "rank": None if pd.isna(rec["rank"]) else int(rec["rank"]),
            }
        )
    return {"sessions": sessions}


# Sessions (a contest on one day under one topic) as the 擂台 page lists them --------------------------


def session_key(arena_name: str, day: date, topic: Any) -> str:
    """A session as one URL-safe value: 2022-04-15|科长擂台|一季度工作晒比 (topic may be empty)."""
    return f"{day:%Y-%m-%d}|{arena_name}|{topic if isinstance(topic, str) else ''}"


def parse_session(key: str) -> tuple[date, str, str]:
    day, arena_name, topic = key.split("|", 2)
    return date.fromisoformat(day), arena_name, topic


def arena_sessions(results: pd.DataFrame) -> pd.DataFrame:
    """One row per session, latest first: key, date, arena, topic, contestants, judges (the most any contestant
    had), the winner(s) and the top mark."""
    if results.empty:
        return pd.DataFrame(columns=["key", "date", "arena", "topic", "contestants", "judges", "winner", "top_mark"])
    frame = results.assign(topic=results["topic"].map(lambda t: t if isinstance(t, str) else ""))
    rows = []
    for (day, arena_name, topic), part in frame.groupby(["date", "arena", "topic"], sort=False):
        winners = part.loc[part["rank"] == 1, "contestant"].tolist()
        rows.append(
            {
                "key": session_key(arena_name, day, topic),
                "date": day,
                "arena": arena_name,
                "topic": topic,
                "contestants": len(part),
                "judges": int(part["judges"].max()),
                "winner": "、".join(winners),
                "top_mark": part["final_mark"].max(),
            }
        )
    return pd.DataFrame(rows).sort_values(["date", "arena"], ascending=[False, True]).reset_index(drop=True)


def session_results(results: pd.DataFrame, key: str) -> pd.DataFrame:
    """The contestants of one session, best first."""
    day, arena_name, topic = parse_session(key)
    topics = results["topic"].map(lambda t: t if isinstance(t, str) else "")
    hit = results[(results["date"] == day) & (results["arena"] == arena_name) & (topics == topic)]
    return hit.sort_values(["rank", "contestant_id"], na_position="last").reset_index(drop=True)


@dataclass(frozen=True)
class ArenaKpis:
    """擂台's KPI row: sessions, contestants (distinct people) and appearances, judges and marks given."""

    sessions: int
    contestants: int
    appearances: int
    judges: int
    marks: int


def arena_kpis(sessions: pd.DataFrame, results: pd.DataFrame, spread: pd.DataFrame) -> ArenaKpis:
    """From arena_sessions, arena_results and judge_spread of the same year and arena."""
    return ArenaKpis(
        sessions=len(sessions),
        contestants=int(results["contestant_id"].nunique()),
        appearances=len(results),
        judges=len(spread),
        marks=int(spread["marks"].sum()) if len(spread) else 0,
    )
