"""The meeting commands end to end on a database file, and the deputy heads' sections (derived from the roster,
recorded, refused when wrong)."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import load
from pptx import Presentation

from analytics import open_db
from analytics.accounts.roles import ADMIN, Actor
from analytics.cli import main
from analytics.errors import DashboardError
from analytics.meetings import deputies
from analytics.store.db import transaction

BOSS = Actor("管理员", ADMIN)  # the acting admin of these tests


def test_deputies_default_from_the_roster_then_recorded(con):
    rows = [
        ["姓名", "科室", "职务"],
        ["甲", "组织科", "副部长"],
        ["乙", "组织科", "科员"],
        ["丙", "干部一科", "常务副部长"],
        ["丁", "干部二科", "科员"],
        ["戊", "办公室", "科员"],
    ]
    load(con, rows, "名单.xlsx")
    cur = con.cursor()
    # 常务副部长 first; each leads his own section, the rest are dealt out in section order.
    assert deputies.deputies(cur) == {"丙": ["干部一科", "干部二科"], "甲": ["组织科", "办公室"]}
    with transaction(con) as write:
        deputies.assign(write, {"甲": ["组织科", "干部一科"], "丙": ["干部二科"]}, BOSS)
    assert deputies.deputies(con.cursor()) == {"甲": ["组织科", "干部一科"], "丙": ["干部二科"]}
    with pytest.raises(DashboardError, match="同时分给了"), transaction(con) as write:
        deputies.assign(write, {"甲": ["组织科"], "丙": ["组织科"]}, BOSS)
    with pytest.raises(DashboardError, match="没有名为"), transaction(con) as write:
        deputies.assign(write, {"甲": ["不存在科"]}, BOSS)


def test_deck_posting_publish_and_diff_from_the_command_line(demo_db, tmp_path, monkeypatch, capsys):
    db = tmp_path / "cli.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    out = tmp_path / "讲评.pptx"
    assert main(["deck", "--section", "组织科", "--week", "2022-03-09", "-o", str(out)]) == 0
    prs = Presentation(io.BytesIO(out.read_bytes()))
    assert any("组织科" in s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    assert main(["deck", "--week", "2022-03-09", "-o", str(out)]) == 2  # a week needs its section
    assert main(["posting", "--month", "2022-03", "-o", str(tmp_path / "公示.xlsx")]) == 0
    assert (tmp_path / "公示.xlsx").stat().st_size > 10_000
    assert main(["publish", "--month", "2022-03"]) == 0
    assert main(["publish", "--month", "2022-03"]) == 1
    assert "已经公示" in capsys.readouterr().err
    assert main(["diff", "--month", "2022-03"]) == 1
    assert main(["deputies"]) == 0
    assert "按人员名单职务推定" in capsys.readouterr().out
    con = open_db(db)
    try:
        assert con.execute("select count(*) from posting_version").fetchone()[0] == 1
    finally:
        con.close()
