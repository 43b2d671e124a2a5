"""The pages' caches hold the current data only: every cached read is keyed by the data version, so when an import
moves it on, the first run that sees the new version drops what was cached for the old one (a month's posting and
its workbook are tens of megabytes each)."""

from __future__ import annotations

import shutil

import streamlit as st
from conftest import ROSTER, load

from ui import db as ui_db


def test_a_new_data_version_empties_what_was_cached_for_the_old(demo_db, tmp_path, app_env):
    db = tmp_path / "cache.duckdb"
    shutil.copy(demo_db, db)
    app_env.setenv("DASHBOARD_DB", str(db))
    app_env.setenv("DASHBOARD_DEMO", "off")
    calls: list[str] = []

    @st.cache_data(show_spinner=False)
    def probe(version: str) -> int:
        calls.append(version)
        return len(calls)

    before = ui_db.version()
    assert probe(before) == 1 and probe(before) == 1
    assert ui_db.version() == before  # the same data: the cache stays
    assert probe(before) == 1 and calls == [before]

    load(ui_db.connection(), ROSTER, "名单.xlsx")
    after = ui_db.version()
    assert after != before
    # The entry for the data before the import is gone (asked again, it is computed again).
    assert probe(before) == 2
    assert probe(after) == 3 and probe(after) == 3
