"""The points rollup: the grain of counted points (month x person x section x content, monthly caps applied; see
points.GRAIN_SQL) kept in a table for the data version it was built from, so year and quarter results sum a few
hundred thousand rows at most instead of re-running the cap's running total over millions of score events.

Derived from the data, not written by the importer: whoever first asks after a change (an import, an undo or a rule
edit: each bumps data_version) brings it up to date with ``insert … select`` made of the very blocks the direct
query uses, so the cap rule is stated once. In the app that is the writer itself, right after its commit
(keep_current); elsewhere (a command's import, an old file) the first reader. A month's rows depend only on its own
score events and on the items (cap, veto, content) of the rule version in force on its last day, so each month's
fingerprint of those inputs is kept (points_rollup_month) and only the months whose events or items changed are
recomputed: importing one month's sheet costs one month, and a new rule version that keeps the items costs none. A
reader that cannot build it (a read-only or busy database, another thread already building, a what-if inside an open
transaction) computes from the events directly: an answer never waits on the rollup and never differs from it
(tests/results/test_rollup.py).

Two more layers are kept with it, in the same transaction (migration 008, tests/results/test_rollup_people.py): each
event's counted points (points_rollup_event: the posting and the source rows join them instead of re-running the
running total), and the person x month layer (points_person_month with the month's rank and the year-to-date net and
rank, points_award with the month's stars), so a year's star board, trend and standings read tens of thousands of
rows. The layer's months also depend on the roster and the rule version's star parameters and contents, hashed into
its own fingerprint (points_person_print); its running totals depend on the year's earlier months, so a changed
month recomputes the later months of its year; a roster change recomputes every month, from the rollup."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from types import ModuleType

from analytics.periods import Month
from analytics.results import points
from analytics.store.db import WRITE_LOCK, Con, after_commit, data_version

# `grain` and `veto_event` of the months in `books`, read from the rollup.
ROLLUP_SQL = """
    grain as (
        select month_start, person_id, section_id, content, raw, counted, events, veto, last_date, last_fact
        from points_rollup
        where month_start between $span_start::date and $span_end::date
          and month_start in (select month_start from books)
    ),
    veto_event as (
        select month_start, person_id, section_id, event_date, fact_id, veto_reason
        from points_rollup_veto
        where month_start in (select month_start from books)
    )"""

GRAIN_COLUMNS = "month_start, person_id, section_id, content, raw, counted, events, veto, last_date, last_fact"
VETO_COLUMNS = "month_start, person_id, section_id, event_date, fact_id, veto_reason"

# The score events of the span joined with their counted points kept in the rollup (migration 008), the month's rule
# version and its item: the FROM of the two event blocks below.
_ROLLUP_EVENTS_FROM = """
        from score_event e
        join points_rollup_event r on r.fact_id = e.fact_id
        -- The event's month as the rollup stored it (the same date_trunc, taken when the month was built): a plain
        -- column, whose statistics give DuckDB the month's real size. Joined on date_trunc(event_date), it was
        -- estimated at a handful of rows and every later join built its hash table on the wrong side.
        join books b on b.month_start = r.month_start
        left join rule_item i on i.version_id = b.version_id and i.code = e.item_code
        where e.event_date between $span_start::date and $span_end::date
          and r.month_start between $span_start::date and $span_end::date"""

# The score events of ``books``' months as points.EVENTS_SQL's counted_event gives them, their counted points read
# from the rollup rather than from a running total over every event of the span.
EVENT_SQL = f"""
    counted_event as (
        select e.fact_id, e.event_date, b.month_start, e.person_id, e.section_id, e.content, e.item_code, e.points,
               i.monthly_cap,
               coalesce(e.veto_flag, i.veto, false) as is_veto,
               case when coalesce(e.veto_flag, i.veto, false) then e.reason end as veto_reason,
               r.counted{_ROLLUP_EVENTS_FROM}
    )"""

# points.POSTED_SQL from the rollup: each event of the span with its counted points and the columns the posting shows,
# in one scan of score_event (counted_event and a second join to score_event for the text took two).
POSTED_SQL = f"""
    posted_event as (
        select e.fact_id, e.event_date, r.month_start, e.person_id, e.section_id, e.content, e.item_code, e.points,
               coalesce(e.veto_flag, i.veto, false) as is_veto, r.counted, i.name as item_name,
               e.reason, e.evidence, e.recorder, e.batch_id, e.source_file, e.sheet, e.row_no{_ROLLUP_EVENTS_FROM}
    )"""

# The person x month layer (migration 008), read in place of points.PERSON_MONTH_SQL's blocks: the rows of
# person_month, and the people present (who the layer lists as present). The layer holds every month with events; a
# month of ``books`` without any gets its people present with nothing scored, as PERSON_MONTH_SQL gives them.
PEOPLE_SQL = """
    person_month as (
        select month_start, person_id, section_id, home_section_id, present, net, raw, capped, events, veto,
               veto_reasons
        from points_person_month
        where month_start between $span_start::date and $span_end::date
          and month_start in (select month_start from books)
        union all
        select b.month_start, m.person_id, arg_max(m.section_id, m.valid_from), arg_max(m.section_id, m.valid_from),
               true, 0.0, 0.0, 0.0, 0::bigint, false, null::varchar
        from books b
        join membership m on m.valid_from <= b.month_end and (m.valid_to is null or m.valid_to >= b.month_start)
        join person p on p.person_id = m.person_id
        where (p.left_on is null or p.left_on >= b.month_start)
          and b.month_start not in (select month_start from points_person_print)
        group by b.month_start, m.person_id
    ),
    present as (
        select month_start, person_id, home_section_id from person_month where present
    )"""

# The awards of the months of ``books``, read from the layer in place of stars.AWARDS_SQL's ranking windows.
AWARD_SQL = """
    award as (
        select month_start, person_id, section_id, award, award_kind, content, net_points, points, rank, content_order
        from points_award
        where month_start between $span_start::date and $span_end::date
          and month_start in (select month_start from books)
    )"""

PERSON_COLUMNS = (
    "month_start, person_id, section_id, home_section_id, present, net, raw, capped, events, veto, veto_reasons, "
    "month_rank, ytd_net, ytd_rank"
)

# The layer's ranks and year-to-date columns, over person_month of a span of whole years' first months.
SERIES_SQL = """
    , series as (
        select *, rank() over (partition by month_start order by net desc) as month_rank,
               round(sum(net) over (partition by person_id, year(month_start) order by month_start), 4) as ytd_net
        from person_month
    )
    select *, rank() over (partition by month_start order by ytd_net desc) as ytd_rank
    from series
