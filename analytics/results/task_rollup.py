"""The task rollup: each task's live snapshots folded into spans (the days a snapshot is the task's state), the first
day of each stage, and the burn-up's daily changes, kept for the data version they were built from (migration 010).

The state of every task on a day is then a range predicate over the spans (``updated_on <= day < next_on``) instead
of an arg_max over every snapshot up to the day, and a year's burn-up sums a few thousand daily changes instead of
grouping every snapshot per task and week. Derived the way analytics/results/rollup.py derives the points rollup:
by the first to ask after data_version changes (in the app, the writer right after its commit), with a per-month fingerprint of the live snapshots so that
only the tasks reported in a changed month are recomputed (an import of one week's progress recomputes the tasks it
reports). A reader that cannot bring it up to date (read-only, a write or another rebuild under way, inside a
transaction, ``rollup.direct()``) computes from the snapshots; both give the same answers
(tests/results/test_task_rollup.py)."""

from __future__ import annotations

import threading

from analytics.results import rollup
from analytics.store.db import WRITE_LOCK, Con, data_version

_BUILDING = threading.Lock()
# The tasks the last committed rebuild in this process recomputed (read by the tests and the benchmark).
last_rebuild: list[str] = []

SPAN_COLUMNS = (
    "fact_id, batch_id, source_file, sheet, row_no, task_code, task_name, ledger, section_id, owner_name, "
    "owner_person_id, start_date, due_date, progress, stage, latest_note, updated_on, next_on, any_start, first_on"
)

# Per month of updated_on: the live snapshots' count and an order-independent hash over every column a span copies.
SNAPSHOT_PRINTS_SQL = """
    select cast(date_trunc('month', updated_on) as date) as month_start, count(*) as snapshots,
           sum(hash(fact_id, batch_id, source_file, sheet, row_no, task_code, task_name, ledger, section_id,
                    owner_name, owner_person_id, start_date, due_date, progress, stage, latest_note,
                    updated_on)::hugeint) as snapshots_hash
    from task_snapshot
    where superseded_by is null
    group by all
"""

# The spans of the tasks in $codes (all when $all): one row per task x reported day, the day's last snapshot by
# fact_id, as the state from that day until the task's next reported day. In (updated_on, fact_id) order per task, a
# snapshot is its day's last when the next one is on a later day, which is then the span's next_on; any_start is the
# latest start date written up to and including it (same-day ones before it too), as task_lights' any_start is on any
# day the span covers. One window over the narrow columns; the winners' other columns are joined by fact_id.
SPANS_SQL = """
    with ordered as (
        select fact_id, updated_on,
               lead(updated_on) over w as next_row_on,
               last_value(start_date ignore nulls) over (w rows between unbounded preceding and current row)
                   as any_start,
               first_value(updated_on) over w as first_on
        from task_snapshot
        where superseded_by is null and ($all or task_code in (select unnest($codes::varchar[])))
        window w as (partition by task_code order by updated_on, fact_id)
    ),
    winners as (
        select fact_id, coalesce(next_row_on, date '9999-12-31') as next_on, any_start, first_on
        from ordered
        where next_row_on is null or next_row_on > updated_on
    )
    select t.* exclude (superseded_by), w.next_on, w.any_start, w.first_on
    from winners w
    join task_snapshot t using (fact_id)
"""

STAGE_FIRST_SQL = """
    select task_code, stage, min(updated_on) as first_on
    from task_snapshot
    where superseded_by is null and ($all or task_code in (select unnest($codes::varchar[])))
    group by task_code, stage
"""

# The burn-up changes of the spans of the tasks in $codes, signed by $sign (-1 to take a task's old spans out).
BURN_SQL = """
    select day, ledger, stage, sum(tasks) * $sign as tasks, sum(progress) * $sign as progress
    from (
        select updated_on as day, ledger, stage, 1 as tasks, progress::decimal(38, 12) as progress
        from task_span
        where $all or task_code in (select unnest($codes::varchar[]))
        union all
        select next_on, ledger, stage, -1, -progress::decimal(38, 12)
        from task_span
        where next_on < date '9999-12-31' and ($all or task_code in (select unnest($codes::varchar[])))
    )
    group by all
"""


def built_for(cur: Con) -> int | None:
    rows = cur.execute("select max(data_version) from task_rollup_state").fetchall()
    return None if not rows or rows[0][0] is None else int(rows[0][0])


