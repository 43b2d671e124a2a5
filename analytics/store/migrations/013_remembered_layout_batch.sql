-- The batch whose confirmed column matching a remembered layout holds (analytics/sheets/mapping.py): undoing that
-- batch forgets the layout, so a matching taken back with its import is not applied again to the next upload. Null
-- for layouts remembered before this column existed (they stay until an administrator deletes them).
alter table remembered_layout add column batch_id integer;
