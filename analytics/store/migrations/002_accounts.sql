-- Accounts, server-side sessions, login attempts and the audit log.

create sequence seq_account start 1;
create sequence seq_audit start 1;

-- One row per account. role: viewer | clerk | admin. sections: the section names a clerk may import for (empty or
-- null = every section). Passwords are bcrypt hashes, never stored in clear.
create table account (
    account_id integer primary key,
    name varchar not null unique,
    role varchar not null,
    sections varchar[],
    password_hash varchar not null,
    disabled boolean not null default false,
    failed_logins integer not null default 0,
    locked_until timestamp,
    created_at timestamp not null,
    password_changed_at timestamp
);

-- One row per signed-in browser session. The token itself stays in the browser session; only its hash is stored.
create table account_session (
    token_hash varchar primary key,
    account_id integer not null,
    created_at timestamp not null,
    last_seen timestamp not null,
    ip varchar,
    ended_at timestamp
);

-- One row per login attempt, for slowing down an address that keeps failing.
create table login_attempt (
    happened_at timestamp not null,
    ip varchar,
    name varchar,
    ok boolean not null
);

-- One row per recorded action: who, when, what, from where, and the batch or version touched.
create table audit_log (
    audit_id bigint primary key,
    happened_at timestamp not null,
    actor varchar not null,
    action varchar not null,
    target varchar,
    detail varchar,
    ip varchar
);
