"""The flag rollups: what the quarterly flag (季度夺旗) sums, kept in tables for the data version they were built from,
so a quarter reads a few hundred section x month rows rather than ranking the quarter's stars over the points rollup
(migration 009). The task part of the flag reads the task rollup's spans (task_rollup.py, task_progress.py).

- flag_section_month: one row per month x section (headcount in person-months, counted net points, events, veto,
  stars won in it), made by SECTION_MONTH_SQL from the very blocks the direct query uses (points, stars), read from
  the points rollup. Each month's fingerprint (its points rollup fingerprint, who is present in which section, the
  star parameters) is kept, and only months whose fingerprint changed are recomputed. Months without score events
  are not stored: a quarter reading one computes it live, which is cheap (no events to rank).

Like the points rollup (rollup.py) it is derived by the first to ask after data_version moves (in the app, the writer
right after its commit: rollup.keep_current), never waits
and never differs: a reader that cannot build it (forced direct, inside a transaction, read-only, another rebuild)
computes directly (tests/results/test_flag_rollup.py compares both)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from analytics.periods import Month
from analytics.results import points, rollup
from analytics.results.stars import AWARDS_SQL
from analytics.store.db import WRITE_LOCK, Con, data_version

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

# A hash of everything the section rows are computed from (every month's points rollup fingerprint, the memberships,
# who left when, the rule versions and their parameters): table-wide sums, far cheaper than the per-month
# fingerprints they spare when an import did not touch them.
INPUTS_SQL = """
    select hash(
               (select coalesce(sum(hash(month_start, events, events_hash, version_id, items_hash)::hugeint), 0)
                from points_rollup_month),
               (select coalesce(sum(hash(person_id, section_id, valid_from, valid_to)::hugeint), 0) from membership),
               (select coalesce(sum(hash(person_id, left_on)::hugeint), 0) from person),
               (select coalesce(sum(hash(version_id, effective_from)::hugeint), 0) from rule_version),
               (select coalesce(sum(hash(version_id, key, value, text_value)::hugeint), 0) from rule_param)
           )::hugeint as sections_input
"""

# One rebuild at a time in this process; a second reader meanwhile computes directly rather than waiting.
_BUILDING = threading.Lock()
_off = False
# The months the last committed rebuild in this process recomputed (read by the tests).
last_rebuild: list[date] = []


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
    """Bring the flag rollups up to the data as committed now, in one transaction: only the months whose
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
            sections_input = int(cur.execute(INPUTS_SQL).fetchall()[0][0])
            before = cur.execute("select sections_input from flag_rollup_state").fetchall()
            same_sections = bool(before) and int(before[0][0]) == sections_input and not whole
            done = [] if same_sections else _refresh_sections(cur, whole)
            cur.execute("delete from flag_rollup_state")
            cur.execute(
                "insert into flag_rollup_state values ($version, $sections, now()::timestamp)",
                {"version": version, "sections": sections_input},
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
