"""Quarterly flags (季度夺旗) for sections: a flag score from per-capita net points, stars per capita and the on-time
completion rate of tasks, each scaled 0..100 across sections; the 流动红旗 (held the next quarter), the 进步旗, the
history of winners and the section flying the flag. What a section's score is made of (its people, its contents):
flag_drill.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.periods import Quarter, quarters_of_year
from analytics.results import flag_rollup, rollup
from analytics.results.points import BOOKS_SQL, PERSON_MONTH_SQL, MonthBooks, month_books, with_sql
from analytics.results.stars import AWARDS_SQL
from analytics.results.tasks import section_task_rates_many
from analytics.results.trace import Trace
from analytics.store.db import Con, fetch_df

RED_FLAG = "流动红旗"
PROGRESS_FLAG = "进步旗"
WEIGHT_KEYS = ["flag_weight_points", "flag_weight_stars", "flag_weight_tasks"]
COMPONENTS = [
    ("net_per_capita", "points_scaled"),
    ("stars_per_capita", "stars_scaled"),
    ("on_time_rate", "tasks_scaled"),
]
SECTION_COLUMNS = [
    "section_id",
    "section",
    "headcount",
    "net",
    "net_per_capita",
    "month_stars",
    "content_stars",
    "stars",
    "stars_per_capita",
    "tasks_due",
    "tasks_on_time",
    "on_time_rate",
    "points_scaled",
    "stars_scaled",
    "tasks_scaled",
    "part_points",
    "part_stars",
    "part_tasks",
    "score",
    "rank",
    "veto",
    "veto_reasons",
]

# One row per quarter x section: average headcount over the quarter's months, counted net points and vetoes of events
# attributed to the section (score_event.section_id), and the stars its people won while in it.
SECTION_SQL = """
    , quarters as (
        select cast(date_trunc('quarter', month_start) as date) as quarter_start, count(*) as months
        from books group by 1
    ),
    headcount as (
        select cast(date_trunc('quarter', month_start) as date) as quarter_start, home_section_id as section_id,
               count(*) as person_months
        from present group by 1, 2
    ),
    section_vetoes as (
        select cast(date_trunc('quarter', v.month_start) as date) as quarter_start, v.section_id,
               string_agg(
                   p.name || ' ' || strftime(v.event_date, '%-m月%-d日') || ' ' || v.veto_reason,
                   '；' order by v.event_date, v.fact_id
               ) as veto_reasons
        from veto_event v join person p on p.person_id = v.person_id
        group by 1, 2
    ),
    section_points as (
        select cast(date_trunc('quarter', g.month_start) as date) as quarter_start, g.section_id,
               round(sum(g.counted), 4) as net, sum(g.events) as events, bool_or(g.veto) as veto,
               any_value(sv.veto_reasons) as veto_reasons
        from grain g
        left join section_vetoes sv
            on sv.quarter_start = cast(date_trunc('quarter', g.month_start) as date) and sv.section_id = g.section_id
        group by 1, 2
    ),
    section_stars as (
        select cast(date_trunc('quarter', month_start) as date) as quarter_start, section_id,
               count(*) filter (where award_kind = 'month') as month_stars,
               count(*) filter (where award_kind = 'content') as content_stars
        from award group by 1, 2
    )
    select year(q.quarter_start) || 'Q' || quarter(q.quarter_start) as quarter, s.section_id, s.name as section,
           s.sort_order,
           coalesce(h.person_months, 0) / q.months::double as headcount,
           coalesce(sp.net, 0) as net,
           coalesce(sp.events, 0)::integer as events,
           coalesce(st.month_stars, 0)::integer as month_stars,
           coalesce(st.content_stars, 0)::integer as content_stars,
           coalesce(sp.veto, false) as veto,
           sp.veto_reasons
    from quarters q
    cross join section s
    left join headcount h on h.quarter_start = q.quarter_start and h.section_id = s.section_id
    left join section_points sp on sp.quarter_start = q.quarter_start and sp.section_id = s.section_id
    left join section_stars st on st.quarter_start = q.quarter_start and st.section_id = s.section_id
    order by q.quarter_start, s.sort_order, s.section_id
