"""What a page gives away and what it leaves on record: the database file's path is for admins only, and loading
the demo year is written to the audit log, by whoever loads it (an admin on 数据导入, or the app itself on first
start)."""

from __future__ import annotations

from apptest import no_exception, open_page, read, texts_of

from analytics import open_db
from ui import texts


def test_only_an_admin_sees_the_database_file(demo_db):
    shown = texts.IMPORT["db"].format(path="")
    clerk = open_page("import", demo_db, as_role="clerk")
    no_exception(clerk)
    assert shown not in texts_of(clerk) and str(demo_db) not in texts_of(clerk)
    admin = open_page("import", demo_db, as_role="admin")
    no_exception(admin)
    assert shown + str(demo_db) in texts_of(admin)


def demo_rows(db):
    return read(db, lambda cur: cur.execute("select actor, action from audit_log where action like 'demo%'").fetchall())


def test_loading_the_demo_from_the_page_is_audited(empty_db):
    at = open_page("import", empty_db, as_role="admin")
    at.button(key="demo_load").click().run()
    no_exception(at)
    assert demo_rows(empty_db) == [("测试admin", "demo_load")]


def test_the_demo_loaded_on_first_start_is_audited(tmp_path, app_env):
    from ui import db as ui_db

    path = tmp_path / "first.duckdb"
    open_db(path).close()
    app_env.setenv("DASHBOARD_DB", str(path))
    app_env.setenv("DASHBOARD_DEMO", "on")
    ui_db.cursor()  # the app's first open of the file loads the demo year
    assert read(path, lambda cur: cur.execute("select count(*) from import_batch").fetchone()[0]) > 0
    assert demo_rows(path) == [("系统", "demo_load")]


def test_a_broken_file_is_reported_without_its_path(tmp_path):
    path = tmp_path / "broken.duckdb"
    path.write_bytes(b"not a database at all" * 100)
    at = open_page("overview", path)
    no_exception(at)
    text = texts_of(at)
    assert "已损坏" in text and str(path) not in text and path.name not in text
