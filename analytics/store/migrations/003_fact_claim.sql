-- A stored fact can be brought by more than one batch: a cumulative file re-sends rows an earlier file already
-- stored. The fact row belongs to the batch that first wrote it (fact.batch_id); every later active batch that sent
-- the same event again claims it here, with the place it was sent from. Undoing the owning batch hands the row to
-- the earliest claim still active instead of deleting it; a row goes only when no active batch claims it.
create table fact_claim (
    fact_table varchar not null,      -- score_event | participation | arena_mark
    fact_id bigint not null,
    batch_id integer not null,        -- the batch that sent the event again
    source_file varchar,
    sheet varchar,
    row_no integer
);
