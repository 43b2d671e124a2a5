"""The command line, run as a user would: `python -m analytics …` in a subprocess, honouring DASHBOARD_DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import ROSTER, xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]


def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def files(tmp_path):
    roster = tmp_path / "名单.xlsx"
    roster.write_bytes(xlsx_bytes({"名单": ROSTER}))
    good = tmp_path / "三月.xlsx"
    good.write_bytes(
        xlsx_bytes(
            {
                "3月": [
                    ["日期", "姓名", "考核内容", "分值", "事由"],
                    ["2022-03-05", "张三", "宣传推广", 1, "信息"],
                    ["2022-03-06", "李四", "工作质量", 2.5, "批示"],
                ]
            }
        )
    )
    bad = tmp_path / "有错.xlsx"
    bad.write_bytes(
        xlsx_bytes(
            {"3月": [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张3", "宣传推广", 1, "信息"]]}
        )
    )
    return roster, good, bad


def test_import_json_one_object_per_file_and_exit_status(tmp_path, files):
    db = tmp_path / "cli.duckdb"
    roster, good, bad = files
    run = cli(db, "import", str(roster), str(good), str(bad), "--json")
    assert run.returncode == 1, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [x["file"] for x in lines] == ["名单.xlsx", "三月.xlsx", "有错.xlsx"]
    assert lines[0]["ok"] and lines[0]["kind"] == "roster" and lines[0]["points_total"] is None
    assert lines[1] == {
        **lines[1],
        "ok": True,
        "kind": "points",
        "rows_imported": 2,
        "points_total": 3.5,
        "errors": [],
        "warnings": [],
    }
    error = lines[2]["errors"][0]
    assert not lines[2]["ok"] and lines[2]["rows_imported"] == 0
    assert {"sheet": "3月", "row": 2, "column": "姓名", "value": "张3"}.items() <= error.items()
    assert "不在人员名单中" in error["message"]


def test_dry_run_imports_nothing_and_same_file_is_refused(tmp_path, files):
    db = tmp_path / "cli.duckdb"
    roster, good, _ = files
    assert cli(db, "import", str(roster)).returncode == 0
    dry = cli(db, "import", str(good), "--dry-run", "--json")
    assert dry.returncode == 0 and json.loads(dry.stdout)["rows_imported"] == 2
    assert cli(db, "import", str(good)).returncode == 0
    again = cli(db, "import", str(good), "--json")
    assert again.returncode == 1 and "导入过" in json.loads(again.stdout)["errors"][0]["message"]


def test_batches_list_and_undo(tmp_path, files):
    db = tmp_path / "cli.duckdb"
    roster, good, _ = files
    cli(db, "import", str(roster), str(good))
    listed = json.loads(cli(db, "batches", "--json").stdout)
    assert [b["file_name"] for b in listed] == ["三月.xlsx", "名单.xlsx"]
    undo = cli(db, "batches", "--undo", str(listed[0]["batch_id"]))
    assert undo.returncode == 0 and "已撤销" in undo.stdout
    assert json.loads(cli(db, "batches", "--json").stdout)[0]["status"] == "undone"


def test_forced_kind_and_template(tmp_path):
    db = tmp_path / "cli.duckdb"
    out = tmp_path / "模板.xlsx"
    run = cli(db, "template", "tasks", "-o", str(out))
    assert run.returncode == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[2]][:3] == ["序号", "任务编号", "任务名称"]
    wrong = tmp_path / "x.xlsx"
    wrong.write_bytes(
        xlsx_bytes({"s": [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 1, "x"]]})
    )
    forced = cli(db, "import", str(wrong), "--kind", "arena", "--json")
    assert forced.returncode == 1 and "缺少必填列" in json.loads(forced.stdout)["errors"][0]["message"]


def test_a_missing_file_is_reported(tmp_path):
    run = cli(tmp_path / "cli.duckdb", "import", str(tmp_path / "没有这个文件.xlsx"), "--json")
    assert run.returncode == 1 and "找不到文件" in json.loads(run.stdout)["errors"][0]["message"]
