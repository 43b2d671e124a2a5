-- The whole campaign in one schema: roster, rule book versions, facts with lineage, import batches.
-- Every fact row carries batch_id, source_file, sheet, row_no (the Excel row the clerk sees).
-- A fact is live while its batch is committed; undo deletes the batch's rows and keeps the batch record.
-- Fact tables carry no index: DuckDB scans them fast, and bulk inserts and deletes stay cheap; fact_id is unique
-- because it comes from one sequence.

create table meta (
    key varchar primary key,
    value varchar
);

create sequence seq_person start 1;
create sequence seq_section start 1;
create sequence seq_fact start 1;

-- One row per uploaded file (or demo/default load).
create table import_batch (
    batch_id integer primary key,
    kind varchar not null,            -- roster | points | participation | tasks | arena | rules
    file_name varchar not null,
    sha256 varchar not null,
    sheets varchar[],                 -- the sheets that were read
    uploader varchar,
    imported_at timestamp not null,
    rows_imported integer not null default 0,
    rows_replaced integer not null default 0,
    rows_skipped integer not null default 0,
    points_total double,
    status varchar not null,          -- committed | undone
    undone_at timestamp,
    undone_by varchar,
    is_demo boolean not null default false,
    summary varchar                   -- JSON: totals and notes shown in the history
);

-- The uploaded bytes, so an import can be looked at or downloaded again after the fact.
create table import_file (
    batch_id integer primary key,
    content blob
);

-- One row per section (科室).
create table section (
    section_id integer primary key,
    name varchar not null unique,
    sort_order integer not null default 0
);

-- One row per person (干部); identity is 工号 when given, else 姓名 + 科室 at first registration.
create table person (
    person_id integer primary key,
    name varchar not null,
    staff_no varchar,
    title varchar,                    -- 职务
    category varchar,                 -- 人员类别, e.g. 青年干部
    left_on date,                     -- set when the person left (离岗/调离)
    batch_id integer not null,        -- the roster batch that registered the person
    source_file varchar,
    sheet varchar,
    row_no integer
);

-- One row per person x stretch of time in a section (岗位交流 moves people between sections).
create table membership (
    person_id integer not null,
    section_id integer not null,
    valid_from date not null,
    valid_to date,                    -- inclusive; null while current
    batch_id integer not null,
    source_file varchar,
    sheet varchar,
    row_no integer
);

-- One row per change a roster batch made, so undo can put the roster back as it was.
create table roster_change (
    batch_id integer not null,
    action varchar not null,          -- section | insert | update | move
    person_id integer,
    section_id integer,
    before_json varchar               -- the person's fields (and open membership) before the change
);

-- Rule book versions: one row per version; the version in force on a date is the latest effective_from <= date.
create table rule_version (
    version_id integer primary key,
    effective_from date not null,
    created_at timestamp not null,
    created_by varchar,
    source varchar not null,          -- default | upload | edit | demo
    batch_id integer,                 -- the rules batch that brought it, if any
    note varchar
);

create table rule_param (
    version_id integer not null,
    key varchar not null,
    value double,
    text_value varchar,
    primary key (version_id, key)
);

create table rule_content (
    version_id integer not null,
    code varchar not null,
    name varchar not null,
    star_name varchar,                -- e.g. 宣传推广之星
    sort_order integer not null,
    aliases varchar[],
    primary key (version_id, name)
);

create table rule_item (
    version_id integer not null,
    code varchar not null,
    content varchar not null,
    name varchar not null,
    points_min double not null,       -- a fixed value has min = max
    points_max double not null,
    monthly_cap double,               -- bound on the item's total per person per month, in absolute points
    veto boolean not null default false,
    note varchar,
    primary key (version_id, code)
);

create table rule_activity (
    version_id integer not null,
    name varchar not null,
    frequency varchar,                -- weekly | half_monthly | monthly | quarterly | yearly | null (no cycle)
    five_one boolean not null default false,
    counter varchar,                  -- how the campaign counts it: rows | people | speakers | teams | sessions
    sort_order integer not null,
    aliases varchar[],
    primary key (version_id, name)
);

create table rule_ledger (
    version_id integer not null,
    name varchar not null,
    planned integer,                  -- how many tasks the campaign plans in it
    sort_order integer not null,
    aliases varchar[],
    primary key (version_id, name)
);

create table rule_stage (
    version_id integer not null,
    name varchar not null,
    step integer not null,            -- 1..4 along the closed loop
    aliases varchar[],
    primary key (version_id, name)
);

create table rule_arena (
    version_id integer not null,
    name varchar not null,
    sort_order integer not null,
    aliases varchar[],
    primary key (version_id, name)
);

-- Facts -------------------------------------------------------------------------------------------

-- One row per 加减分 event.
create table score_event (
    fact_id bigint not null default nextval('seq_fact'),
    batch_id integer not null,
    source_file varchar not null,
    sheet varchar not null,
    row_no integer not null,
    event_date date not null,
    person_id integer not null,
    section_id integer not null,      -- the person's section on the event date
    content varchar not null,
    item_code varchar,
    points double not null,
    reason varchar not null,
    evidence varchar,
    recorder varchar,
    veto_flag boolean                 -- explicit 一票否决 column; null = follow the scoring item
);

-- One row per person x activity attended.
create table participation (
    fact_id bigint not null default nextval('seq_fact'),
    batch_id integer not null,
    source_file varchar not null,
    sheet varchar not null,
    row_no integer not null,
    event_date date not null,
    person_id integer not null,
    section_id integer not null,
    activity varchar not null,
    title varchar,
    role varchar,                     -- 主讲 | 参与
    hours double
);

-- One row per task x 更新日期: a dated snapshot. A later upload of the same task and date supersedes it.
create table task_snapshot (
    fact_id bigint not null default nextval('seq_fact'),
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
    progress double not null,         -- 0..100
    stage varchar not null,
    latest_note varchar,
    updated_on date not null,
    superseded_by integer             -- the batch that replaced this snapshot; null while in force
);

-- One row per judge x contestant mark in an arena session.
create table arena_mark (
    fact_id bigint not null default nextval('seq_fact'),
    batch_id integer not null,
    source_file varchar not null,
    sheet varchar not null,
    row_no integer not null,
    event_date date not null,
    arena varchar not null,
    topic varchar,
    contestant_id integer not null,
    judge_id integer not null,
    mark double not null
);

