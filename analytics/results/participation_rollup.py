"""The participation rollup, kept for the data version it was built from: participation rows and distinct people per
month x activity (migration 010), so a year's monthly participation reads a few hundred rows instead of grouping every
participation of the year by month, activity and person; and the 五个一 periods each person took part in, with the
first day they did (participation_period, migration 012), so the 五个一 matrix reads one row per person x period
instead of mapping every participation row to its period and removing the duplicates.

Derived as analytics/results/rollup.py derives the points rollup: by the first to ask after data_version changes (in
the app, the writer right after its commit),
recomputing only the months whose participation rows changed (a per-month count and order-independent hash), and the
periods that overlap them; a reader that cannot (read-only, a write or another rebuild under way, inside a
transaction, ``rollup.direct()``) counts the participation rows directly, with the same answer
(tests/results/test_participation_equivalence.py)."""

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


def period_start(frequency: str, day: str) -> str:
    """SQL: the first day of the period of ``frequency`` (a SQL expression naming weekly, half_monthly, monthly,
    quarterly or yearly) that holds ``day`` (a SQL date): weeks run Monday to Sunday, half-months 1–15 and 16–end."""
    return f"""(case {frequency}
            when 'weekly' then date_trunc('week', {day})
            when 'half_monthly' then
                date_trunc('month', {day})
                + case when day({day}) > 15 then interval 15 day else interval 0 day end
            when 'monthly' then date_trunc('month', {day})
            when 'quarterly' then date_trunc('quarter', {day})
            else date_trunc('year', {day})
        end)::date"""


def period_end(frequency: str, day: str) -> str:
    """SQL: the last day of the period of ``frequency`` that holds ``day``."""
    first = period_start(frequency, day)
    return f"""(case {frequency}
            when 'weekly' then {first} + interval 6 day
            when 'half_monthly' then
                case when day({day}) > 15 then last_day({day}) else date_trunc('month', {day}) + interval 14 day end
            when 'monthly' then last_day({day})
            when 'quarterly' then {first} + interval 3 month - interval 1 day
            else {first} + interval 1 year - interval 1 day
        end)::date"""


# The activity x frequency pairs of 五个一 activities in any rule book version.
PAIRS_SQL = """
    select distinct name as activity, frequency
    from rule_activity
    where five_one and frequency is not null
    order by all
"""

# The pairs participation_period was built for.
_STORED_PAIRS = "select activity, frequency from participation_period_pair"

# Per pair of participation_period_pair and month in $months: the first and last day of the periods of the pair's
# frequency that overlap the month.
_SPANS = f"""
    select pr.activity, pr.frequency, {period_start("pr.frequency", "m.m")} as lo,
           {period_end("pr.frequency", "last_day(m.m)")} as hi
    from participation_period_pair pr
    cross join (select unnest($months::date[]) as m) m
"""


def _periods_sql(pairs: str, where: str = "") -> str:
    """SQL: the rows of participation_period, from the participation joined with ``pairs`` (rows with activity and
    frequency) on activity, and ``where`` ("and ..." over p and pr)."""
    return f"""
    select p.activity, pr.frequency, p.person_id, {period_start("pr.frequency", "p.event_date")} as p_start,
           {period_end("pr.frequency", "p.event_date")} as p_end, min(p.event_date) as first_on
    from participation p
    join ({pairs}) pr on pr.activity = p.activity {where}
    group by all
    order by p_start
"""


# The rows of participation_period for the pairs of participation_period_pair: of the periods that overlap the
# months in $months, and of every period.
_PERIODS_SQL = _periods_sql(_SPANS, "and p.event_date between pr.lo and pr.hi")
_ALL_PERIODS_SQL = _periods_sql(_STORED_PAIRS)
# Removes the rows of the periods that overlap the months in $months.
_DELETE_PERIODS_SQL = f"""
    delete from participation_period r
    using ({_SPANS}) s
    where r.activity = s.activity and r.frequency = s.frequency and r.p_start between s.lo and s.hi
"""


def covers(cur: Con, pairs: list[tuple[str, str]]) -> bool:
    """Whether participation_period holds every activity x frequency pair in ``pairs`` (call after ``ready``)."""
    try:
        stored = set(cur.execute(_STORED_PAIRS).fetchall())
    except Exception:  # not migrated to 012: count directly
        return False
    return set(pairs) <= stored


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
    _refresh_periods(cur, changed, whole)
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


def _refresh_periods(cur: Con, changed: list, whole: bool) -> None:
    """Inside the caller's transaction: participation_period recomputed for the periods overlapping the ``changed``
    months, or whole when asked or when the rule books' 五个一 pairs are not the ones it was built for."""
    pairs = cur.execute(PAIRS_SQL).fetchall()
    stored = cur.execute(f"{_STORED_PAIRS} order by all").fetchall()
    if whole or pairs != stored:
        cur.execute("delete from participation_period")
        cur.execute("delete from participation_period_pair")
        if pairs:
            cur.execute(
                "insert into participation_period_pair select unnest($a::varchar[]), unnest($f::varchar[])",
                {"a": [a for a, _ in pairs], "f": [f for _, f in pairs]},
            )
        cur.execute(f"insert into participation_period {_ALL_PERIODS_SQL}")
    elif changed and pairs:
        cur.execute(_DELETE_PERIODS_SQL, {"months": changed})
        cur.execute(f"insert into participation_period {_PERIODS_SQL}", {"months": changed})