"""

# The same rows as SECTION_SQL, summed from the flag rollup's section months (flag_rollup.py): `months` holds the
# stored months ($stored: every month with score events) and, when some of the quarters' months have no score events,
# those computed live (LIVE_MONTHS_SQL; without events they cost little). Vetoes come from the points rollup's veto
# rows of all the months ($all_months).
STORED_MONTHS_SQL = """
    with months as (
        select * from flag_section_month
        where month_start between $first::date and $last::date
          and month_start in (select unnest($stored::date[]))
    )"""

LIVE_MONTHS_SQL = (
    with_sql(BOOKS_SQL, rollup.ROLLUP_SQL, PERSON_MONTH_SQL, AWARDS_SQL)
    + flag_rollup.SECTION_MONTH_SQL
    + """
    , months as (
        select * from flag_section_month
        where month_start between $first::date and $last::date
          and month_start in (select unnest($stored::date[]))
        union all
        select * from section_month
    )"""
)

QUARTERS_FROM_MONTHS_SQL = """
    , quarters as (
        select unnest($quarter_starts::date[]) as quarter_start
    ),
    per_quarter as (
        select cast(date_trunc('quarter', month_start) as date) as quarter_start, section_id,
               sum(person_months) as person_months, round(sum(net), 4) as net, sum(events) as events,
               bool_or(veto) as veto, sum(month_stars) as month_stars, sum(content_stars) as content_stars
        from months
        group by 1, 2
    ),
    section_vetoes as (
        select cast(date_trunc('quarter', v.month_start) as date) as quarter_start, v.section_id,
               string_agg(
                   p.name || ' ' || strftime(v.event_date, '%-m月%-d日') || ' ' || v.veto_reason,
                   '；' order by v.event_date, v.fact_id
               ) as veto_reasons
        from points_rollup_veto v join person p on p.person_id = v.person_id
        where v.month_start in (select unnest($all_months::date[]))
        group by 1, 2
    )
    select year(q.quarter_start) || 'Q' || quarter(q.quarter_start) as quarter, s.section_id, s.name as section,
           s.sort_order,
           coalesce(pq.person_months, 0) / 3::double as headcount,
           coalesce(pq.net, 0) as net,
           coalesce(pq.events, 0)::integer as events,
           coalesce(pq.month_stars, 0)::integer as month_stars,
           coalesce(pq.content_stars, 0)::integer as content_stars,
           coalesce(pq.veto, false) as veto,
           case when pq.events > 0 then sv.veto_reasons end as veto_reasons
    from quarters q
    cross join section s
    left join per_quarter pq on pq.quarter_start = q.quarter_start and pq.section_id = s.section_id
    left join section_vetoes sv on sv.quarter_start = q.quarter_start and sv.section_id = s.section_id
    order by q.quarter_start, s.sort_order, s.section_id
