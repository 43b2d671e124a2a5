"""Editing the rule book: edited parameters, changes in words, tables, history and saving a new version."""

from dataclasses import replace
from datetime import date

import pytest

from analytics.errors import RuleBookError
from analytics.rules import rule_edit
from analytics.rules import rulebook as rb
from analytics.store.db import data_version
from tests.conftest import load


def test_with_params_replaces_and_rounds_integers(con):
    book = rb.current(con.cursor())
    edited = rule_edit.with_params(book, {"star_top_n": 4.6, "content_star_threshold": 2.5})
    assert edited.param("star_top_n") == 5
    assert edited.param("content_star_threshold") == 2.5
    assert edited.version_id is None and edited.source == "edit"
    # the original is untouched
    assert book.param("star_top_n") == 3


def test_with_params_refuses_out_of_range_unknown_and_empty(con):
    book = rb.current(con.cursor())
    with pytest.raises(RuleBookError, match="月度之星名额"):
        rule_edit.with_params(book, {"star_top_n": 0})
    with pytest.raises(RuleBookError, match="no_such"):
        rule_edit.with_params(book, {"no_such": 1})
    with pytest.raises(RuleBookError, match="不能为空"):
        rule_edit.with_params(book, {"star_top_n": None})
    with pytest.raises(RuleBookError, match="权重之和"):
        rule_edit.with_params(book, {"flag_weight_points": 0, "flag_weight_stars": 0, "flag_weight_tasks": 0})


def test_param_changes_and_default_note(con):
    book = rb.current(con.cursor())
    edited = rule_edit.with_params(book, {"star_top_n": 5, "light_stale_days": 21})
    changes = rule_edit.param_changes(book, edited)
    assert [c.key for c in changes] == ["star_top_n", "light_stale_days"]
    assert changes[0].text == "月度之星名额：3 → 5"
    assert rule_edit.default_note(book, edited) == "在线修改：月度之星名额：3 → 5；久未反馈天数：14 → 21"
    assert rule_edit.default_note(book, book) == "在线修改（内容未变）"


def test_book_changes_lists_items_added_removed_and_changed(con):
    book = rb.current(con.cursor())
    items = {i.code: i for i in book.items}
    changed = rb.Item("XC01", "宣传推广", items["XC01"].name, 2, 2, 5, False)
    added = rb.Item("XC09", "宣传推广", "理论文章在省级以上刊物发表", 1, 3, None, False)
    new_items = tuple(changed if i.code == "XC01" else i for i in book.items if i.code != "JL02") + (added,)
    edited = book.with_changes(items=new_items)
    lines = rule_edit.book_changes(book, edited)
    assert "新增事项 XC09「理论文章在省级以上刊物发表」（宣传推广，+1～+3 分）" in lines
    assert "删除事项 JL02「迟到早退、擅离岗位」" in lines
    assert "事项 XC01：分值 +1 → +2" in lines
    assert len(lines) == 3


def test_save_edit_creates_a_version_in_force_from_its_date(con):
    before_version = data_version(con.cursor())
    book = rb.current(con.cursor())
    edited = rule_edit.with_params(book, {"star_top_n": 5})
    version_id = rule_edit.save_edit(con, edited, date(2022, 7, 1), "管理员甲")
    cur = con.cursor()
    assert data_version(cur) == before_version + 1
    assert rb.in_force(cur, date(2022, 6, 30)).param("star_top_n") == 3
    saved = rb.in_force(cur, date(2022, 7, 1))
    assert saved.version_id == version_id and saved.param("star_top_n") == 5
    assert saved.source == "edit" and saved.created_by == "管理员甲"
    assert saved.note == "在线修改：月度之星名额：3 → 5"


