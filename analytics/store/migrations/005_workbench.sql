-- The clerk's workbench. A remembered layout: the column matching a clerk confirmed for a sheet of one kind and one
-- set of headers in order (the signature), applied to the next sheet of the same shape. One row per signature.
create table remembered_layout (
    layout_id integer not null,
    signature varchar not null,      -- sha256 of the kind and the headers in order
    kind varchar not null,
    headers varchar not null,        -- JSON list of the headers in order, as compared
    choices varchar not null,        -- JSON {header: "字段[:负|正]" | "忽略"}
    confirmed_by varchar,
    confirmed_at timestamp
);

-- A cell corrected in the browser before commit: one row per corrected cell, found from a fact by its lineage
-- (batch, sheet, Excel row). The uploaded file is archived as it came, so the original value stays readable here.
create table import_correction (
    batch_id integer not null,
    sheet varchar not null,
    row_no integer not null,
    header varchar not null,         -- the column as the clerk titled it
    original varchar,
    corrected varchar,
    corrected_by varchar,
    corrected_at timestamp
);
