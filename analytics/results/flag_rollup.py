"""The flag rollups: what the quarterly flag (季度夺旗) sums, kept in tables for the data version they were built from,
so a quarter reads a few hundred section x month rows and the task spans due in it rather than ranking the quarter's
stars over the points rollup and windowing every task snapshot ever reported (migration 009).

- flag_section_month: one row per month x section (headcount in person-months, counted net points, events, veto,
  stars won in it), made by SECTION_MONTH_SQL from the very blocks the direct query uses (points, stars), read from
  the points rollup. Each month's fingerprint (its points rollup fingerprint, who is present in which section, the
  star parameters) is kept, and only months whose fingerprint changed are recomputed. Months without score events
  are not stored: a quarter reading one computes it live, which is cheap (no events to rank).
- flag_task_span: one row per live task snapshot with the span of days it is the task's state, so a period's state
  on a day is the spans holding that day, found by a range predicate on due_date (the table is kept in due-date
  order, so row groups outside the period are skipped). Each task's fingerprint is kept, and only tasks whose live
  snapshots changed are recomputed.

Like the points rollup (rollup.py) it is derived lazily by the first reader after data_version moves, never waits
and never differs: a reader that cannot build it (forced direct, inside a transaction, read-only, another rebuild)
computes directly (tests/results/test_flag_rollup.py compares both)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pandas as pd

from analytics.periods import Month
from analytics.results import points, rollup
from analytics.results.stars import AWARDS_SQL
from analytics.store.db import WRITE_LOCK, Con, data_version, fetch_df

# One row per month x section with people present, points attributed or stars won (after BOOKS_SQL, the grain
# blocks, PERSON_MONTH_SQL and AWARDS_SQL): person-months present (membership at the month's end), counted net points
# and events of events attributed to it (score_event.section_id), any veto, and the stars its people won while in it.
SECTION_MONTH_SQL = """
    , sm_present as (
        select month_start, home_section_id as section_id, count(*) as person_months
        from present group by month_start, home_section_id
    ),
    sm_points as (
        select month_start, section_id, sum(counted) as net, sum(events) as events, bool_or(veto) as veto
        from grain group by month_start, section_id
    ),
    sm_stars as (
        select month_start, section_id,
               count(*) filter (where award_kind = 'month') as month_stars,
               count(*) filter (where award_kind = 'content') as content_stars
        from award group by month_start, section_id
    ),
    sm_keys as (
        select month_start, section_id from sm_present
        union select month_start, section_id from sm_points
        union select month_start, section_id from sm_stars
    ),
    section_month as (
        select k.month_start, k.section_id,
               coalesce(h.person_months, 0)::bigint as person_months,
               coalesce(p.net, 0)::double as net,
               coalesce(p.events, 0)::bigint as events,
               coalesce(p.veto, false) as veto,
               coalesce(s.month_stars, 0)::bigint as month_stars,
               coalesce(s.content_stars, 0)::bigint as content_stars
        from sm_keys k
        left join sm_present h using (month_start, section_id)
        left join sm_points p using (month_start, section_id)
        left join sm_stars s using (month_start, section_id)
    )"""

SECTION_MONTH_COLUMNS = "month_start, section_id, person_months, net, events, veto, month_stars, content_stars"

# One row per month x section x content (after BOOKS_SQL, the grain blocks and PERSON_MONTH_SQL): the counted points
# of the people whose section that month it is, each person's total rounded as points.month_points shows it, and the
# lowest of those person ids.
SECTION_CONTENT_SQL = """
    , person_content as (
        select g.month_start, g.person_id, pm.section_id, g.content, round(sum(g.counted), 4) as counted
        from grain g
        join person_month pm using (month_start, person_id)
        join person p on p.person_id = g.person_id
        group by g.month_start, g.person_id, pm.section_id, g.content
    ),
    section_content as (
        select month_start, section_id, content, sum(counted) as counted, min(person_id) as first_person
        from person_content
        group by month_start, section_id, content
    )"""

SECTION_CONTENT_COLUMNS = "month_start, section_id, content, counted, first_person"

# The section x content rows of the months given, with the section's name and order, for the contents radar.
CONTENTS_SQL = """
    select c.month_start, c.section_id, s.name as section, s.sort_order, c.content, c.counted, c.first_person
    from flag_section_content c
    left join section s on s.section_id = c.section_id
    where c.month_start between $first::date and $last::date
      and c.month_start in (select unnest($months::date[]))
