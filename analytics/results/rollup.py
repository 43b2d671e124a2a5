"""The points rollup: the grain of counted points (month x person x section x content, monthly caps applied; see
points.GRAIN_SQL) kept in a table for the data version it was built from, so year and quarter results sum a few
hundred thousand rows at most instead of re-running the cap's running total over millions of score events.

Derived lazily, with no hook in the importer: the first reader after a change (an import, an undo or a rule edit:
each bumps data_version) rebuilds it whole with one ``insert … select`` made of the very blocks the direct query
uses, so the cap rule is stated once. A reader that cannot build it (a read-only or busy database, another thread
already building, a what-if inside an open transaction) computes from the events directly: an answer never waits on
the rollup and never differs from it (tests/results/test_rollup.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from analytics.periods import Month
from analytics.results import points
from analytics.store.db import WRITE_LOCK, Con, data_version

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

# One rebuild at a time in this process; a second reader meanwhile computes directly rather than waiting.
_BUILDING = threading.Lock()
_force_direct = False


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
    database with migration 006."""
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


def rebuild(cur: Con) -> bool:
    """Rebuild the rollup for the data as committed now, in one transaction; False (and nothing written) when the
    database refuses (read-only, a conflicting write)."""
    try:
        cur.execute("begin")
    except Exception:
        return False
    try:
        version = data_version(cur)
        if built_for(cur) != version:
            cur.execute("delete from points_rollup")
            cur.execute("delete from points_rollup_veto")
            cur.execute("delete from points_rollup_state")
            months = _months(cur)
            if months:
                books = points.month_books(cur, months)
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
                "insert into points_rollup_state values ($version, $months, now()::timestamp)",
                {"version": version, "months": len(months)},
            )
        cur.execute("commit")
        return True
    except Exception:
        try:
            cur.execute("rollback")
        except Exception:  # the failure already ended the transaction
            pass
        return False