def ready(cur: Con) -> bool:
    """Whether the task rollup is current for the data ``cur`` sees, bringing it up to date first when it is stale
    and this thread can (the conditions of rollup.ready; ``rollup.direct()`` turns this one off too)."""
    if rollup._force_direct:
        return False
    try:
        if rollup._in_transaction(cur):
            return False
        if built_for(cur) == data_version(cur):
            return True
    except Exception:  # not migrated to 010, or unreadable: compute from the snapshots
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
    """Bring the tables up to the snapshots as committed now, in one transaction: the tasks reported (before or now)
    in a month whose fingerprint changed are recomputed, or all with ``whole``. False, with nothing written, when
    the database refuses."""
    try:
        cur.execute("begin")
    except Exception:
        return False
    try:
        version = data_version(cur)
        codes: list[str] | None = None
        if whole or built_for(cur) != version:
            codes = _refresh(cur, whole)
            cur.execute("delete from task_rollup_state")
            cur.execute("insert into task_rollup_state values ($version, now()::timestamp)", {"version": version})
        cur.execute("commit")
        if codes is not None:
            global last_rebuild
            last_rebuild = codes
        return True
    except Exception:
        try:
            cur.execute("rollback")
        except Exception:  # the failure already ended the transaction
            pass
        return False


def _refresh(cur: Con, whole: bool) -> list[str]:
    """Inside the caller's transaction: recompute the spans, stage days and burn-up changes of the tasks reported in
    a changed month, now or in the stored spans (so deleted and superseded snapshots are taken out); returns them,
    sorted (every task when the tables held no fingerprints)."""
    current = {row[0]: (int(row[1]), int(row[2])) for row in cur.execute(SNAPSHOT_PRINTS_SQL).fetchall()}
    stored = {
        row[0]: (int(row[1]), int(row[2]))
        for row in cur.execute("select month_start, snapshots, snapshots_hash from task_rollup_month").fetchall()
    }
    whole = whole or not stored
    changed = sorted(m for m in set(current) | set(stored) if current.get(m) != stored.get(m))
    if whole:
        for table in ("task_span", "task_stage_first", "task_burn_day"):
            cur.execute(f"delete from {table}")
        codes: list[str] = [r[0] for r in cur.execute("select distinct task_code from task_snapshot").fetchall()]
    else:
        if not changed:
            return []
        months = {"months": changed}
        codes = [
            r[0]
            for r in cur.execute(
                """
                select task_code from task_snapshot
                where superseded_by is null
                  and cast(date_trunc('month', updated_on) as date) in (select unnest($months::date[]))
                union
                select task_code from task_span
                where cast(date_trunc('month', updated_on) as date) in (select unnest($months::date[]))
                """,
                months,
            ).fetchall()
        ]
    scope = {"all": whole, "codes": [] if whole else codes}
    if not whole and codes:
        cur.execute(f"insert into task_burn_day {BURN_SQL}", scope | {"sign": -1})
        for table in ("task_span", "task_stage_first"):
            cur.execute(f"delete from {table} where task_code in (select unnest($codes::varchar[]))", {"codes": codes})
    if codes:
        cur.execute(
            f"insert into task_span ({SPAN_COLUMNS}) select {SPAN_COLUMNS} from ({SPANS_SQL}) order by next_on, updated_on",
            scope,
        )
        cur.execute(f"insert into task_stage_first {STAGE_FIRST_SQL}", scope)
        cur.execute(f"insert into task_burn_day {BURN_SQL}", scope | {"sign": 1})
        # Fold the old and new changes of a day into one row; drop the rows that cancelled out.
        cur.execute(
            """
            create or replace temporary table task_burn_fold as
            select day, ledger, stage, sum(tasks) as tasks, sum(progress) as progress
            from task_burn_day group by all having sum(tasks) <> 0 or sum(progress) <> 0
            """
        )
        cur.execute("delete from task_burn_day")
        cur.execute("insert into task_burn_day select * from task_burn_fold order by day, ledger, stage")
        cur.execute("drop table task_burn_fold")
    cur.execute("delete from task_rollup_month")
    if current:
        months_now = sorted(current)
        cur.execute(
            "insert into task_rollup_month select unnest($months::date[]), unnest($n::bigint[]), unnest($h::hugeint[])",
            {
                "months": months_now,
                "n": [current[m][0] for m in months_now],
                "h": [current[m][1] for m in months_now],
            },
        )
    return sorted(codes)
