"""The demo year: the workbooks a department's clerks would upload over one campaign year, built deterministically
and loaded through the real importer, so a newcomer sees a full dashboard at once and can clear it with one click.

The year is simulated step by step (simulate.py: people, tasks, participation, points, arenas, in that order, from one
seeded generator), then written as the clerks' workbooks (workbook.py, files.py) and imported (load.py). plan.py and
words.py hold the data: the year's events, sections, tasks and rates, and the words its reasons and notes are made of."""

from demo.year.files import build_files
from demo.year.load import _options, clear_demo, demo_loaded, load_demo, load_on_first_start, write_files
from demo.year.plan import (
    CLEARED_KEY,
    DEFAULT_YEAR,
    DUPLICATE_NAME,
    JOIN_ON,
    LEAVE_ON,
    MOVE_ON,
    RAISED_ITEM,
    RULES_FROM,
    SECTION_NAMES,
    SECTIONS,
    SELF_MARK_SESSION,
    UPLOADER,
)

__all__ = [
    "CLEARED_KEY",
    "DEFAULT_YEAR",
    "DUPLICATE_NAME",
    "JOIN_ON",
    "LEAVE_ON",
    "MOVE_ON",
    "RAISED_ITEM",
    "RULES_FROM",
    "SECTIONS",
    "SECTION_NAMES",
    "SELF_MARK_SESSION",
    "UPLOADER",
    "_options",
    "build_files",
    "clear_demo",
    "demo_loaded",
    "load_demo",
    "load_on_first_start",
    "write_files",
]
