-- The person x month layer over the points rollup (analytics/results/rollup.py): per month the rows of
-- points.PERSON_MONTH_SQL's person_month and of stars.AWARDS_SQL's award, kept so a year's stars, trends and
-- standings read tens of thousands of rows instead of summing the rollup and joining the roster again. Derived data:
-- refreshed with the rollup by the first reader after data_version changes, month by month (points_person_print).

-- One row per month x person present that month or with events in it (see PERSON_MONTH_SQL).
create table points_person_month (
    month_start date not null,
    person_id integer not null,
    section_id integer,
    home_section_id integer,
    present boolean not null,
    net double not null,
    raw double not null,
    capped double not null,
    events bigint not null,
    veto boolean not null,
    veto_reasons varchar,
    -- Competition rank by the month's net among everyone of the month; net summed from January of the month's year
    -- (the trend's cumulative) and the rank by it. They depend on the year's earlier months too, so a changed month
    -- recomputes the later months of its year.
    month_rank bigint not null,
    ytd_net double not null,
    ytd_rank bigint not null
);

-- One row per award x month (see AWARDS_SQL): 月度之星 (award null, award_kind 'month') and the content stars.
create table points_award (
    month_start date not null,
    person_id integer not null,
    section_id integer,
    award varchar,
    award_kind varchar not null,
    content varchar,
    net_points double,
    points double,
    rank bigint not null,
    content_order integer not null
);

-- Per month, what its rows above were computed from: the month's fingerprint in points_rollup_month, a hash of its
-- rule version's star parameters and contents (names, star names, order) and a hash of the roster (memberships and
-- leaving dates), so only months whose inputs changed are recomputed.
create table points_person_print (
    month_start date primary key,
    events bigint not null,
    events_hash hugeint not null,
    version_id integer not null,
    items_hash hugeint not null,
    book_hash hugeint not null,
    roster_hash hugeint not null
);

-- One row per score event of the rollup's months: the points it counts for after its item's monthly cap
-- (points.EVENTS_SQL's counted_event.counted), so the posting and the source rows join it instead of re-running the
-- cap's running total over everyone's events. Kept with the rollup's months (points_rollup_month).
create table points_rollup_event (
    month_start date not null,
    fact_id bigint not null,
    counted double not null
);

-- A rollup built before this migration has neither the layer nor the events' counted points: forget its fingerprints,
-- so the first reader rebuilds it whole, once.
delete from points_rollup_month;
delete from points_rollup_state;