"""
AWARD_COLUMNS = (
    "month_start, person_id, section_id, award, award_kind, content, net_points, points, rank, content_order"
)

# One rebuild at a time in this process; a second reader meanwhile computes directly rather than waiting.
_BUILDING = threading.Lock()
_force_direct = False
# The months the last committed rebuild in this process recomputed and dropped (read by the tests and the benchmark).
last_rebuild: tuple[list[date], list[date]] = ([], [])
# The months the last committed rebuild recomputed in the person x month layer.
last_people_rebuild: list[date] = []


@contextmanager
def direct() -> Iterator[None]:
    """Compute from the events while inside (for the tests' and the benchmark's side-by-side comparison)."""
    global _force_direct
    before = _force_direct
    _force_direct = True
    try:
        yield
    finally:
        _force_direct = before


def counted_sql(cur: Con) -> str:
    """The blocks (after BOOKS_SQL) that give ``grain`` and ``veto_event`` for the months of ``books``: the rollup
    when it is current for the data ``cur`` sees, else the direct computation from score_event."""
    if ready(cur):
        return ROLLUP_SQL
    return points.EVENTS_SQL + "," + points.GRAIN_SQL


def _layer_holds(cur: Con, books: points.MonthBooks) -> bool:
    """Whether the person x month layer holds every month of ``books`` (it holds the months with score events; a
    month without any is computed, which is cheap for it has no points)."""
    wanted = sorted({m.start for m in books.months})
    held = cur.execute(
        "select count(*) from points_person_print where month_start in (select unnest($months::date[]))",
        {"months": wanted},
    ).fetchall()[0][0]
    return bool(wanted) and int(held) == len(wanted)


def layer_ready(cur: Con, books: points.MonthBooks) -> bool:
    """Whether the person x month layer is current and holds every month of ``books`` (a query may then read its
    ranks and year-to-date columns)."""
    return ready(cur) and _layer_holds(cur, books)


def events_sql(cur: Con) -> str:
    """The blocks (after BOOKS_SQL) that give ``counted_event`` for the months of ``books``: each event of the span
    joined with its counted points kept in the rollup when it is current, else points.EVENTS_SQL."""
    if ready(cur):
        return EVENT_SQL
    return points.EVENTS_SQL


def posting_sql(cur: Con) -> str:
    """The blocks (after BOOKS_SQL) that give ``posted_event`` (points.POSTED_SQL) and ``grain`` for the months of
    ``books``: read from the rollup when it is current, else computed from the events."""
    if ready(cur):
        return ROLLUP_SQL + "," + POSTED_SQL
    return points.EVENTS_SQL + "," + points.GRAIN_SQL + "," + points.POSTED_SQL


def people_sql(cur: Con, books: points.MonthBooks) -> str:
    """The blocks (after BOOKS_SQL) that give ``grain``, ``veto_event``, ``person_month`` and ``present`` for the
    months of ``books``: the person x month layer when the rollup is current, else the shared blocks over the events
    (points.PERSON_MONTH_SQL)."""
    if ready(cur):
        return ROLLUP_SQL + "," + PEOPLE_SQL
    return points.EVENTS_SQL + "," + points.GRAIN_SQL + "," + points.PERSON_MONTH_SQL


def awards_sql(cur: Con, books: points.MonthBooks) -> str:
    """people_sql's blocks and then ``star_eligible`` and ``award`` (stars.AWARDS_SQL): the awards read from the
    layer when it holds every month of ``books``, else ranked here."""
    from analytics.results import stars

    if ready(cur):
        if _layer_holds(cur, books):
            return ",".join((ROLLUP_SQL, PEOPLE_SQL, stars.STAR_ELIGIBLE_SQL, AWARD_SQL))
        return ",".join((ROLLUP_SQL, PEOPLE_SQL, stars.AWARDS_SQL))
    return ",".join((points.EVENTS_SQL, points.GRAIN_SQL, points.PERSON_MONTH_SQL, stars.AWARDS_SQL))


def built_for(cur: Con) -> int | None:
    """The data_version the rollup holds, None when it was never built."""
    rows = cur.execute("select max(data_version) from points_rollup_state").fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def _in_transaction(cur: Con) -> bool:
    """True inside an explicit transaction (an import being written, a what-if that is rolled back): there the data
    may differ from what data_version says, and no rollup may be written. Outside one, every statement runs in a
    transaction of its own, with a new id."""
    first = cur.execute("select txid_current()").fetchall()[0][0]
    second = cur.execute("select txid_current()").fetchall()[0][0]
    return bool(first == second)


def ready(cur: Con) -> bool:
    """Whether the rollup is current for the data ``cur`` sees, rebuilding it first when it is stale and this
    thread can: not forced direct, not inside a transaction, no other rebuild or write under way, a writable
    database with migrations 006, 007 and 008."""
    if _force_direct:
        return False
    try:
        if _in_transaction(cur):
            return False
        version = data_version(cur)
        if built_for(cur) == version:
            return True
    except Exception:  # a database without the tables (not migrated, read-only): compute directly
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


def every_rollup() -> dict[str, ModuleType]:
    """The rollups the pages read, by name, each a module with ready(cur) and built_for(cur): points (with its person x
    month layer), flags, participation and tasks."""
    from analytics.results import flag_rollup, participation_rollup, task_rollup

    return {
        "points": sys.modules[__name__],
        "flags": flag_rollup,
        "participation": participation_rollup,
        "tasks": task_rollup,
    }


def built_versions(cur: Con) -> dict[str, int | None]:
    """The data version each rollup was last built for (None: never)."""
    return {name: module.built_for(cur) for name, module in every_rollup().items()}


def bring_up_to_date(cur: Con) -> dict[str, float]:
    """Every rollup brought up to date for the data ``cur`` sees, as the first reader of each would; returns the
    seconds each took, or -1 for one that could not be built here (read-only, in a transaction, another build under
    way: readers then compute directly). For a database written without the pages being read: the scale generator,
    and the app's first open of a file."""
    took = {}
    for name, module in every_rollup().items():
        t0 = time.perf_counter()
        built = module.ready(cur)
        took[name] = round(time.perf_counter() - t0, 3) if built else -1.0
    return took


