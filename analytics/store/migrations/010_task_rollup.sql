-- The task rollup (analytics/results/task_rollup.py): each task's live snapshots folded into the spans of days they
-- are its state, so a task's state on a day is found by a range predicate instead of an arg_max over every
-- snapshot, and the burn-up reads daily changes. Derived data: brought up to date by the first reader after
-- data_version changes, recomputing only the tasks reported in the months whose snapshots changed.

-- One row per task x day it was reported: the day's last live snapshot (every column but superseded_by), the next
-- day the task was reported (9999-12-31 while none), the latest start date written up to it and the task's first day.
create table task_span (
    fact_id bigint not null,
    batch_id integer not null,
    source_file varchar not null,
    sheet varchar not null,
    row_no integer not null,
    task_code varchar not null,
    task_name varchar not null,
    ledger varchar not null,
    section_id integer not null,
    owner_name varchar,
    owner_person_id integer,
    start_date date,
    due_date date not null,
    progress double not null,
    stage varchar not null,
    latest_note varchar,
    updated_on date not null,
    next_on date not null,
    any_start date,
    first_on date not null
);

-- One row per task x stage: the first day a live snapshot reported the task at that stage.
create table task_stage_first (
    task_code varchar not null,
    stage varchar not null,
    first_on date not null
);

-- One row per day x ledger x stage: how the count and the summed progress of tasks whose state has that ledger and
-- stage change on that day (a span adds its task on its first day and removes it on next_on). Never zero in both.
create table task_burn_day (
    day date not null,
    ledger varchar not null,
    stage varchar not null,
    tasks bigint not null,
    progress decimal(38, 12) not null
);

-- Per month of updated_on: the count and an order-independent hash of the live snapshots reported in it.
create table task_rollup_month (
    month_start date primary key,
    snapshots bigint not null,
    snapshots_hash hugeint not null
);

-- At most one row: the data_version the tables above were built for.
create table task_rollup_state (
    data_version integer not null,
    built_at timestamp not null
);

-- The participation rollup (analytics/results/participation_rollup.py): one row per month x activity with
-- participation, its rows and distinct people (what 学习实践's monthly chart shows), so a year reads a few hundred rows
-- instead of grouping half a million. Per month, the fingerprint of the participation rows it was built from.
create table participation_month (
    month_start date not null,
    activity varchar not null,
    rows bigint not null,
    people bigint not null
);

create table participation_month_print (
    month_start date primary key,
    participations bigint not null,
    participations_hash hugeint not null
);

create table participation_rollup_state (
    data_version integer not null,
    built_at timestamp not null
);
