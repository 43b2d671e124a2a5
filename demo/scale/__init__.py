"""The scale data set: a city-sized department (default 5,000 people in 100 sections over 36 months, ≈2M score events)
written straight into DuckDB with the project's schema, fast and deterministic, plus a 100,000-row points workbook
(and the roster it needs) for the import benchmark.

Densities follow the demo year per person (score events per item, participation per activity, tasks per person),
the rule book in force supplies contents, items, caps, activities, ledgers, stages and arenas, and the monthly caps
make content ties the way real data has them. Every fact row carries lineage (batch, file, sheet, row) and belongs to
a committed import batch; the roster has moves, leavers and joiners, each through a roster batch.

plan.py holds the sizes, densities and words (data); days.py the calendar; people.py the roster and its memberships;
facts.py the score events, participation, task snapshots and arena marks; database.py writes them with their batches
and lineage (generate); xlsx.py the import benchmark's workbooks; command.py the `python -m analytics scale` command."""

from demo.scale.command import run_command
from demo.scale.database import generate
from demo.scale.plan import START, UPLOADER, Summary, parse_fraction
from demo.scale.xlsx import import_file_paths, month_file, write_import_files

__all__ = [
    "START",
    "Summary",
    "UPLOADER",
    "generate",
    "import_file_paths",
    "month_file",
    "parse_fraction",
    "run_command",
    "write_import_files",
]