def keep_current(con: Con) -> None:
    """From now on, every write committed through ``con`` (an import, an undo, a rule edit, clearing the demo) brings
    every rollup up to date right after it, in the writer's request: the clerk who imported waits for the months it
    changed (a month's sheet: about 0.4 s at 2 million events), and the first leader to open a page afterwards reads
    current rollups instead of paying for them. The app's connection does this (ui/db.py)."""
    after_commit(con, lambda written: bring_up_to_date(written.cursor()))


def _months(cur: Con) -> list[Month]:
    """Every month from the first score event's to the last's."""
    first, last = cur.execute("select min(event_date), max(event_date) from score_event").fetchall()[0]
    if first is None:
        return []
    months, month, end = [], Month(first.year, first.month), Month(last.year, last.month)
    while month <= end:
        months.append(month)
        month = month.shift(1)
    return months


# Per month with events: how many, and an order-independent hash over every column of score_event that
# points.EVENTS_SQL and GRAIN_SQL read (a roster move re-sections events in place, an undo deletes them, an import
# adds them: each changes the month's count or hash). One grouped scan, no per-row Python.
EVENT_PRINTS_SQL = """
    select cast(date_trunc('month', event_date) as date) as month_start, count(*) as events,
           sum(hash(fact_id, event_date, person_id, section_id, content, item_code, points, veto_flag,
                    reason)::hugeint) as events_hash
    from score_event
    group by all
    order by month_start
"""

