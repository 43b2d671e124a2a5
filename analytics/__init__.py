"""The core of the campaign dashboard: storage, import, rules and exports. Never imports streamlit."""

from __future__ import annotations

from pathlib import Path


def open_db(path: str | Path | None = None):
    """Open the database, apply migrations and make sure a rule book is in force."""
    from analytics.rules.rulebook import ensure_default
    from analytics.store.db import connect

    con = connect(path)
    ensure_default(con)
    return con
