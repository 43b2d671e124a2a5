-- Review meetings: which sections each deputy head leads, frozen monthly postings with their versions, the stars
-- frozen with them, and the objections raised during the posting period (公示期).

-- One row per section a deputy head (分管部长) leads; a section has at most one deputy. Empty = derived from the roster.
create table deputy_section (
    section_name varchar primary key,
    deputy varchar not null,
    sort_order integer not null default 0,
    set_at timestamp not null,
    set_by varchar
);

-- One row per published version of a month's posting: version 1 is the publication, 2.. are corrections.
create table posting_version (
    month varchar not null,           -- '2022-03'
    version integer not null,
    published_at timestamp not null,
    published_by varchar not null,
    rule_version integer,             -- the rule book version the month was computed with
    data_as_of timestamp,             -- the last import at publication time
    batches varchar,                  -- JSON list of the import batches the posted rows came from
    window_start date not null,       -- 公示期, working days
    window_end date not null,
    reason varchar,                   -- why a correction was made; null for version 1
    primary key (month, version)
);

-- One row per posted score event of a version (grain: month x version x fact), frozen as shown.
create table posting_row (
    month varchar not null,
    version integer not null,
    fact_id bigint not null,
    section varchar,
    person_id integer,
    name varchar,
    event_date date,
    content varchar,
    item_code varchar,
    item_name varchar,
    points double,
    counted double,
    capped double,
    veto boolean,
    reason varchar,
    evidence varchar,
    batch_id integer,
    source_file varchar,
    sheet varchar,
    row_no integer,
    primary key (month, version, fact_id)
);

-- One row per star of a published version (grain: month x version x award x person).
create table posting_star (
    month varchar not null,
    version integer not null,
    person_id integer not null,
    name varchar,
    section varchar,
    award varchar not null,
    award_kind varchar,
    net_points double,
    points double,
    rank integer
);

-- One row per objection (异议) against a posted row (fact_id) or the posting as a whole (fact_id null).
create table posting_objection (
    objection_id integer primary key,
    month varchar not null,
    version integer not null,
    fact_id bigint,
    raised_by varchar not null,
    raised_at timestamp not null,
    text varchar not null,
    status varchar not null,          -- open | upheld | rejected
    reply varchar,
    replied_by varchar,
    replied_at timestamp
);

-- Rule book versions saved before this migration get the posting period's default (5 working days).
insert into rule_param
select v.version_id, 'posting_days', 5, null
from rule_version v
where not exists (select 1 from rule_param p where p.version_id = v.version_id and p.key = 'posting_days');

-- One row per month an admin has opened for correction: imports and undos into it are allowed until the correction
-- is published as the next version (or the opening is withdrawn).
create table posting_correction (
    month varchar primary key,
    opened_by varchar not null,
    opened_at timestamp not null
);