# Per rule version: a hash over the item columns EVENTS_SQL reads (the cap and the veto by code), and the item's
# content (not read today; an item moved to another content is rare enough to recompute its months for it).
ITEM_PRINTS_SQL = """
    select version_id, sum(hash(code, monthly_cap, veto, content)::hugeint) as items_hash
    from rule_item
    group by version_id
"""

Print = tuple[int, int, int, int]  # events, events_hash, version_id, items_hash


def fingerprints(cur: Con) -> dict[date, Print]:
    """The current fingerprint of every month with score events (what the month's rollup rows depend on)."""
    events = cur.execute(EVENT_PRINTS_SQL).fetchall()
    if not events:
        return {}
    months = [Month(row[0].year, row[0].month) for row in events]
    books = points.month_books(cur, months)
    items = {int(v): int(h) for v, h in cur.execute(ITEM_PRINTS_SQL).fetchall()}
    return {
        month_start: (int(count), int(digest), int(version), items.get(int(version), 0))
        for (month_start, count, digest), version in zip(events, books.versions)
    }


def stored_fingerprints(cur: Con) -> dict[date, Print]:
    """The fingerprints the stored rollup rows were built from, per month."""
    rows = cur.execute(
        "select month_start, events, events_hash, version_id, items_hash from points_rollup_month"
    ).fetchall()
    return {row[0]: (int(row[1]), int(row[2]), int(row[3]), int(row[4])) for row in rows}


def rebuild(cur: Con, whole: bool = False) -> bool:
    """Bring the rollup up to the data as committed now, in one transaction: only the months whose fingerprint
    changed (or all, ``whole``) are deleted and recomputed, months without events any more are dropped. False (and
    nothing written) when the database refuses (read-only, a conflicting write)."""
    try:
        cur.execute("begin")
    except Exception:
        return False
    try:
        version = data_version(cur)
        done: tuple[list[date], list[date]] | None = None
        people: list[date] = []
        if whole or built_for(cur) != version:
            current = fingerprints(cur)
            done = _refresh(cur, whole, current)
            people = _refresh_people(cur, whole, current)
            cur.execute("delete from points_rollup_state")
            cur.execute(
                "insert into points_rollup_state values ($version, $months, now()::timestamp)",
                {"version": version, "months": len(_months(cur))},
            )
        cur.execute("commit")
        if done is not None:
            global last_rebuild, last_people_rebuild
            last_rebuild = done
            last_people_rebuild = people
        return True
    except Exception:
        try:
            cur.execute("rollback")
        except Exception:  # the failure already ended the transaction
            pass
        return False