def test_version_history_says_what_each_version_changed(con):
    book = rb.current(con.cursor())
    rule_edit.save_edit(con, rule_edit.with_params(book, {"star_top_n": 4}), date(2022, 4, 1), "甲", "四月起扩大名额")
    history = rule_edit.version_history(con.cursor())
    assert list(history["version_id"]) == [2, 1]
    assert list(history["changes"]) == ["月度之星名额：3 → 4", "初始规则"]
    assert list(history["source_label"]) == ["在线修改", "系统默认"]
    assert list(history["newest"]) == [True, False]
    assert history.loc[0, "note"] == "四月起扩大名额"


def test_uploaded_items_show_up_as_changes_in_history(con):
    rows = [["事项编号", "考核内容", "事项名称", "分值", "月度上限", "一票否决"]]
    rows += [
        [
            i.code,
            i.content,
            i.name,
            i.points_text.replace("～", "~").replace("+", ""),
            i.monthly_cap,
            "是" if i.veto else "否",
        ]
        for i in rb.current(con.cursor()).items
        if i.code != "ZL02"
    ]
    load(con, rows, "事项.xlsx", kind="rules", rules_effective=date(2022, 5, 1))
    history = rule_edit.version_history(con.cursor())
    assert history.loc[0, "changes"] == "删除事项 ZL02「文稿材料出现明显差错」"
    assert history.loc[0, "source_label"] == "上传事项表"


def test_effective_notes(con):
    cur = con.cursor()
    book = rb.current(cur)
    assert rule_edit.effective_notes(cur, book, date(2022, 5, 1)) == []
    assert rule_edit.effective_notes(cur, book, date(2021, 12, 1)) == [
        "生效日期 2021-12-01 不在活动年度 2022 年内。",
        "第 1 版自 2022-01-01 起施行，新版本只管到该日前一天。",
    ]
    assert rule_edit.effective_notes(cur, book, date(2022, 1, 1)) == ["第 1 版同样自该日起施行，保存后以新版本为准。"]


def test_book_tables(con):
    tables = rule_edit.book_tables(rb.current(con.cursor()))
    params = tables["params"].set_index("key")
    assert params.loc["star_top_n", "label"] == "月度之星名额"
    assert params.loc["star_top_n", "value"] == 3
    items = tables["items"].set_index("code")
    assert items.loc["JL03", "veto"] and items.loc["ZL01", "points"] == "+1～+3"
    ledgers = tables["ledgers"].set_index("name")
    assert ledgers.loc["组织保障专项台账", "planned"] == 22 and ledgers["planned"].isna().sum() == 4
    assert tables["contents"].set_index("name").loc["宣传推广", "star_name"] == "宣传推广之星"
    activities = tables["activities"].set_index("name")
    assert activities.loc["研学", "frequency"] == "每半月" and activities.loc["研学", "five_one"]
    assert activities.loc["每日鉴学", "frequency"] == "不定期"
    assert list(tables["stages"]["name"]) == ["领办登记", "全程督查", "即时反馈", "办结销号"]


# Stored 加减分 keep the item they count by: a change of versions that would leave one without it is refused.

RULE_HEADER = ["事项编号", "考核内容", "事项名称", "分值", "月度上限", "一票否决"]
POINTS_HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]


def rule_rows(book, drop: str | None = None, extra: list | None = None) -> list[list]:
    rows = [RULE_HEADER]
    for i in book.items:
        if i.code != drop:
            text = i.points_text.replace("～", "~").replace("+", "")
            rows.append([i.code, i.content, i.name, text, i.monthly_cap, "是" if i.veto else "否"])
    return rows + ([extra] if extra else [])


def with_roster(con):
    load(con, [["姓名", "科室", "工号"], ["张三", "组织科", "A01"]], "名单.xlsx", today=date(2022, 1, 10))
    return con