"""

# Per month of the points rollup: a hash of its fingerprint, of who is present in which section and of the star
# parameters of the rule version in force (after BOOKS_SQL, ROLLUP_SQL and PERSON_MONTH_SQL).
SECTION_PRINTS_SQL = """
    , present_prints as (
        select month_start, sum(hash(person_id, home_section_id)::hugeint) as present_hash
        from present group by month_start
    )
    select r.month_start,
           hash(r.events, r.events_hash, r.version_id, r.items_hash)::hugeint as points_print,
           coalesce(pp.present_hash, 0)::hugeint as present_hash,
           hash(b.star_top_n, b.star_min_points, b.content_star_threshold)::hugeint as stars_hash
    from points_rollup_month r
    join books b using (month_start)
    left join present_prints pp using (month_start)
    order by r.month_start
"""

# Each live snapshot is a task's state from its date until the task's next snapshot (a same-day pair: the later
# fact_id); stage_since is the first day the task was reported at that stage.
TASK_SPANS_SQL = """
    select task_code, fact_id, updated_on,
           coalesce(
               lead(updated_on) over (partition by task_code order by updated_on, fact_id), '9999-12-31'::date
           ) as next_on,
           section_id, due_date, stage,
           min(updated_on) over (partition by task_code, stage) as stage_since
    from task_snapshot
    where superseded_by is null and ($all or task_code in (select unnest($codes::varchar[])))
    order by due_date, task_code, updated_on, fact_id
"""

# A hash of everything the section rows are computed from (every month's points rollup fingerprint, the memberships,
# who left when, the rule versions and their parameters) and one of every live task snapshot: two table-wide sums,
# far cheaper than the per-month and per-task fingerprints they spare when an import touched neither.
INPUTS_SQL = """
    select hash(
               (select coalesce(sum(hash(month_start, events, events_hash, version_id, items_hash)::hugeint), 0)
                from points_rollup_month),
               (select coalesce(sum(hash(person_id, section_id, valid_from, valid_to)::hugeint), 0) from membership),
               (select coalesce(sum(hash(person_id, left_on)::hugeint), 0) from person),
               (select coalesce(sum(hash(version_id, effective_from)::hugeint), 0) from rule_version),
               (select coalesce(sum(hash(version_id, key, value, text_value)::hugeint), 0) from rule_param)
           )::hugeint as sections_input,
           (select hash(count(*), coalesce(sum(hash(task_code, fact_id, updated_on, section_id, due_date, stage)
                                                 ::hugeint), 0))
            from task_snapshot where superseded_by is null)::hugeint as tasks_input
"""

TASK_PRINTS_SQL = """
    select task_code, count(*) as snapshots,
           sum(hash(fact_id, updated_on, section_id, due_date, stage)::hugeint) as snapshots_hash
    from task_snapshot
    where superseded_by is null
    group by task_code
"""

# One row per period x section (every section): tasks whose state on the period's as_of is due within the period,
# and those of them closed by their due date. A span holds as_of when updated_on <= as_of < next_on; the state's
# stage is the closed one only if the task was first closed on or before as_of, so stage_since is its closing day.
TASK_RATES_SQL = """
    with periods as (
        select unnest(range(len($starts::date[]))) as period, unnest($starts::date[]) as p_start,
               unnest($ends::date[]) as p_end, unnest($as_ofs::date[]) as as_of,
               unnest($closed::varchar[]) as closed
    ),
    state as (
        select p.period, s.section_id, s.stage = p.closed and s.stage_since <= s.due_date as on_time
        from flag_task_span s
        join periods p
          on s.due_date between p.p_start and p.p_end and s.updated_on <= p.as_of and s.next_on > p.as_of
        -- a range on the column itself, so the scan skips the row groups of other periods
        where s.due_date between $low::date and $high::date
    ),
    per_section as (
        select period, section_id, count(*) as due, count(*) filter (where on_time) as on_time
        from state group by period, section_id
    )
    select p.period, sec.section_id, coalesce(ps.due, 0) as due, coalesce(ps.on_time, 0) as on_time
    from periods p
    cross join section sec
    left join per_section ps on ps.period = p.period and ps.section_id = sec.section_id
    order by p.period, sec.sort_order, sec.section_id