"""


def flag_formula(weights: dict[str, float]) -> str:
    wp, ws, wt = (weights[k] for k in WEIGHT_KEYS)
    return (
        f"季度夺旗得分 =（人均净得分换算分 × {wp:g} + 人均摘星换算分 × {ws:g} + 按期办结率换算分 × {wt:g}）÷ {wp + ws + wt:g}。"
        "① 三项原始数值：季度平均人数 = 本季度三个月各月在岗人数之和 ÷ 3（月中调动的按月末所在科室计，离岗的自离岗次月起不计）；"
        "人均净得分 = 科室本季度计入的净得分（按加减分发生当日所在科室归属，月度上限封顶后）÷ 季度平均人数；"
        "人均摘星 = 科室人员在本科室期间获得的月度之星与单项之星个数 ÷ 季度平均人数；"
        "按期办结率 = 本季度到期的任务中在计划完成日期前办结销号的个数 ÷ 到期任务数（按季度末的台账状态）。"
        "② 换算：每一项在参评科室之间换算为 0～100 分，换算分 =（本科室数值 − 各科室最低值）÷（各科室最高值 − 各科室最低值）× 100，"
        "最高的科室得 100 分、最低的得 0 分；各科室数值都相同时均得 100 分。"
        "③ 比较的是“人均”数值，所以 3 人的科室和 20 人的科室站在同一起跑线上：人多不会因总分高而占优，人少也不吃亏。"
        "④ 本季度没有到期任务的科室不计按期办结率，其余两项的权重按比例放大到合计为 1。"
        f"{RED_FLAG}：本季度没有一票否决事项的科室中得分最高者获得，得分相同依次比较人均净得分、按期办结率，仍相同则共同获得；"
        "流动红旗在下一季度悬挂。"
        f"{PROGRESS_FLAG}：除流动红旗获得科室和有一票否决事项的科室外，得分比上一季度提高最多（须有提高）的科室获得。"
    )


@dataclass
class _Scores:
    """The scored sections of one quarter, before any flag is decided."""

    quarter: Quarter
    sections: pd.DataFrame
    weights: dict[str, float]
    version_id: int
    effective_from: date | None
    has_data: bool
    notes: list[str] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FlagResult:
    """One quarter's flags: the scored sections, the red flag and the progress flag (always a list of section names:
    several when shared, empty when nobody), the sections kept out and why, and the trace (weights, formula, the
    section table with each component's weighted part, ties, notes)."""

    quarter: Quarter
    sections: pd.DataFrame
    red_flag: list[str]  # the winners; several when shared, empty when nobody
    progress_flag: list[str]
    excluded: list[dict[str, Any]]
    trace: Trace
    has_data: bool = True


def _quarter(quarter: Quarter | str | date) -> Quarter:
    return Quarter.parse(quarter)


def _scale(values: np.ndarray) -> np.ndarray:
    """Min-max to 0..100 over the known values; all equal gives 100 to all; unknown stays NaN."""
    rounded = np.round(np.asarray(values, dtype=float), 9)
    known = rounded[~np.isnan(rounded)]
    if not len(known):
        return rounded
    low, high = known.min(), known.max()
    if high - low < 1e-9:
        return np.where(np.isnan(rounded), np.nan, 100.0)
    return (rounded - low) / (high - low) * 100.0


def _all_scores(cur: Con, quarters: list[Quarter]) -> dict[Quarter, _Scores]:
    """Score every section of each quarter; the point and star parts of all quarters come from one query."""
    months = [m for q in quarters for m in q.months]
    books = month_books(cur, months)
    raw = _section_quarters(cur, quarters, books)
    task_rates = section_task_rates_many(cur, [(q.start, q.end, q.end) for q in quarters])
    found = {}
    by_quarter = raw["quarter"].to_numpy()
    by_period = task_rates["period"].to_numpy()
    for n, q in enumerate(quarters):
        part = raw.take(np.flatnonzero(by_quarter == str(q))).reset_index(drop=True)
        tasks = task_rates.take(np.flatnonzero(by_period == n))
        last = 3 * n + 2
        found[q] = _score(q, part, tasks, books.params[last], books.versions[last], books.effective[last])
    return found


def _section_quarters(cur: Con, quarters: list[Quarter], books: MonthBooks) -> pd.DataFrame:
    """One row per quarter x section (SECTION_SQL's rows): from the flag rollup when it is current, else directly."""
    if not flag_rollup.ready(cur):
        return fetch_df(
            cur,
            with_sql(BOOKS_SQL, rollup.counted_sql(cur), PERSON_MONTH_SQL, AWARDS_SQL) + SECTION_SQL,
            books.sql_params(),
        )
    starts = [m.start for m in books.months]
    stored = flag_rollup.stored_months(cur, starts)
    live = [n for n, m in enumerate(books.months) if m.start not in stored]
    rest = MonthBooks(
        tuple(books.months[n] for n in live),
        tuple(books.versions[n] for n in live),
        tuple(books.params[n] for n in live),
        tuple(books.effective[n] for n in live),
    )
    params = {
        "stored": sorted(stored),
        "all_months": starts,
        "first": min(starts),
        "last": max(starts),
        "quarter_starts": [q.start for q in quarters],
    }
    if not live:  # the usual case: a short query without the blocks of the direct computation
        return fetch_df(cur, STORED_MONTHS_SQL + QUARTERS_FROM_MONTHS_SQL, params)
    return fetch_df(cur, LIVE_MONTHS_SQL + QUARTERS_FROM_MONTHS_SQL, rest.sql_params(**params))


def _score(
    quarter: Quarter,
    raw: pd.DataFrame,
    tasks: pd.DataFrame,
    params: dict[str, float],
    version_id: int,
    effective: date | None,
) -> _Scores:
    """Score one quarter's sections from their points and stars (raw) and their tasks due (tasks).

    The arithmetic runs on plain arrays: a quarter has a handful of sections, and pandas' per-call overhead would
    cost more than the sums themselves."""
    weights = {k: params[k] for k in WEIGHT_KEYS}
    sid = raw["section_id"].to_numpy()
    at = dict(zip(tasks["section_id"].tolist(), range(len(tasks))))
    found = np.array([at.get(int(s), -1) for s in sid], dtype=np.int64)
    known = found >= 0

    def per_section(column: str) -> np.ndarray:
        values = tasks[column].to_numpy(dtype=float)
        return np.where(known, values[np.where(known, found, 0)] if len(values) else np.nan, np.nan)

    due = np.nan_to_num(per_section("due"), nan=0.0).astype(np.int64)
    on_time = np.nan_to_num(per_section("on_time"), nan=0.0).astype(np.int64)
    rate = np.where(due > 0, per_section("rate"), np.nan)
    headcount = raw["headcount"].to_numpy(dtype=float)
    events = raw["events"].to_numpy()
    has_data = bool(events.sum() > 0 or due.sum() > 0)
    notes: list[str] = []
    excluded: list[dict[str, Any]] = []
    sections = raw["section"].tolist()
    for n in np.flatnonzero((headcount <= 0) & ((events > 0) | (due > 0))):
        excluded.append({"name": sections[n], "reason": "本季度没有在岗人员，无法计算人均数值，不参加评比"})
    keep = np.flatnonzero(headcount > 0)

    due, on_time, rate, headcount = due[keep], on_time[keep], rate[keep], headcount[keep]
    stars = raw["month_stars"].to_numpy()[keep] + raw["content_stars"].to_numpy()[keep]
    net_per_capita = np.round(raw["net"].to_numpy(dtype=float)[keep] / headcount, 6)
    stars_per_capita = np.round(stars / headcount, 6)
    scaled = {
        "points_scaled": _scale(net_per_capita),
        "stars_scaled": _scale(stars_per_capita),
        "tasks_scaled": _scale(rate),
    }
    wp, ws, wt = (weights[k] for k in WEIGHT_KEYS)
    parts = _parts(scaled, due > 0, wp, ws, wt)
    score = np.round((parts["part_points"] + parts["part_stars"] + parts["part_tasks"]).astype(float), 6)
    # Competition ranking (1 + how many score higher); no score, no rank.
    unscored = np.isnan(score)
    rank = 1 + (score[None, :] > score[:, None]).sum(axis=1)
    if has_data:
        no_tasks = [sections[n] for n, d in zip(keep, due) if d == 0]
        if no_tasks and len(no_tasks) < len(keep):
            share = "、".join(no_tasks)
            if wp + ws > 0:
                notes.append(
                    f"{share}本季度没有到期任务，不计按期办结率；其得分 =（人均净得分换算分 × {wp / (wp + ws):.2f}"
                    f" + 人均摘星换算分 × {ws / (wp + ws):.2f}），即其余两项权重按比例放大到合计为 1"
                )
            else:
                notes.append(f"{share}本季度没有到期任务，而其余两项权重为 0，无法计分")
        elif no_tasks:
            notes.append(
                "本季度各科室都没有到期任务，不计按期办结率，按人均净得分和人均摘星两项计分（权重按比例放大到合计为 1）"
            )
    # By rank (unranked last), then section_id; the frame is built once, in that order.
    order = np.lexsort((sid[keep], np.where(unscored, np.iinfo(np.int64).max, rank)))
    rows = raw.take(keep[order]).reset_index(drop=True)
    computed = {
        "stars": stars,
        "net_per_capita": net_per_capita,
        "stars_per_capita": stars_per_capita,
        "tasks_due": due,
        "tasks_on_time": on_time,
        "on_time_rate": rate,
        **scaled,
        **parts,
        "score": score,
    }
    columns: dict[str, Any] = {}
    for name in SECTION_COLUMNS:
        if name == "rank":
            columns[name] = pd.arrays.IntegerArray(rank[order].astype(np.int64), unscored[order])
        elif name in computed:
            columns[name] = computed[name][order]
        else:
            columns[name] = rows[name]
    frame = pd.DataFrame(columns)
    return _Scores(quarter, frame, weights, version_id, effective, has_data, notes, excluded)


def _winners(frame: pd.DataFrame) -> list[str]:
    """Top sections by score, then per-capita net points, then on-time rate (a section without tasks comes last)."""
    if frame.empty:
        return []
    score = np.round(frame["score"].to_numpy(dtype=float), 6)
    net = np.round(frame["net_per_capita"].to_numpy(dtype=float), 6)
    rate = np.round(np.nan_to_num(frame["on_time_rate"].to_numpy(dtype=float), nan=-1.0), 6)
    # The first of the three keys in descending order, then those equal to it on all three (a handful of rows:
    # plain arrays, not a sorted frame).
    hit = score == score.max()
    hit &= net == net[hit].max()
    hit &= rate == rate[hit].max()
    return frame["section"].to_numpy()[hit].tolist()


def _red_flag(scores: _Scores) -> tuple[list[str], list[str], list[str]]:
    """(winners, ties sentences, notes) of the red flag."""
    frame = scores.sections
    if not scores.has_data:
        return [], [], [f"{scores.quarter.label}没有加减分记录和到期任务，不评选{RED_FLAG}"]
    scored = frame["score"].notna().to_numpy()
    veto = frame["veto"].to_numpy(dtype=bool)
    candidates = frame[~veto & scored]
    notes: list[str] = []
    ties: list[str] = []
    if scored.any():
        leader = int(np.argmax(scored))
        if veto[leader]:
            notes.append(f"{frame['section'].iat[leader]}得分最高，但本季度有一票否决事项，不能获得{RED_FLAG}")
    winners = _winners(candidates)
    if not winners:
        notes.append(f"本季度没有符合条件的科室，不评选{RED_FLAG}")
        return [], ties, notes
    rounded = np.round(candidates["score"].to_numpy(dtype=float), 6)
    top_score = rounded.max()
    level = candidates["section"].to_numpy()[rounded == top_score].tolist()
    if len(level) > 1:
        names = "、".join(level)
        if len(winners) == 1:
            ties.append(
                f"{names}得分并列第一（{top_score:.2f} 分），依次比较人均净得分、按期办结率后，由{winners[0]}获得{RED_FLAG}"
            )
        else:
            ties.append(f"{'、'.join(winners)}得分、人均净得分和按期办结率都相同，共同获得{RED_FLAG}")
    return winners, ties, notes


def _progress_flag(now: _Scores, before: _Scores | None, red: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(winners, ties sentences, notes) of the progress flag; ``frame`` gains a ``gain`` column."""
    frame = now.sections
    if not now.has_data or before is None or not before.has_data:
        frame["previous_score"] = np.nan
        frame["gain"] = np.nan
    if not now.has_data:
        return [], [], []
    if before is None or not before.has_data:
        if now.quarter.quarter == 1:
            return [], [], [f"{now.quarter.label}为年度第一季度，没有上一季度的数据可比，不评选{PROGRESS_FLAG}"]
        return [], [], [f"上一季度（{before.quarter.label if before else ''}）没有数据可比，不评选{PROGRESS_FLAG}"]
    previous = dict(zip(before.sections["section_id"].tolist(), before.sections["score"].tolist()))
    score = frame["score"].to_numpy(dtype=float)
    previous_score = np.array([previous.get(s, np.nan) for s in frame["section_id"].tolist()], dtype=float)
    gain = np.round(score - previous_score, 6)
    frame["previous_score"] = previous_score
    frame["gain"] = gain
    names = frame["section"].to_numpy()
    held = np.array([name in red for name in names.tolist()], dtype=bool)
    candidate = ~frame["veto"].to_numpy(dtype=bool) & ~held & (gain > 0)
    if not candidate.any():
        return [], [], [f"本季度没有得分比上一季度提高、且符合条件的科室，不评选{PROGRESS_FLAG}"]
    top = gain[candidate].max()
    winners = names[candidate & (gain == top)].tolist()
    ties = []
    if len(winners) > 1:
        ties.append(f"{'、'.join(winners)}得分提高幅度相同（均提高 {top:.2f} 分），共同获得{PROGRESS_FLAG}")
    notes = [f"{PROGRESS_FLAG}：{'、'.join(winners)}得分比上一季度提高 {top:.2f} 分，提高最多"]
    return winners, ties, notes


def _parts(
    scaled: dict[str, np.ndarray], has_tasks: np.ndarray, wp: float, ws: float, wt: float
) -> dict[str, np.ndarray]:
    """Each component's weighted share of the flag score (the three add up to the score): the weights normalised to
    sum to 1, and a section without tasks due has the other two weights scaled up to sum to 1 (no score when both
    are 0). The one statement of the weighting: the score and the page's stacked bars both come from here."""
    total = wp + ws + wt
    both = wp + ws
    w_points = np.where(has_tasks, wp / total if total else np.nan, wp / both if both else np.nan)
    w_stars = np.where(has_tasks, ws / total if total else np.nan, ws / both if both else np.nan)
    w_tasks = np.where(has_tasks, wt / total if total else np.nan, 0.0)
    return {
        "part_points": scaled["points_scaled"] * w_points,
        "part_stars": scaled["stars_scaled"] * w_stars,
        "part_tasks": np.where(has_tasks, scaled["tasks_scaled"] * w_tasks, 0.0),
    }


def _trace(scores: _Scores, **rest) -> Trace:
    return Trace(
        f"{scores.quarter.label} 季度夺旗",
        scores.version_id,
        scores.effective_from,
        dict(scores.weights),
        flag_formula(scores.weights),
        **rest,
    )


def _decide(now: _Scores, before: _Scores | None) -> FlagResult:
    red, red_ties, red_notes = _red_flag(now)
    progress, progress_ties, progress_notes = _progress_flag(now, before, red)
    excluded = list(now.excluded)
    vetoed = np.flatnonzero(now.sections["veto"].to_numpy(dtype=bool))
    names, reasons = now.sections["section"].to_numpy(), now.sections["veto_reasons"].to_numpy()
    for n in vetoed:
        excluded.append(
            {
                "name": names[n],
                "reason": f"本季度有一票否决事项：{reasons[n]}，不能获得{RED_FLAG}和{PROGRESS_FLAG}",
            }
        )
    notes = list(now.notes) + red_notes + progress_notes
    if red:
        notes.append(f"{RED_FLAG}由{'、'.join(red)}获得，在{now.quarter.shift(1).label}悬挂")
    trace = _trace(
        now,
        inputs=now.sections,
        excluded=excluded,
        ties=red_ties + progress_ties,
        notes=notes,
    )
    return FlagResult(now.quarter, now.sections, list(red), list(progress), excluded, trace, now.has_data)


def quarter_flags(cur: Con, quarter: Quarter | str | date) -> FlagResult:
    """The quarter's flags. ``.sections``: one row per section with people that quarter (section_id, section,
    headcount, net, net_per_capita, month_stars, content_stars, stars, stars_per_capita, tasks_due, tasks_on_time,
    on_time_rate, points_scaled, stars_scaled, tasks_scaled, score, rank, veto, veto_reasons, previous_score, gain);
    ``.red_flag`` / ``.progress_flag``: the winning sections (a list: several when shared, empty when nobody);
    ``.excluded``; ``.trace``."""
    q = _quarter(quarter)
    scores = _all_scores(cur, [q.shift(-1), q])
    return _decide(scores[q], scores[q.shift(-1)])


def flag_text(names: list[str]) -> str | None:
    """A flag's holders as one line: the names of a shared flag joined with "、"; None when nobody."""
    return "、".join(names) if names else None


def flags_json(cur: Con, quarter: Quarter | str | date) -> dict[str, Any]:
    """{"quarter": "2022Q1", "sections": [{"section", "score", "rank"}], "red_flag", "progress_flag"}; score rounded to
    2 decimals; a shared flag is the names joined with "、"."""
    result = quarter_flags(cur, quarter)
    sections = []
    for row in result.sections.itertuples(index=False):
        score = None if pd.isna(row.score) else round(float(row.score), 2)
        sections.append({"section": row.section, "score": score, "rank": None if pd.isna(row.rank) else int(row.rank)})
    return {
        "quarter": str(result.quarter),
        "sections": sections,
        "red_flag": flag_text(result.red_flag),
        "progress_flag": flag_text(result.progress_flag),
    }


def flag_history(cur: Con, year: int) -> pd.DataFrame:
    """One row per quarter of the year with data: quarter ('2022Q1'), label, red_flag (names joined by "、"), held_in
    (the quarter that flies it), kept (保旗: same winner as the quarter before), progress_flag."""
    quarters = quarters_of_year(year)
    scores = _all_scores(cur, [quarters[0].shift(-1), *quarters])
    rows = []
    first = scores[quarters[0].shift(-1)]
    # Each quarter's red flag is decided once: the quarter after compares with it (保旗).
    reds = {first.quarter: _red_flag(first)[0] if first.has_data else []}
    for q in quarters:
        before = scores[q.shift(-1)]
        if not scores[q].has_data:
            reds[q] = []
            continue
        result = _decide(scores[q], before)
        reds[q] = result.red_flag
        previous_red = reds[before.quarter] if before.has_data else []
        red = flag_text(result.red_flag)
        rows.append(
            {
                "quarter": str(q),
                "label": q.label,
                "red_flag": red,
                "held_in": str(q.shift(1)),
                "kept": bool(red) and red == flag_text(previous_red),
                "progress_flag": flag_text(result.progress_flag),
            }
        )
    columns = ["quarter", "label", "red_flag", "held_in", "kept", "progress_flag"]
    # Object columns keep a missing flag as None (the str dtype would turn it into NaN).
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.astype({"kept": bool})


def flag_holder(cur: Con, quarter: Quarter | str | date) -> tuple[str | None, Quarter]:
    """The section flying the 流动红旗 in a quarter (it won the quarter before; names joined with "、" when shared)
    and that quarter before."""
    before = _quarter(quarter).shift(-1)
    return flag_text(quarter_flags(cur, before).red_flag), before
