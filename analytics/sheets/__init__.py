"""Sheets in and out: reading, understanding, checking and importing clerks' files; templates and error workbooks."""