def _same_rows(stored: Print, now: Print) -> bool:
    """Whether a month's rows built for the ``stored`` fingerprint are the rows ``now`` gives: the same events and the
    same items (code, monthly cap, veto, content: all that EVENTS_SQL and GRAIN_SQL read of the rule book). A new
    rule version that changes only other things (the star parameters, a name) leaves them as they are."""
    return (stored[0], stored[1], stored[3]) == (now[0], now[1], now[3])


def _refresh(cur: Con, whole: bool, current: dict[date, Print]) -> tuple[list[date], list[date]]:
    """Inside the caller's transaction: recompute the months whose rows differ from the stored ones (_same_rows);
    return them and the stored months dropped (no events any more). Rows of any month not both stored and unchanged are
    deleted first, so the tables hold exactly the rows of the months with events, whatever state they were in (a
    rollup built before migration 007 has no fingerprints: it is rebuilt whole once)."""
    stored = {} if whole else stored_fingerprints(cur)
    kept = [m for m, p in stored.items() if m in current and _same_rows(p, current[m])]
    changed = sorted(m for m in current if m not in kept)
    for table in ("points_rollup", "points_rollup_veto", "points_rollup_event", "points_rollup_month"):
        cur.execute(f"delete from {table} where month_start not in (select unnest($kept::date[]))", {"kept": kept})
    # Kept months now under another rule version with the same items: their rows stand, their fingerprint moves on.
    relabel = [m for m in kept if stored[m][2] != current[m][2]]
    if relabel:
        cur.execute(
            """
            update points_rollup_month r set version_id = v.version_id
            from (select unnest($months::date[]) as month_start, unnest($versions::integer[]) as version_id) v
            where r.month_start = v.month_start
            """,
            {"months": relabel, "versions": [current[m][2] for m in relabel]},
        )
    if changed:
        books = points.month_books(cur, [Month(m.year, m.month) for m in changed])
        blocks = points.with_sql(points.BOOKS_SQL, points.EVENTS_SQL, points.GRAIN_SQL)
        cur.execute(
            f"insert into points_rollup ({GRAIN_COLUMNS}) select {GRAIN_COLUMNS} from ({blocks} "
            "select * from grain) order by month_start, person_id, section_id, content",
            books.sql_params(),
        )
        cur.execute(
            f"insert into points_rollup_veto ({VETO_COLUMNS}) select {VETO_COLUMNS} from ({blocks} "
            "select * from veto_event) order by month_start, person_id",
            books.sql_params(),
        )
        cur.execute(
            "insert into points_rollup_event (month_start, fact_id, counted) select month_start, fact_id, counted "
            f"from ({blocks} select * from counted_event) order by month_start, fact_id",
            books.sql_params(),
        )
        prints = [current[m] for m in changed]
        cur.execute(
            """
            insert into points_rollup_month
            select unnest($months::date[]), unnest($events::bigint[]), unnest($events_hash::hugeint[]),
                   unnest($versions::integer[]), unnest($items_hash::hugeint[])
            """,
            {
                "months": changed,
                "events": [p[0] for p in prints],
                "events_hash": [p[1] for p in prints],
                "versions": [p[2] for p in prints],
                "items_hash": [p[3] for p in prints],
            },
        )
    return changed, sorted(m for m in stored if m not in current)


