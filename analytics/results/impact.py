"""What a change would do to published results before it is made: for a previewed import or a new rule-book version,
the stars gained or lost, flag ranks and holders that move, and task lights that change — computed on the database
as it would be after the change, inside a transaction that is always rolled back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics.periods import Month, Quarter
from analytics.results.flags import quarter_flags
from analytics.results.stars import awards
from analytics.results.tasks import task_lights
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import Preview, write_batch
from analytics.store.db import Con, fetch_df, rolled_back

MAX_LINES = 40


@dataclass
class Scope:
    """The periods a change can touch."""

    months: list[Month] = field(default_factory=list)
    quarters: list[Quarter] = field(default_factory=list)
    as_of: date | None = None  # task lights are compared on this date

    @property
    def empty(self) -> bool:
        return not (self.months or self.quarters or self.as_of)


@dataclass
class Snapshot:
    awards: pd.DataFrame
    flags: dict[Quarter, pd.DataFrame]
    holders: dict[Quarter, tuple[str, str]]  # (red flag, progress flag) as text
    lights: pd.DataFrame


@dataclass
class Impact:
    scope: Scope
    stars_gained: pd.DataFrame
    stars_lost: pd.DataFrame
    flag_moves: pd.DataFrame  # quarter, section, rank_before, rank_after, score_before, score_after
    holder_changes: list[str]
    light_changes: pd.DataFrame  # task_code, task_name, section, light_before, light_after
    lines: list[str]

    @property
    def changes(self) -> bool:
        return bool(self.lines)


def _snapshot(cur: Con, scope: Scope) -> Snapshot:
    stars = awards(cur, scope.months)
    flags, holders = {}, {}
    for quarter in scope.quarters:
        result = quarter_flags(cur, quarter)
        columns = ["section", "score", "rank"]
        flags[quarter] = result.sections[columns].copy() if result.has_data else pd.DataFrame(columns=columns)
        holders[quarter] = (_text(result.red_flag), _text(result.progress_flag))
    lights = (
        task_lights(cur, scope.as_of)[["task_code", "task_name", "section", "light"]] if scope.as_of else pd.DataFrame()
    )
    return Snapshot(stars, flags, holders, lights)


def _text(value) -> str:
    if not value:
        return "无"
    return "、".join(value) if isinstance(value, list) else str(value)


AWARD_KEY = ["month", "person_id", "award"]
AWARD_COLUMNS = ["month", "name", "section", "award", "points"]


def _only_in(frame: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """The awards of ``frame`` that ``other`` lacks, by (month, person, award). Compared as key tuples: a pandas merge
    of two empty Arrow-backed frames raises instead of returning nothing (a month with no star either side)."""
    if frame.empty:
        return frame.reindex(columns=AWARD_COLUMNS)
    seen = set(other[AWARD_KEY].itertuples(index=False, name=None)) if not other.empty else set()
    keep = [key not in seen for key in frame[AWARD_KEY].itertuples(index=False, name=None)]
    return frame.loc[keep, AWARD_COLUMNS].reset_index(drop=True)


def _diff(scope: Scope, before: Snapshot, after: Snapshot) -> Impact:
    gained = _only_in(after.awards, before.awards)
    lost = _only_in(before.awards, after.awards)
    lines = []
    for row in gained.itertuples(index=False):
        lines.append(f"{row.name}（{row.section}）将获得 {Month.parse(row.month).label}「{row.award}」")
    for row in lost.itertuples(index=False):
        lines.append(f"{row.name}（{row.section}）将不再获得 {Month.parse(row.month).label}「{row.award}」")

    moves = []
    holder_changes = []
    for quarter in scope.quarters:
        empty = pd.DataFrame(columns=["section", "score", "rank"])
        b, a = before.flags.get(quarter, empty), after.flags.get(quarter, empty)
        if not a.empty:
            joined = a.merge(b, on="section", how="left", suffixes=("_after", "_before"))
            for row in joined.itertuples(index=False):
                if pd.isna(row.rank_before) or int(row.rank_before) != int(row.rank_after):
                    moves.append(
                        {
                            "quarter": quarter.label,
                            "section": row.section,
                            "rank_before": None if pd.isna(row.rank_before) else int(row.rank_before),
                            "rank_after": int(row.rank_after),
                            "score_before": None if pd.isna(row.score_before) else round(float(row.score_before), 2),
                            "score_after": round(float(row.score_after), 2),
                        }
                    )
        red_b, progress_b = before.holders.get(quarter, ("无", "无"))
        red_a, progress_a = after.holders.get(quarter, ("无", "无"))
        if red_b != red_a:
            holder_changes.append(f"{quarter.label}流动红旗将由「{red_b}」变为「{red_a}」")
        if progress_b != progress_a:
            holder_changes.append(f"{quarter.label}进步旗将由「{progress_b}」变为「{progress_a}」")
    flag_moves = pd.DataFrame(
        moves, columns=["quarter", "section", "rank_before", "rank_after", "score_before", "score_after"]
    )
    lines += holder_changes
    for row in flag_moves.itertuples(index=False):
        if row.rank_before is None:
            lines.append(f"{row.section} 将进入{row.quarter}夺旗排名，列第 {row.rank_after} 名")
        else:
            verb = "升至" if row.rank_after < row.rank_before else "降至"
            lines.append(f"{row.section} {row.quarter}夺旗排名将由第 {row.rank_before} 名{verb}第 {row.rank_after} 名")

    light_changes = pd.DataFrame(columns=["task_code", "task_name", "section", "light_before", "light_after"])
    if scope.as_of is not None and not after.lights.empty:
        joined = after.lights.merge(before.lights, on="task_code", how="left", suffixes=("", "_before"))
        changed = joined[joined["light_before"].isna() | (joined["light"] != joined["light_before"])]
        light_changes = changed.rename(columns={"light": "light_after"})[
            ["task_code", "task_name", "section", "light_before", "light_after"]
        ].reset_index(drop=True)
        on = f"{scope.as_of:%Y-%m-%d}"
        for row in light_changes.itertuples(index=False):
            if pd.isna(row.light_before):
                lines.append(
                    f"任务 {row.task_code}「{row.task_name}」将新增到督办台账，截至 {on} 亮「{row.light_after}」"
                )
            else:
                lines.append(
                    f"任务 {row.task_code}「{row.task_name}」截至 {on} 将由「{row.light_before}」变为「{row.light_after}」"
                )
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"…… 另有 {len(lines) - MAX_LINES} 项变化"]
    return Impact(
        scope,
        gained.reset_index(drop=True),
        lost.reset_index(drop=True),
        flag_moves,
        holder_changes,
        light_changes,
        lines,
    )


def _quarters_with_data(cur: Con, since: date | None = None) -> list[Quarter]:
    rows = fetch_df(
        cur,
        """
        select distinct year(d) as y, quarter(d) as q from (
            select event_date as d from score_event
            union all select due_date from task_snapshot where superseded_by is null
        ) where d >= $since order by y, q
        """,
        {"since": since or date(1900, 1, 1)},
    )
    return [Quarter(int(r.y), int(r.q)) for r in rows.itertuples()]


def _months_with_points(cur: Con, since: date) -> list[Month]:
    rows = fetch_df(
        cur,
        "select distinct year(event_date) as y, month(event_date) as m from score_event where event_date >= $since "
        "order by y, m",
        {"since": since},
    )
    return [Month(int(r.y), int(r.m)) for r in rows.itertuples()]


def import_scope(cur: Con, preview: Preview) -> Scope:
    """Months whose stars, quarters whose flags, and the date whose task lights the file can change."""
    months: set[Month] = set()
    quarters: set[Quarter] = set()
    as_of = None
    for sheet in preview.sheets:
        rows = sheet.rows
        if sheet.kind == "points" and len(rows):
            months |= {Month.parse(d) for d in rows["event_date"].unique()}
        elif sheet.kind == "tasks" and len(rows):
            quarters |= {Quarter.parse(d) for d in rows["due_date"].unique()}
            latest = max(rows["updated_on"])
            as_of = latest if as_of is None else max(as_of, latest)
        elif sheet.kind == "roster":
            # Headcounts change: the flags of the quarters on record may move.
            quarters |= set(_quarters_with_data(cur)[-4:])
    quarters |= {m.quarter for m in months}
    return Scope(sorted(months), sorted(quarters), as_of)


def import_impact(con: Con, preview: Preview) -> Impact | None:
    """The results a checked file would change; None for a file with errors or one that touches no results."""
    if not preview.ok:
        return None
    scope = import_scope(con.cursor(), preview)
    if scope.empty:
        return None
    before = _snapshot(con.cursor(), scope)
    with rolled_back(con) as cur:
        write_batch(cur, preview)
        after = _snapshot(cur, scope)
    return _diff(scope, before, after)


def rules_impact(con: Con, book: rb.RuleBook, effective_from: date) -> Impact:
    """The past results a new rule-book version would change from its effective date on."""
    cur = con.cursor()
    scope = Scope(
        _months_with_points(cur, effective_from), _quarters_with_data(cur, Quarter.parse(effective_from).start), None
    )
    before = _snapshot(cur, scope)
    with rolled_back(con) as tx:
        rb.save(tx, book, effective_from, "edit")
        after = _snapshot(tx, scope)
    return _diff(scope, before, after)
