"""Fixtures: a fresh in-memory database with the default rule book, and small builders for uploads."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics import open_db  # noqa: E402
from analytics.accounts import users  # noqa: E402
from analytics.sheets.ingest import Options, import_bytes  # noqa: E402

# bcrypt at its real work factor costs a quarter of a second a hash; the tests check behaviour, not the cost.
users.ROUNDS = 4


@pytest.fixture(autouse=True)
def app_env(monkeypatch):
    """The app's environment (DASHBOARD_DB, DASHBOARD_DEMO) goes through monkeypatch: each test leaves it as found."""
    import apptest

    apptest.use_environment(monkeypatch)
    yield monkeypatch
    apptest.use_environment(None)


@pytest.fixture
def con():
    connection = open_db(":memory:")
    yield connection
    connection.close()


def xlsx_bytes(sheets: dict[str, list[list]], title: str | None = None, merge_title: bool = True) -> bytes:
    """A workbook with one sheet per entry; rows are written from A1 (or under a title row)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        if title:
            sheet.append([title])
            if merge_title and rows:
                sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(rows[0]), 2))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


ROSTER = [
    ["姓名", "科室", "职务", "工号"],
    ["张三", "组织科", "科长", "A01"],
    ["李四", "组织科", "科员", "A02"],
    ["王五", "干部一科", "科长", "B01"],
    ["赵六", "干部一科", "科员", "B02"],
    ["孙七", "干部二科", "科员", "C01"],
]


def load(con, rows_or_bytes, name: str = "upload.xlsx", **options):
    """Import through the real importer; fails the test when the file is refused."""
    content = rows_or_bytes if isinstance(rows_or_bytes, bytes) else xlsx_bytes({"Sheet1": rows_or_bytes})
    preview, batch_id = import_bytes(con, content, name, Options(**options))
    assert batch_id is not None, [p.text() for p in preview.errors]
    return batch_id


# The file name each kind of upload arrives under in the page tests.
UPLOAD_NAMES = {
    "points": "upload.xlsx",
    "participation": "参与.xlsx",
    "tasks": "台账.xlsx",
    "arena": "擂台.xlsx",
    "moves": "离岗.xlsx",
}


@pytest.fixture
def db_with(tmp_path):
    """A database file built through the real importer: ``db_with(points=rows, participation=rows)`` loads the
    roster (ROSTER unless ``roster=`` says otherwise; None for none), then one upload per keyword in the order given
    (rows or workbook bytes, named as in UPLOAD_NAMES), and returns the file's path."""
    made = []

    def build(roster=ROSTER, **uploads) -> Path:
        path = tmp_path / f"db{len(made)}.duckdb"
        made.append(path)
        connection = open_db(path)
        try:
            if roster is not None:
                load(connection, roster, "名单.xlsx")
            for kind, rows in uploads.items():
                load(connection, rows, UPLOAD_NAMES[kind])
        finally:
            connection.close()
        return path

    return build


@pytest.fixture
def roster_con(con):
    load(con, ROSTER, "名单.xlsx")
    return con


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A database file with the demo year, loaded once per test session through the real importer."""
    from demo import year as demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    connection = open_db(path)
    demo.load_demo(connection)
    connection.close()
    return path


@pytest.fixture
def empty_db(tmp_path):
    """A database file with the default rule book and nothing else."""
    path = tmp_path / "empty.duckdb"
    open_db(path).close()
    return path
