"""The app's first open of a database file brings every rollup the pages read up to date, under the first-start
notice, so no page pays for the builds (a file written before the rollups existed, or imported into from the
command line, has them stale)."""

from __future__ import annotations

import shutil

from analytics.results import rollup
from analytics.store.db import data_version
from ui import db as ui_db


def test_the_first_open_builds_the_rollups(demo_db, tmp_path, app_env):
    db = tmp_path / "restored.duckdb"
    shutil.copy(demo_db, db)
    app_env.setenv("DASHBOARD_DB", str(db))
    app_env.setenv("DASHBOARD_DEMO", "off")
    cur = ui_db.cursor()  # the app's one connection to the file, opened here for the first time
    assert set(rollup.built_versions(cur).values()) == {data_version(cur)}
