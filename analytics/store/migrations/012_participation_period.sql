-- The 五个一 periods of the participation rollup (analytics/results/participation_rollup.py): which periods of its
-- activity's cycle each person took part in, and the first day they did, so the 五个一 matrix reads one row per
-- person x period instead of mapping every participation row of the year to its period and removing duplicates.
-- Derived data, rebuilt with participation_month (migration 010) by the first reader after data_version changes.

-- One row per activity x frequency (each pair a rule book version gives a 五个一 activity) x person x period of that
-- frequency with participation: the period's first and last day (a week runs Monday to Sunday, a half-month 1–15 or
-- 16–end) and the first day of it the person took part.
create table participation_period (
    activity varchar not null,
    frequency varchar not null,
    person_id integer not null,
    p_start date not null,
    p_end date not null,
    first_on date not null
);

-- The activity x frequency pairs participation_period was built for; when the rule books give other pairs, the next
-- rebuild recomputes the whole table.
create table participation_period_pair (
    activity varchar not null,
    frequency varchar not null
);

-- A database migrated with its participation rollup already built: forget the fingerprints, so the next reader
-- recomputes every month and fills participation_period.
delete from participation_month;
delete from participation_month_print;
delete from participation_rollup_state;
