"""The participation rollup: participation rows and distinct people per month x activity (migration 010), kept for
the data version it was built from, so a year's monthly participation reads a few hundred rows instead of grouping
every participation of the year by month, activity and person.

Derived as analytics/results/rollup.py derives the points rollup: by the first reader after data_version changes,
recomputing only the months whose participation rows changed (a per-month count and order-independent hash); a
reader that cannot (read-only, a write or another rebuild under way, inside a transaction, ``rollup.direct()``)
counts the participation rows directly, with the same answer (tests/results/test_participation_equivalence.py)."""

from __future__ import annotations

import threading

from analytics.results import rollup
from analytics.store.db import WRITE_LOCK, Con, data_version

_BUILDING = threading.Lock()
# The months the last committed rebuild in this process recomputed (read by the tests).
last_rebuild: list = []

PRINTS_SQL = """
    select cast(date_trunc('month', event_date) as date) as month_start, count(*) as participations,
           sum(hash(fact_id, person_id, activity, event_date)::hugeint) as participations_hash
    from participation
    group by all
"""

# One row per month x activity of the months in $months: rows and distinct people.
MONTH_SQL = """
    select cast(date_trunc('month', event_date) as date) as month_start, activity,
           count(*) as rows, count(distinct person_id) as people
    from participation
    where cast(date_trunc('month', event_date) as date) in (select unnest($months::date[]))
    group by all
    order by all
"""


def built_for(cur: Con) -> int | None:
    rows = cur.execute("select max(data_version) from participation_rollup_state").fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def ready(cur: Con) -> bool:
    """Whether participation_month is current for the data ``cur`` sees, brought up to date first when this thread
    can (the conditions of rollup.ready)."""
    if rollup._force_direct:
        return False
    try:
        if rollup._in_transaction(cur):
            return False
        if built_for(cur) == data_version(cur):
            return True
    except Exception:  # not migrated to 010, or unreadable: count directly
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
    """Recompute the months whose participation changed (all with ``whole``) in one transaction; False, with
    nothing written, when the database refuses."""
    try:
        cur.execute("begin")
    except Exception:
        return False
    try:
        version = data_version(cur)
        months: list | None = None
        if whole or built_for(cur) != version:
            months = _refresh(cur, whole)
            cur.execute("delete from participation_rollup_state")
            cur.execute(
                "insert into participation_rollup_state values ($version, now()::timestamp)", {"version": version}
            )
        cur.execute("commit")
        if months is not None:
            global last_rebuild
            last_rebuild = months
        return True
    except Exception:
        try:
            cur.execute("rollback")
        except Exception:  # the failure already ended the transaction
            pass
        return False


def _refresh(cur: Con, whole: bool) -> list:
    """Inside the caller's transaction: the months whose fingerprint changed (or that have no participation any
    more) are deleted and recomputed; returns them, sorted."""
    current = {row[0]: (int(row[1]), int(row[2])) for row in cur.execute(PRINTS_SQL).fetchall()}
    stored = (
        {}
        if whole
        else {
            row[0]: (int(row[1]), int(row[2]))
            for row in cur.execute(
                "select month_start, participations, participations_hash from participation_month_print"
            ).fetchall()
        }
    )
    changed = sorted(m for m in set(current) | set(stored) if current.get(m) != stored.get(m))
    if whole:
        cur.execute("delete from participation_month")
        cur.execute("delete from participation_month_print")
    elif changed:
        for table in ("participation_month", "participation_month_print"):
            cur.execute(
                f"delete from {table} where month_start in (select unnest($months::date[]))", {"months": changed}
            )
    fresh = [m for m in changed if m in current]
    if fresh:
        cur.execute(f"insert into participation_month {MONTH_SQL}", {"months": fresh})
        cur.execute(
            "insert into participation_month_print "
            "select unnest($months::date[]), unnest($n::bigint[]), unnest($h::hugeint[])",
            {"months": fresh, "n": [current[m][0] for m in fresh], "h": [current[m][1] for m in fresh]},
        )
    return changed