def test_undoing_a_rules_upload_whose_new_item_stored_points_use_is_refused_naming_them(con):
    from analytics.errors import UndoRefused
    from analytics.sheets.ingest import undo

    with_roster(con)
    book = rb.current(con.cursor())
    rules = load(con, rule_rows(book, extra=["XY01", "学习提升", "新事项", 2, 2, "否"]), "事项.xlsx", kind="rules")
    points = load(
        con, [POINTS_HEADER, ["2022-03-02", "张三", "学习提升", "XY01", 2, "读书"]], "3月.xlsx", today=date(2022, 7, 1)
    )
    with pytest.raises(UndoRefused) as refused:
        undo(con, rules)
    text = str(refused.value)
    assert "1 条加减分" in text and f"批次 #{points}" in text and "XY01" in text, text
    assert con.execute("select status from import_batch where batch_id = ?", [rules]).fetchone()[0] == "committed"
    assert "XY01" in rb.current(con.cursor()).items_by_code
    undo(con, points)
    undo(con, rules)  # nothing uses the item now
    assert "XY01" not in rb.current(con.cursor()).items_by_code


def test_a_rules_upload_or_edit_dropping_or_repricing_an_item_stored_points_use_is_refused(con):
    from analytics.sheets.ingest import Options, import_bytes
    from tests.conftest import xlsx_bytes

    with_roster(con)
    points = load(
        con,
        [POINTS_HEADER, ["2022-04-02", "张三", "纪律作风", "JL03", -10, "被通报"]],
        "4月.xlsx",
        today=date(2022, 7, 1),
    )
    book = rb.current(con.cursor())
    preview, batch = import_bytes(
        con,
        xlsx_bytes({"事项": rule_rows(book, drop="JL03")}),
        "事项.xlsx",
        Options(kind="rules", rules_effective=date(2022, 4, 1), today=date(2022, 7, 1)),
    )
    assert batch is None
    text = " ".join(p.text() for p in preview.errors)
    assert f"批次 #{points}" in text and "JL03" in text and "事项不存在" in text, text
    # Effective after the event: the April row keeps its item, the upload goes in.
    load(con, rule_rows(book, drop="JL03"), "事项-五月.xlsx", kind="rules", rules_effective=date(2022, 5, 1))
    item = book.items_by_code["JL03"]
    repriced = tuple(
        replace(i, points_min=item.points_min - 1, points_max=item.points_min - 1) if i.code == "JL03" else i
        for i in book.items
    )
    with pytest.raises(RuleBookError, match="分值不在事项范围内"):
        rule_edit.save_edit(con, replace(book, items=repriced), date(2022, 1, 1), "管理员")
    assert len(rb.versions(con.cursor())) == 2


def test_undoing_a_rules_upload_whose_items_a_later_edit_carries_on_is_refused_until_that_edit_is_replaced(con):
    """An edit on the rules page starts from the book in force, so it copies the items an upload brought: undoing
    the upload would leave them in force from the edit's date. Refused, naming the version and the items; once a
    version without them replaces the edit, the undo goes through and the items are in force nowhere."""
    from analytics.errors import UndoRefused
    from analytics.sheets.ingest import undo

    book = rb.current(con.cursor())
    rules = load(con, rule_rows(book, extra=["XY01", "学习提升", "新事项", 2, 2, "否"]), "事项.xlsx", kind="rules")
    edited = rule_edit.with_params(rb.current(con.cursor()), {"star_top_n": 4})
    version = rule_edit.save_edit(con, edited, date(2022, 6, 1), "管理员")
    with pytest.raises(UndoRefused) as refused:
        undo(con, rules)
    assert f"第 {version} 版" in str(refused.value) and "XY01" in str(refused.value), str(refused.value)
    without = replace(edited, items=tuple(i for i in edited.items if i.code != "XY01"))
    rule_edit.save_edit(con, without, date(2022, 6, 1), "管理员")
    undo(con, rules)
    cur = con.cursor()
    assert all("XY01" not in rb.in_force(cur, day).items_by_code for day in (date(2022, 3, 1), date(2022, 7, 1)))
