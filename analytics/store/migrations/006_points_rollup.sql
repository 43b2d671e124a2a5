-- The points rollup (analytics/results/rollup.py): the rows of points.GRAIN_SQL kept for one data version, so year
-- and quarter results sum person x month x section x content rows instead of re-running the monthly cap over every
-- score event. Derived data: rebuilt whole by the first reader after data_version changes; never edited in place.

-- One row per month x person x the section an event was attributed to x content: raw and counted points (after the
-- item's monthly cap, rule version in force on the month's last day), events, any veto, and the last event.
create table points_rollup (
    month_start date not null,
    person_id integer not null,
    section_id integer not null,
    content varchar not null,
    raw double not null,
    counted double not null,
    events bigint not null,
    veto boolean not null,
    last_date date not null,
    last_fact bigint not null
);

-- The veto events themselves (rare), for their reasons in date order.
create table points_rollup_veto (
    month_start date not null,
    person_id integer not null,
    section_id integer not null,
    event_date date not null,
    fact_id bigint not null,
    veto_reason varchar
);

-- At most one row: the data_version the two tables above were built for (rule edits bump it too).
create table points_rollup_state (
    data_version integer not null,
    months integer not null,
    built_at timestamp not null
);
