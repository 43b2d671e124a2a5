"""The clerk's import: a dry run that reads, understands and checks a file (the preview), a commit that stores it in
one transaction, the history of batches, and undo. Callers import from here; each step lives in its own module:

    preview.py     Options and Preview: the dry run's report of one file, what the clerk confirms
    understand.py  which sheets are read and as which kind; missing columns; the year of dates without one
    dry_run.py     prepare(): read, understand, match columns, correct, check — nothing stored
    describe.py    the preview's account of one sheet: columns as read, rows left out, roster changes
    write.py       commit() and write_batch(): one transaction; import_bytes()/import_path(): the whole import
    history.py     the batches imported; undo()

Nothing is counted twice: the same file is refused, events already stored are skipped (and claimed by the new batch,
so undoing the batch that first brought them keeps them: analytics.sheets.events), a task snapshot of the same task
and date replaces the old one, and undo puts everything back as it was."""

from analytics.sheets.ingest.dry_run import prepare
from analytics.sheets.ingest.history import batch_file, find_committed, list_batches, undo, undo_in
from analytics.sheets.ingest.preview import Options, Preview, Progress, sha256_of
from analytics.sheets.ingest.write import commit, import_bytes, import_path, write_batch

__all__ = [
    "Options",
    "Preview",
    "Progress",
    "batch_file",
    "commit",
    "find_committed",
    "import_bytes",
    "import_path",
    "list_batches",
    "prepare",
    "sha256_of",
    "undo",
    "undo_in",
    "write_batch",
]
