"""No silent wrong answer, through the command line: `import --dry-run --json` carries the preview's contract
(columns, skipped rows, roster changes, questions) and each class of trap is refused, asked or read right."""

from __future__ import annotations

import json

import pytest
from conftest import ROSTER, xlsx_bytes
from test_cli import cli

from analytics import open_db

POINTS = ["日期", "姓名", "考核内容", "分值", "事由"]
TASKS = ["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cli.duckdb"
    roster = tmp_path / "名单.xlsx"
    roster.write_bytes(xlsx_bytes({"名单": ROSTER}))
    assert cli(path, "import", str(roster)).returncode == 0
    return path


def run_json(db, tmp_path, name: str, sheets: dict, *args: str) -> dict:
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(sheets))
    run = cli(db, "import", str(path), "--json", *args)
    assert run.stdout, run.stderr
    return json.loads(run.stdout.splitlines()[0])


def messages(out: dict) -> str:
    return " ".join(e["message"] for e in out["errors"])


CASES = {
    # class: (sheets, extra args, check of the JSON)
    "1 kind": (
        {"3月": [["日期", "姓名", "科室", "考核内容", "扣分"], ["2022-03-05", "张三", "干部一科", "宣传推广", 1]]},
        (),
        lambda o: not o["ok"] and "加减分记录" in messages(o) and "事由" in messages(o) and not o["roster_changes"],
    ),
    "1 summary": (
        {"3月": [POINTS, ["2022-03-05", "张三", "宣传推广", 1, "信息"]], "统计": [["姓名", "科室"], ["张三", "x科"]]},
        ("--dry-run",),
        lambda o: o["ok"] and [s["sheet"] for s in o["sheets"]] == ["3月"],
    ),
    "2 roster": (
        {"名单": [["姓名", "科室"], ["张三", "干部二科"]]},
        ("--dry-run",),
        lambda o: not o["ok"] and o["questions"][0]["name"] == "张三" and "移动" in messages(o),
    ),
    "2 decided": (
        {"名单": [["姓名", "科室"], ["张三", "干部二科"]]},
        ("--dry-run", "--decide", "名单:2=move"),
        lambda o: (
            o["ok"] and o["roster_changes"][0]["action"] == "调整科室" and o["roster_changes"][0]["to"] == "干部二科"
        ),
    ),
    "2 same name": (
        {"名单": [["姓名", "科室"], ["张三", "干部二科"]]},
        ("--dry-run", "--same-name", "new"),
        lambda o: o["ok"] and o["roster_changes"][0]["action"] == "新增",
    ),
    "4 sign": (
        {"3月": [["日期", "姓名", "考核内容", "扣分", "事由"], ["2022-03-05", "李四", "纪律作风", 2, "迟到"]]},
        ("--dry-run",),
        lambda o: (
            o["points_total"] == -2
            and {"sheet": "3月", "header": "扣分", "field": "分值（减分）", "rule": "按减分计，取负"} in o["columns"]
        ),
    ),
    "5 date": (
        {"3月": [["登记日期", "发生日期", *POINTS[1:]], ["2022-04-01", "2022-03-05", "张三", "宣传推广", 1, "信息"]]},
        ("--dry-run",),
        lambda o: (
            any(c["header"] == "发生日期" and c["field"] == "日期" for c in o["columns"])
            and any(c["header"] == "登记日期" and c["field"] is None for c in o["columns"])
        ),
    ),
    "6 year": (
        {"2021年3月": [POINTS, ["3月5日", "张三", "宣传推广", 1, "信息"]]},
        ("--dry-run",),
        lambda o: not o["ok"] and "2021" in messages(o),
    ),
    "7 month-only deadline": (
        {"台账": [TASKS, ["T1", "任务", "组织保障专项台账", "组织科", "2022年6月", 50, "全程督查", "2022-03-04"]]},
        ("--dry-run",),
        lambda o: o["ok"] and any("最后一天" in c["rule"] for c in o["columns"]),
    ),
    "7 decimal comma": (
        {"3月": [POINTS, ["2022-03-05", "张三", "宣传推广", "1,5", "信息"]]},
        ("--dry-run",),
        lambda o: o["points_total"] == 1.5,
    ),
    "10 fill-down": (
        {
            "擂台": [
                ["日期", "擂台", "选手", "评委", "得分"],
                ["2022-04-15", "科长擂台", "张三", "李四", 90],
                ["", "", "", "王五", 88],
            ]
        },
        ("--dry-run",),
        lambda o: o["ok"] and o["rows_imported"] == 2 and any("沿用上一行" in c["rule"] for c in o["columns"]),
    ),
    "11 roster beside points": (
        {"名单": ROSTER, "3月": [POINTS, ["2022-03-05", "张三", "宣传推广", 1, "信息"]]},
        (),
        lambda o: o["ok"] and o["rows_imported"] == 1,
    ),
    "forgiveness": (
        {
            "3月": [
                ["编号", *POINTS],
                ["", "", "", "", "（单位：分）", ""],
                [1, "2022-03-05", "张三", "宣传推广", 1, "x"],
            ]
        },
        ("--dry-run",),
        lambda o: o["ok"] and {"sheet": "3月", "row": 2, "why": "表头下的提示行"} in o["skipped"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_class_through_the_cli(db, tmp_path, case):
    sheets, args, check = CASES[case]
    out = run_json(db, tmp_path, f"{case}.xlsx", sheets, *args)
    assert check(out), out


def test_history_by_date_and_overlapping_undo_through_the_cli(db, tmp_path):
    april = {"4月": [POINTS, ["2022-04-10", "张三", "宣传推广", 2, "四月"]]}
    assert run_json(db, tmp_path, "四月.xlsx", april)["ok"]
    move = {"调动": [["姓名", "科室", "工号", "调整日期"], ["张三", "干部二科", "A01", "2022-03-01"]]}
    assert run_json(db, tmp_path, "调动.xlsx", move)["ok"]
    # 8: the same event sent again with 依据 filled is skipped, and this batch claims it (9).
    again = {"累计": [[*POINTS, "依据"], ["2022-04-10", "张三", "宣传推广", 2, "四月", "简报"]]}
    out = run_json(db, tmp_path, "累计.xlsx", again)
    assert not out["ok"] and "都已导入过" in messages(out)
    cumulative = {
        "累计": [[*POINTS, "依据"], ["2022-04-10", "张三", "宣传推广", 2, "四月", "简报"]]
        + [["2022-04-12", "李四", "宣传推广", 1, "新", ""]]
    }
    out = run_json(db, tmp_path, "累计2.xlsx", cumulative)
    assert out["ok"] and out["skipped"][0]["why"].startswith("与批次 #2")
    assert cli(db, "batches", "--undo", "2").returncode == 0
    con = open_db(db)
    try:
        kept = con.execute(
            """
            select e.batch_id, e.sheet, s.name from score_event e join section s using (section_id)
            where e.event_date = date '2022-04-10'
            """
        ).fetchall()
    finally:
        con.close()
    assert kept == [(4, "累计", "干部二科")]  # kept by the later file, in the section of the move dated 3月1日


def test_drops_in_progress_confirmed_row_by_row_or_all_at_once_through_the_cli(db, tmp_path):
    def row(code, progress, on):
        return [code, f"任务{code}", "基础夯实工程", "组织科", "2022-12-31", progress, "全程督查", on]

    first = {"台账": [TASKS, row("ZB-01", 80, "2022-03-04"), row("ZB-02", 50, "2022-03-04")]}
    assert run_json(db, tmp_path, "台账0304.xlsx", first)["ok"]
    drops = {
        "台账": [TASKS, row("ZB-01", 8, "2022-03-11"), row("ZB-02", 40, "2022-03-11"), row("ZB-03", 5, "2022-03-11")]
    }
    path = tmp_path / "台账0311.xlsx"
    path.write_bytes(xlsx_bytes(drops))
    # Asked about one by one, with the way to confirm them all at once.
    run = cli(db, "import", str(path), "--dry-run")
    assert run.returncode == 1
    assert "--decide '台账:2=confirm'" in run.stdout and "--decide '台账:3=confirm'" in run.stdout
    assert "全部确认下降（共 2 处）：用 --decide '*=confirm'" in run.stdout
    # Row by row (the words the preview offers are accepted), and all at once, give the same preview.
    each = run_json(
        db, tmp_path, "台账0311.xlsx", drops, "--dry-run", "--decide", "台账:2=confirm", "--decide", "台账:3=确认"
    )
    every = run_json(db, tmp_path, "台账0311.xlsx", drops, "--dry-run", "--decide", "*=confirm")
    assert each["ok"] and every["ok"] and each["warnings"] == every["warnings"]
    # Confirming all answers nothing but drops.
    run = cli(db, "import", str(path), "--decide", "*=move")
    assert run.returncode != 0 and "--same-name" in run.stderr
    out = run_json(db, tmp_path, "台账0311.xlsx", drops, "--decide", "*=confirm")
    assert out["ok"] and out["rows_imported"] == 3
