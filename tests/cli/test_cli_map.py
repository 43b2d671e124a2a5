"""The column matching step on the command line: `import --map "扣分=分值:负" --map "编号=忽略"`, remembered for the
next file of the same shape, and a wrong --map refused with a Chinese message."""

from __future__ import annotations

import json

from conftest import ROSTER, xlsx_bytes
from test_cli import cli

HEADER = ["编号", "日期", "姓名", "考核内容", "扣分", "经过"]


def test_map_names_a_column_negates_it_and_is_remembered(tmp_path):
    db = tmp_path / "db.duckdb"
    roster = tmp_path / "名单.xlsx"
    roster.write_bytes(xlsx_bytes({"名单": ROSTER}))
    march = tmp_path / "三月.xlsx"
    march.write_bytes(xlsx_bytes({"3月": [HEADER, ["X1", "2022-03-05", "张三", "纪律作风", 1, "迟到"]]}))
    april = tmp_path / "四月.xlsx"
    april.write_bytes(xlsx_bytes({"4月": [HEADER, ["X2", "2022-04-05", "李四", "纪律作风", 0.5, "早退"]]}))
    assert cli(db, "import", str(roster)).returncode == 0

    plain = cli(db, "import", "--dry-run", str(march))
    assert plain.returncode == 1
    assert "缺少 「3月」事由" in plain.stdout and "--map '表头=事由'" in plain.stdout

    done = cli(db, "import", "--json", str(march), "--map", "经过=事由", "--map", "扣分=分值:负", "--map", "编号=忽略")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] and result["points_total"] == -1.0
    columns = {c["header"]: c for c in result["matching"][0]["columns"]}
    assert columns["扣分"]["field"] == "分值" and columns["扣分"]["rule"] == "取负"
    assert columns["经过"]["how"] == "人工指定" and columns["编号"]["how"] == "忽略"

    text = cli(db, "import", str(april))
    assert text.returncode == 0, text.stdout
    assert "按上次确认的对应关系" in text.stdout

    wrong = cli(db, "import", "--dry-run", str(april), "--map", "扣分=分值:两倍")
    assert wrong.returncode != 0 and "不认识的规则" in wrong.stderr + wrong.stdout