"""

# One rebuild at a time in this process; a second reader meanwhile computes directly rather than waiting.
_BUILDING = threading.Lock()
_off = False
# What the last committed rebuild in this process recomputed: (months, tasks) (read by the tests).
last_rebuild: tuple[list[date], list[str]] = ([], [])


@contextmanager
def off() -> Iterator[None]:
    """Read the flag's inputs without the flag rollups while inside (the points rollup still serves): for the
    tests' and the benchmark's side-by-side comparison."""
    global _off
    before = _off
    _off = True
    try:
        yield
    finally:
        _off = before


def built_for(cur: Con) -> int | None:
    """The data_version the flag rollups hold, None when never built."""
    rows = cur.execute("select max(data_version) from flag_rollup_state").fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def ready(cur: Con) -> bool:
    """Whether the flag rollups are current for the data ``cur`` sees, rebuilding them first when stale and this
    thread can. They are built from the points rollup, so that one must be current first (which also rules out a
    forced direct run, a transaction, a read-only database)."""
    if _off or not rollup.ready(cur):
        return False
    try:
        if built_for(cur) == data_version(cur):
            return True
    except Exception:  # a database without migration 009: compute directly
        return False
    if not _BUILDING.acquire(blocking=False):
        return False
    try:
        if not WRITE_LOCK.acquire(blocking=False):
            return False
        try:
            return rebuild(cur)
        finally:
            WRITE_LOCK.release()
    finally:
        _BUILDING.release()


def rebuild(cur: Con, whole: bool = False) -> bool:
    """Bring the flag rollups up to the data as committed now, in one transaction: only the months and tasks whose
    fingerprint changed (or all, ``whole``) are recomputed. False (nothing written) when the points rollup is not
    current for this data version or the database refuses."""
    try:
        cur.execute("begin")
    except Exception:
        return False
    try:
        version = data_version(cur)
        if rollup.built_for(cur) != version:
            cur.execute("rollback")
            return False
        done = None
        if whole or built_for(cur) != version:
            sections_input, tasks_input = (int(v) for v in cur.execute(INPUTS_SQL).fetchall()[0])
            before = cur.execute("select sections_input, tasks_input from flag_rollup_state").fetchall()
            same_sections = bool(before) and int(before[0][0]) == sections_input and not whole
            same_tasks = bool(before) and int(before[0][1]) == tasks_input and not whole
            done = (
                [] if same_sections else _refresh_sections(cur, whole),
                [] if same_tasks else _refresh_tasks(cur, whole),
            )
            cur.execute("delete from flag_rollup_state")
            cur.execute(
                "insert into flag_rollup_state values ($version, $sections, $tasks, now()::timestamp)",
                {"version": version, "sections": sections_input, "tasks": tasks_input},
            )
        cur.execute("commit")
        if done is not None:
            global last_rebuild
            last_rebuild = done
        return True
    except Exception:
        try:
            cur.execute("rollback")
        except Exception:  # the failure already ended the transaction
            pass
        return False


SectionPrint = tuple[int, int, int]  # points_print, present_hash, stars_hash


def section_prints(cur: Con) -> dict[date, SectionPrint]:
    """The current fingerprint of every month the points rollup holds (the months with score events); the points
    rollup must be current."""
    months = [Month(m.year, m.month) for m in rollup.stored_fingerprints(cur)]
    if not months:
        return {}
    books = points.month_books(cur, sorted(months))
    sql = points.with_sql(points.BOOKS_SQL, rollup.ROLLUP_SQL, points.PERSON_MONTH_SQL) + SECTION_PRINTS_SQL
    rows = cur.execute(sql, books.sql_params()).fetchall()
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


def stored_section_prints(cur: Con) -> dict[date, SectionPrint]:
    rows = cur.execute(
        "select month_start, points_print, present_hash, stars_hash from flag_section_month_print"
    ).fetchall()
    return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}


def _refresh_sections(cur: Con, whole: bool) -> list[date]:
    """Inside the caller's transaction: recompute the section months whose fingerprint changed, drop the months
    without score events any more; returns the months recomputed."""
    current = section_prints(cur)
    stored = {} if whole else stored_section_prints(cur)
    kept = [m for m, p in stored.items() if current.get(m) == p]
    changed = sorted(m for m in current if stored.get(m) != current[m])
    if whole or len(kept) < len(stored):
        for table in ("flag_section_month", "flag_section_content", "flag_section_month_print"):
            cur.execute(f"delete from {table} where month_start not in (select unnest($kept::date[]))", {"kept": kept})
    if changed:
        books = points.month_books(cur, [Month(m.year, m.month) for m in changed])
        blocks = points.with_sql(points.BOOKS_SQL, rollup.ROLLUP_SQL, points.PERSON_MONTH_SQL, AWARDS_SQL)
        cur.execute(
            f"insert into flag_section_month ({SECTION_MONTH_COLUMNS}) select {SECTION_MONTH_COLUMNS} from "
            f"({blocks} {SECTION_MONTH_SQL} select * from section_month) order by month_start, section_id",
            books.sql_params(),
        )
        cur.execute(
            f"insert into flag_section_content ({SECTION_CONTENT_COLUMNS}) select {SECTION_CONTENT_COLUMNS} from "
            f"({blocks} {SECTION_CONTENT_SQL} select * from section_content) order by month_start, section_id, content",
            books.sql_params(),
        )
        prints = [current[m] for m in changed]
        cur.execute(
            """
            insert into flag_section_month_print
            select unnest($months::date[]), unnest($points::hugeint[]), unnest($present::hugeint[]),
                   unnest($stars::hugeint[])
            """,
            {
                "months": changed,
                "points": [p[0] for p in prints],
                "present": [p[1] for p in prints],
                "stars": [p[2] for p in prints],
            },
        )
    return changed


def stored_months(cur: Con, months: list[date]) -> set[date]:
    """Those of the months whose section rows are stored (the months with score events; the rollups must be
    ready)."""
    rows = cur.execute(
        "select month_start from flag_section_month_print where month_start in (select unnest($months::date[]))",
        {"months": months},
    ).fetchall()
    return {row[0] for row in rows}


def stored_task_prints(cur: Con) -> dict[str, tuple[int, int]]:
    rows = cur.execute("select task_code, snapshots, snapshots_hash from flag_task_print").fetchall()
    return {row[0]: (int(row[1]), int(row[2])) for row in rows}


def _refresh_tasks(cur: Con, whole: bool) -> list[str]:
    """Inside the caller's transaction: recompute the spans of the tasks whose live snapshots changed, drop the
    tasks without live snapshots any more; returns the tasks recomputed. The comparison with the stored
    fingerprints runs in SQL: only the codes that differ come back."""
    if whole:
        cur.execute("delete from flag_task_span")
        cur.execute("delete from flag_task_print")
        changed = [row[0] for row in cur.execute(f"select task_code from ({TASK_PRINTS_SQL}) order by 1").fetchall()]
        if changed:
            cur.execute(f"insert into flag_task_span {TASK_SPANS_SQL}", {"all": True, "codes": []})
            cur.execute(f"insert into flag_task_print {TASK_PRINTS_SQL}")
        return changed
    differ = cur.execute(
        f"""
        with now as ({TASK_PRINTS_SQL})
        select coalesce(n.task_code, p.task_code) as task_code, n.task_code is not null as live
        from now n
        full join flag_task_print p using (task_code)
        where n.task_code is null or p.task_code is null
           or n.snapshots <> p.snapshots or n.snapshots_hash <> p.snapshots_hash
        order by 1
        """
    ).fetchall()
    if not differ:
        return []
    codes = [row[0] for row in differ]
    changed = [row[0] for row in differ if row[1]]
    for table in ("flag_task_span", "flag_task_print"):
        cur.execute(f"delete from {table} where task_code in (select unnest($codes::varchar[]))", {"codes": codes})
    if changed:
        # A task's rows are deleted and inserted together; a whole rebuild writes the table in due-date order.
        cur.execute(f"insert into flag_task_span {TASK_SPANS_SQL}", {"all": False, "codes": changed})
        cur.execute(
            f"insert into flag_task_print select * from ({TASK_PRINTS_SQL}) "
            "where task_code in (select unnest($codes::varchar[]))",
            {"codes": changed},
        )
    return changed


def section_task_rates(cur: Con, periods: list[tuple[date, date, date]], closed: list[str]) -> pd.DataFrame:
    """task_progress.section_task_rates_many read from the task spans (the flag rollups must be ready): one row per
    period x section with due, on_time and rate."""
    frame = fetch_df(
        cur,
        TASK_RATES_SQL,
        {
            "starts": [p[0] for p in periods],
            "ends": [p[1] for p in periods],
            "as_ofs": [p[2] for p in periods],
            "closed": closed,
            "low": min(p[0] for p in periods),
            "high": max(p[1] for p in periods),
        },
    )
    frame = frame.astype({"period": "int64", "section_id": "int64", "due": "int64", "on_time": "int64"})
    frame["rate"] = (frame["on_time"] / frame["due"].where(frame["due"] > 0)).astype(float)
    return frame
