-- Per month, a fingerprint of everything the month's rows of points_rollup / points_rollup_veto are computed from
-- (analytics/results/rollup.py), so a stale rollup rebuilds only the months whose inputs changed: the month's score
-- events (count and an order-independent hash over every column points.EVENTS_SQL / GRAIN_SQL read), the rule
-- version in force on its last day and a hash of that version's items (code, monthly cap, veto, content).
create table points_rollup_month (
    month_start date primary key,
    events bigint not null,
    events_hash hugeint not null,
    version_id integer not null,
    items_hash hugeint not null
);