# The person x month layer ---------------------------------------------------------------------------------------
# Besides a month's points (its fingerprint above), its person_month rows depend on the roster (memberships and
# leaving dates: who is present, their section at the month's end) and its awards on the rule version's star
# parameters and contents (names, star names, order). The roster is one hash for all months: a roster change is rare
# and recomputing every month of the layer reads the rollup, not the events.
BOOK_PRINTS_SQL = """
    select version_id, sum(part) as book_hash from (
        select version_id, hash('param', key, value)::hugeint as part from rule_param
        union all
        select version_id, hash('content', code, name, star_name, sort_order)::hugeint from rule_content
    )
    group by version_id
"""
ROSTER_PRINT_SQL = """
    select coalesce((select sum(hash(person_id, section_id, valid_from, valid_to)::hugeint) from membership), 0)
         + coalesce((select sum(hash(person_id, left_on)::hugeint) from person), 0)
"""

PeoplePrint = tuple[int, int, int, int, int, int]  # the month's Print, book_hash, roster_hash


def people_fingerprints(cur: Con, current: dict[date, Print]) -> dict[date, PeoplePrint]:
    """The layer's fingerprint of every month with score events, from the rollup's (``current``)."""
    if not current:
        return {}
    books = {int(v): int(h) for v, h in cur.execute(BOOK_PRINTS_SQL).fetchall()}
    roster = int(cur.execute(ROSTER_PRINT_SQL).fetchall()[0][0])
    return {month: (*p, books.get(p[2], 0), roster) for month, p in current.items()}


def _refresh_people(cur: Con, whole: bool, current: dict[date, Print]) -> list[date]:
    """Inside the caller's transaction, after _refresh: recompute the layer's months whose fingerprint changed, from
    the rollup as just refreshed, with the very blocks a direct query uses (PERSON_MONTH_SQL, AWARDS_SQL); drop the
    months without events. Returns the months recomputed."""
    from analytics.results import stars

    prints = people_fingerprints(cur, current)
    stored: dict[date, PeoplePrint] = {}
    if not whole:
        rows = cur.execute(
            "select month_start, events, events_hash, version_id, items_hash, book_hash, roster_hash "
            "from points_person_print"
        ).fetchall()
        stored = {row[0]: tuple(int(x) for x in row[1:]) for row in rows}  # type: ignore[misc]
    moved = [m for m in prints if stored.get(m) != prints[m]] + [m for m in stored if m not in prints]
    # A month's year-to-date columns depend on its year's earlier months: a change moves the later months as well.
    changed = sorted(m for m in prints if any(c.year == m.year and c <= m for c in moved))
    kept = [m for m in stored if m in prints and m not in changed]
    for table in ("points_person_month", "points_award", "points_person_print"):
        cur.execute(f"delete from {table} where month_start not in (select unnest($kept::date[]))", {"kept": kept})
    if not changed:
        return changed
    # The changed months with the months before them in their years (held, so unchanged), for the running totals.
    span = sorted(m for m in prints if any(c.year == m.year and m <= c for c in changed))
    books = points.month_books(cur, [Month(m.year, m.month) for m in span])
    blocks = points.with_sql(points.BOOKS_SQL, ROLLUP_SQL, points.PERSON_MONTH_SQL)
    cur.execute(
        f"insert into points_person_month ({PERSON_COLUMNS}) select {PERSON_COLUMNS} from ({blocks} {SERIES_SQL}) "
        "where month_start in (select unnest($changed::date[])) order by month_start, person_id",
        books.sql_params(changed=changed),
    )
    books = points.month_books(cur, [Month(m.year, m.month) for m in changed])
    blocks = points.with_sql(points.BOOKS_SQL, ROLLUP_SQL, points.PERSON_MONTH_SQL, stars.AWARDS_SQL)
    cur.execute(
        f"insert into points_award ({AWARD_COLUMNS}) select {AWARD_COLUMNS} from ({blocks} "
        "select * from award) order by month_start, person_id",
        books.sql_params(),
    )
    made = [prints[m] for m in changed]
    cur.execute(
        """
        insert into points_person_print
        select unnest($months::date[]), unnest($events::bigint[]), unnest($events_hash::hugeint[]),
               unnest($versions::integer[]), unnest($items_hash::hugeint[]), unnest($book_hash::hugeint[]),
               unnest($roster_hash::hugeint[])
        """,
        {
            "months": changed,
            **{
                key: [p[n] for p in made]
                for n, key in enumerate(("events", "events_hash", "versions", "items_hash", "book_hash", "roster_hash"))
            },
        },
    )
    return changed
