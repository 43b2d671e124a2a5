-- The flag rollups (analytics/results/flag_rollup.py): what the quarterly flag (季度夺旗) sums, kept for one data
-- version so a quarter reads a few hundred section x month rows instead of ranking a quarter's stars from the points
-- rollup (its task part reads the task rollup's spans, migration 010). Derived data: the first reader after
-- data_version changes recomputes the months whose fingerprint changed; never edited in place.

-- One row per month x section with anything in it: person-months present (people whose membership at the month's
-- end is the section), counted net points and events attributed to it, any veto, and the stars its people won while
-- in it (月度之星, 单项之星). Only months with score events are kept; a quarter's other months are computed live.
create table flag_section_month (
    month_start date not null,
    section_id integer not null,
    person_months bigint not null,
    net double not null,
    events bigint not null,
    veto boolean not null,
    month_stars bigint not null,
    content_stars bigint not null
);

-- One row per month x section x content: counted points of the people whose section that month it is (the section of
-- their last event, else their membership), each person's total rounded as the month's points table shows it, and
-- the lowest such person id (the contents radar lists contents in the order that table first shows them).
create table flag_section_content (
    month_start date not null,
    section_id integer not null,
    content varchar not null,
    counted double not null,
    first_person integer not null
);

-- Per month, a fingerprint of everything its flag_section_month and flag_section_content rows come from: the month's points rollup
-- fingerprint (score events, rule version, items), a hash of who is present in which section, and a hash of the
-- version's star parameters.
create table flag_section_month_print (
    month_start date primary key,
    points_print hugeint not null,
    present_hash hugeint not null,
    stars_hash hugeint not null
);

-- At most one row: the data_version the tables above were built for, and a hash of all the inputs of the section
-- rows then: when a new data version leaves them equal, nothing is recomputed month by month.
create table flag_rollup_state (
    data_version integer not null,
    sections_input hugeint not null,
    built_at timestamp not null
);
