"""Import semantics: dry run, all-or-nothing commit, the same file twice, undo, task snapshots, roster updates."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ROSTER, load, xlsx_bytes

from analytics.errors import ImportRefused, UndoRefused
from analytics.sheets.ingest import Options, commit, import_bytes, list_batches, prepare, undo, write

HEADER = ["日期", "姓名", "考核内容", "分值", "事由"]
POINTS = [HEADER, ["2022-03-05", "张三", "宣传推广", 1, "信息"], ["2022-03-06", "李四", "工作质量", 2, "批示"]]


def counts(con) -> dict[str, int]:
    tables = [
        "score_event",
        "participation",
        "task_snapshot",
        "arena_mark",
        "person",
        "membership",
        "section",
        "rule_version",
    ]
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def test_dry_run_writes_nothing_and_previews_totals(roster_con):
    before = counts(roster_con)
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": POINTS}), "三月.xlsx", dry_run=True)
    assert batch is None and preview.ok
    assert counts(roster_con) == before
    by_content = preview.totals_by_content().set_index("考核内容")["分值合计"].to_dict()
    assert by_content == {"宣传推广": 1, "工作质量": 2}
    assert preview.totals_by_section().set_index("科室")["条数"].to_dict() == {"组织科": 2}
    assert preview.as_json()["points_total"] == 3.0


def test_commit_records_lineage_on_every_row(roster_con):
    batch = load(roster_con, xlsx_bytes({"3月": POINTS}, title="三月公示"), "三月.xlsx")
    rows = roster_con.execute("select batch_id, source_file, sheet, row_no from score_event order by row_no").fetchall()
    assert rows == [(batch, "三月.xlsx", "3月", 3), (batch, "三月.xlsx", "3月", 4)]


def test_the_same_file_twice_is_refused_saying_when(roster_con):
    content = xlsx_bytes({"3月": POINTS})
    load(roster_con, content, "三月.xlsx")
    before = counts(roster_con)
    preview, batch = import_bytes(roster_con, content, "改了名字.xlsx")
    assert batch is None
    message = preview.errors[0].message
    assert "已于" in message and "导入过" in message and "三月.xlsx" in message and "撤销" in message
    assert counts(roster_con) == before


def test_undo_removes_rows_and_history_shows_it_then_the_file_can_come_back(roster_con):
    content = xlsx_bytes({"3月": POINTS})
    batch = load(roster_con, content, "三月.xlsx")
    result = undo(roster_con, batch, "办公室")
    assert result["removed"]["score_event"] == 2
    assert counts(roster_con)["score_event"] == 0
    history = list_batches(roster_con.cursor()).set_index("batch_id")
    assert history.loc[batch, "status"] == "undone" and history.loc[batch, "undone_by"] == "办公室"
    with pytest.raises(UndoRefused):
        undo(roster_con, batch)
    assert load(roster_con, content, "三月.xlsx") != batch


def test_rows_already_imported_are_skipped_not_counted_twice(roster_con):
    load(roster_con, xlsx_bytes({"3月": POINTS}), "三月.xlsx")
    cumulative = POINTS + [["2022-03-20", "王五", "宣传推广", 1, "新的一条"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"一季度": cumulative}), "一季度累计.xlsx")
    assert batch is not None
    assert preview.rows_imported == 1 and preview.rows_skipped == 2
    assert any("不会重复计入" in w.message for w in preview.warnings)
    assert counts(roster_con)["score_event"] == 3


RETYPED = [
    "按时报送材料,质量较好",  # a half-width comma
    "按时报送材料， 质量较好",  # a space
    "按时报送材料，\u00a0质量较好",  # a non-breaking space
    "按时报送材料，\r\n质量较好",  # a line break
    "按时报送材料，质量较好 ",
]


@pytest.mark.parametrize("reason", RETYPED)
def test_a_reason_retyped_with_other_spaces_or_widths_is_the_same_event(roster_con, reason):
    first = [HEADER, ["2022-03-05", "张三", "工作质量", 2, "按时报送材料，质量较好"]]
    load(roster_con, xlsx_bytes({"3月": first}), "第一次.xlsx")
    again = [HEADER, ["2022-03-05", "张三", "工作质量", 2, reason], ["2022-03-06", "李四", "工作质量", 1, "批示"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": again}), "第二次.xlsx")
    assert batch is not None and preview.rows_imported == 1 and preview.rows_skipped == 1
    assert roster_con.execute("select count(*), sum(points) from score_event").fetchall() == [(2, 3.0)]


def test_reasons_that_differ_in_words_stay_two_events_and_retyped_ones_in_one_file_are_duplicates(roster_con):
    load(roster_con, xlsx_bytes({"3月": [HEADER, ["2022-03-05", "张三", "工作质量", 2, "按时报送材料"]]}), "一.xlsx")
    other = [HEADER, ["2022-03-05", "张三", "工作质量", 2, "按时报送材料（第二次）"]]
    load(roster_con, xlsx_bytes({"3月": other}), "二.xlsx")
    assert roster_con.execute("select count(*) from score_event").fetchall() == [(2,)]
    twice = [
        HEADER,
        ["2022-03-07", "王五", "工作质量", 1, "批示，落实"],
        ["2022-03-07", "王五", "工作质量", 1, "批示, 落实"],
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": twice}), "三.xlsx")
    assert batch is None and any("与第 2 行重复" in p.text() for p in preview.errors)


@pytest.mark.parametrize(
    "first, again",
    [
        ("信息被区委简报采用", "信息被区委简报采用。"),  # a closing full stop
        ("撰写“每日鉴学”经验，被推送", '撰写"每日鉴学"经验、被推送'),  # quotes WPS converted, 、 for ，
        ("学习《条例》心得被转载", "学习<条例>心得被转载"),  # 《》 typed as <>
        ("被评为“优秀”（第一季度）", "被评为'优秀'【第一季度】!"),
    ],
)
def test_a_reason_retyped_only_in_its_punctuation_is_the_same_event(roster_con, first, again):
    load(roster_con, xlsx_bytes({"3月": [HEADER, ["2022-03-05", "张三", "工作质量", 2, first]]}), "一.xlsx")
    second = [HEADER, ["2022-03-05", "张三", "工作质量", 2, again], ["2022-03-06", "李四", "工作质量", 1, "批示"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": second}), "二.xlsx")
    assert batch is not None and preview.rows_imported == 1 and preview.rows_skipped == 1
    assert roster_con.execute("select count(*) from score_event").fetchall() == [(2,)]


def test_punctuation_between_digits_and_other_words_still_tell_reasons_apart():
    from analytics.sheets.normalize import text_key

    assert text_key("完成第1.5条") != text_key("完成第15条")
    assert text_key("按时报送材料") != text_key("按时报送材料（第二次）")
    assert text_key("“信息”被采用。") == text_key("信息被采用")
    assert text_key("……") == "……"  # punctuation alone is kept, never taken for a blank


CODED = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]
BLANK_CODE = ["2022-03-05", "张三", "宣传推广", None, 1, "信息被采用"]
WITH_CODE = ["2022-03-05", "张三", "宣传推广", "XC01", 1, "信息被采用"]


def test_two_rows_of_one_file_equal_but_for_a_blank_item_code_are_one_event_as_across_files(roster_con):
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": [CODED, BLANK_CODE, WITH_CODE]}), "一个文件.xlsx")
    assert batch is None and any("第 3 行" in p.text() and "与第 2 行重复" in p.text() for p in preview.errors)
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": [CODED, BLANK_CODE, BLANK_CODE]}), "两行.xlsx")
    assert batch is None and any("与第 2 行重复" in p.text() for p in preview.errors)


def net_points(con):
    return con.execute("select sum(points), count(*), string_agg(item_code, ',') from score_event").fetchall()


def test_a_row_sent_again_that_fills_its_item_code_asks_for_the_earlier_batch_to_be_undone(roster_con):
    # Kept as first stored, the cap and veto of the item would depend on which file came first.
    first = load(roster_con, xlsx_bytes({"3月": [CODED, BLANK_CODE]}), "无编号.xlsx")
    coded = xlsx_bytes({"3月": [CODED, WITH_CODE]})
    preview, batch = import_bytes(roster_con, coded, "有编号.xlsx")
    assert batch is None
    message = " ".join(p.text() for p in preview.errors)
    assert "第 2 行" in message and f"撤销批次 #{first}" in message and "XC01" in message
    undo(roster_con, first)
    load(roster_con, coded, "有编号.xlsx")
    after_undo = net_points(roster_con)
    # The other order: the coded row first, the blank one sent again is the same event and adds nothing.
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": [CODED, BLANK_CODE]}), "无编号.xlsx")
    assert batch is None and preview.rows_skipped == 1
    assert net_points(roster_con) == after_undo == [(1.0, 1, "XC01")]


def test_a_filled_item_code_names_every_batch_holding_the_stored_event(roster_con):
    # Undoing only the batch that wrote the event hands it to the next one: the message names all of them.
    first = load(roster_con, xlsx_bytes({"3月": [CODED, BLANK_CODE]}), "一.xlsx")
    other = ["2022-03-07", "李四", "工作质量", None, 1, "简报采用"]
    second = load(roster_con, xlsx_bytes({"3月": [CODED, BLANK_CODE, other]}), "二.xlsx")
    coded = xlsx_bytes({"3月": [CODED, WITH_CODE]})
    preview, batch = import_bytes(roster_con, coded, "有编号.xlsx")
    message = " ".join(p.text() for p in preview.errors)
    assert batch is None and f"#{first}、#{second}" in message
    undo(roster_con, first)
    undo(roster_con, second)
    load(roster_con, coded, "有编号.xlsx")


VETO_HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由", "一票否决"]


@pytest.mark.parametrize(("stored", "sent"), [(None, "否"), ("否", None)])
def test_no_against_blank_on_an_item_that_vetoes_is_asked_about_either_way(roster_con, stored, sent):
    # 一票否决 blank follows the item (JL03 vetoes); 否 overrides it: which file came first would decide the veto.
    row = ["2022-03-05", "张三", "纪律作风", "JL03", -10, "违反保密纪律"]
    first = load(roster_con, xlsx_bytes({"3月": [VETO_HEADER, [*row, stored]]}), "一.xlsx")
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": [VETO_HEADER, [*row, sent]]}), "二.xlsx")
    message = " ".join(p.text() for p in preview.errors)
    assert batch is None and "一票否决" in message and f"撤销批次 #{first}" in message


@pytest.mark.parametrize(
    ("points", "reason", "column"), [(3, "材料获领导肯定", "分值"), (2, "材料获领导批示肯定", "事由")]
)
def test_a_row_like_a_stored_one_but_for_its_value_or_reason_is_warned_about(roster_con, points, reason, column):
    # By the identity rule it is another event; a clerk who corrected the row needs to know the old one stays.
    first = load(roster_con, xlsx_bytes({"1月": [HEADER, ["2022-01-10", "张三", "工作质量", 2, "材料获领导肯定"]]}))
    again = [HEADER, ["2022-01-10", "张三", "工作质量", points, reason], ["2022-01-12", "李四", "宣传推广", 1, "信息"]]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"1-2月": again}), "累计.xlsx")
    assert batch is not None
    said = [w.text() for w in preview.warnings if f"批次 #{first}" in w.text()]
    assert len(said) == 1 and "第 2 行" in said[0] and f"「{column}」" in said[0] and "+2" in said[0]
    assert "材料获领导肯定" in said[0] and "撤销批次" in said[0]


def test_a_veto_said_only_when_sent_again_is_asked_about_and_a_plain_no_is_not(roster_con):
    header = ["日期", "姓名", "考核内容", "分值", "事由", "一票否决"]
    row = ["2022-03-05", "李四", "纪律作风", -1, "迟到"]
    load(roster_con, xlsx_bytes({"3月": [header[:5], row]}), "无否决列.xlsx")
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": [header, [*row, "是"]]}), "否决.xlsx")
    assert batch is None and any("一票否决" in p.text() and "撤销批次" in p.text() for p in preview.errors)
    preview, batch = import_bytes(roster_con, xlsx_bytes({"3月": [header, [*row, "否"]]}), "不否决.xlsx")
    assert preview.rows_skipped == 1 and not any("一票否决" in p.text() for p in preview.errors)


def test_a_failure_in_the_middle_of_a_commit_leaves_the_database_unchanged(roster_con, monkeypatch):
    content = xlsx_bytes(
        {
            "人员": [["姓名", "科室"], ["新人", "研究室"]],
            "3月": POINTS,
            "参与": [["日期", "姓名", "活动类型"], ["2022-03-07", "张三", "荐学"]],
        }
    )
    preview = prepare(roster_con.cursor(), content, "合并.xlsx")
    assert preview.ok
    before = counts(roster_con)
    real = write._insert_facts
    calls = []

    def failing(cur, sheet, *args):
        calls.append(sheet.kind)
        if sheet.kind == "participation":
            raise RuntimeError("磁盘已满")
        return real(cur, sheet, *args)

    monkeypatch.setattr(write, "_insert_facts", failing)
    with pytest.raises(RuntimeError):
        commit(roster_con, preview)
    assert calls == ["points", "participation"]  # the roster and the points were written before the failure
    assert counts(roster_con) == before
    assert len(list_batches(roster_con.cursor())) == 1  # only the roster of the fixture


def test_commit_refuses_a_preview_with_errors(roster_con):
    preview = prepare(
        roster_con.cursor(), xlsx_bytes({"3月": [HEADER, ["2022-03-05", "无此人", "宣传推广", 1, "x"]]}), "x.xlsx"
    )
    with pytest.raises(ImportRefused):
        commit(roster_con, preview)


def test_commit_checks_again_when_data_changed_after_the_preview(roster_con):
    content = xlsx_bytes({"3月": POINTS})
    preview = prepare(roster_con.cursor(), content, "三月.xlsx")
    load(roster_con, content, "三月-同一份.xlsx")  # someone imported the same file meanwhile
    with pytest.raises(ImportRefused):
        commit(roster_con, preview)


TASKS = ["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"]


def snapshot_rows(con):
    return con.execute(
        "select task_code, updated_on, progress, batch_id from task_snapshot where superseded_by is null order by task_code, updated_on"
    ).fetchall()


def test_task_snapshot_of_the_same_task_and_date_is_replaced_and_undo_restores_it(roster_con):
    week1 = [
        TASKS,
        ["T1", "招商引资", "组织保障专项台账", "组织科", "2022-06-30", 20, "全程督查", "2022-03-04"],
        ["T2", "党员信息库", "基础夯实工程", "组织科", "2022-06-30", 10, "领办登记", "2022-03-04"],
    ]
    first = load(roster_con, xlsx_bytes({"台账": week1}), "第1周.xlsx")
    corrected = [
        TASKS,
        ["T1", "招商引资", "组织保障专项台账", "组织科", "2022-06-30", 25, "全程督查", "2022-03-04"],
        ["T1", "招商引资", "组织保障专项台账", "组织科", "2022-06-30", 40, "全程督查", "2022-03-11"],
    ]
    preview, second = import_bytes(roster_con, xlsx_bytes({"台账": corrected}), "第2周.xlsx")
    assert second is not None
    assert preview.rows_replaced == 1
    assert any("替换 1 条" in note for s in preview.sheets for note in s.notes)
    assert snapshot_rows(roster_con) == [
        ("T1", date(2022, 3, 4), 25.0, second),
        ("T1", date(2022, 3, 11), 40.0, second),
        ("T2", date(2022, 3, 4), 10.0, first),
    ]
    undo(roster_con, second)
    assert snapshot_rows(roster_con) == [("T1", date(2022, 3, 4), 20.0, first), ("T2", date(2022, 3, 4), 10.0, first)]


def test_undoing_a_middle_replacement_keeps_the_latest(roster_con):
    row = ["T1", "招商引资", "组织保障专项台账", "组织科", "2022-06-30", 20, "全程督查", "2022-03-04"]
    a = load(roster_con, xlsx_bytes({"台账": [TASKS, row]}), "a.xlsx")
    b = load(roster_con, xlsx_bytes({"台账": [TASKS, row[:5] + [30] + row[6:]]}), "b.xlsx")
    c = load(roster_con, xlsx_bytes({"台账": [TASKS, row[:5] + [35] + row[6:]]}), "c.xlsx")
    undo(roster_con, b)
    assert snapshot_rows(roster_con) == [("T1", date(2022, 3, 4), 35.0, c)]
    undo(roster_con, c)
    assert snapshot_rows(roster_con) == [("T1", date(2022, 3, 4), 20.0, a)]


def roster_state(con):
    return con.execute(
        """
        select p.name, p.staff_no, p.title, p.left_on, s.name, m.valid_from, m.valid_to
        from person p join membership m using (person_id) join section s using (section_id)
        order by p.name, m.valid_from
        """
    ).fetchall()


def test_roster_upload_inserts_updates_moves_and_marks_leavers_and_undo_restores(roster_con):
    before = roster_state(roster_con)
    update = [
        ["姓名", "科室", "职务", "工号", "状态", "调整日期"],
        ["张三", "组织科", "副部长", "A01", "在岗", ""],  # new title
        ["李四", "干部二科", "科员", "A02", "在岗", "2022-07-01"],  # moved
        ["王五", "干部一科", "科长", "B01", "调离", "2022-08-01"],  # left
        ["赵六", "干部一科", "科员", "B02", "", ""],
        ["孙七", "干部二科", "科员", "C01", "", ""],
        ["周八", "研究室", "科员", "D01", "", "2022-07-01"],  # new person, new section
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"名单": update}), "七月名单.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    summary = preview.sheets[0].notes[0]
    assert (
        "新增 1 人" in summary
        and "调整科室 1 人" in summary
        and "标记离岗 1 人" in summary
        and "更新信息 1 人" in summary
    )
    state = {(r[0], r[5]): r for r in roster_state(roster_con)}
    assert state[("李四", date(2022, 7, 1))][4] == "干部二科"
    assert state[("李四", date(2022, 1, 1))][6] == date(2022, 6, 30)
    assert state[("王五", date(2022, 1, 1))][3] == date(2022, 8, 1)
    assert state[("张三", date(2022, 1, 1))][2] == "副部长"
    assert state[("周八", date(2022, 7, 1))][4] == "研究室"
    undo(roster_con, batch)
    assert roster_state(roster_con) == before
    assert "研究室" not in [r[0] for r in roster_con.execute("select name from section").fetchall()]


def test_mark_missing_people_as_left(roster_con):
    shorter = [ROSTER[0]] + ROSTER[1:4]
    preview, batch = import_bytes(
        roster_con,
        xlsx_bytes({"名单": shorter}),
        "新名单.xlsx",
        Options(mark_missing_left=True, today=date(2022, 9, 1)),
    )
    assert batch is not None
    left = roster_con.execute("select name, left_on from person where left_on is not null order by name").fetchall()
    assert left == [("孙七", date(2022, 9, 1)), ("赵六", date(2022, 9, 1))]


def test_points_follow_the_section_on_the_event_date(roster_con):
    move = [["姓名", "科室", "工号", "调整日期"], ["李四", "干部二科", "A02", "2022-07-01"]]
    load(roster_con, xlsx_bytes({"名单": move}), "调动.xlsx")
    load(
        roster_con,
        [HEADER, ["2022-06-30", "李四", "宣传推广", 1, "调动前"], ["2022-07-01", "李四", "宣传推广", 1, "调动后"]],
        "p.xlsx",
    )
    got = roster_con.execute(
        "select e.reason, s.name from score_event e join section s using (section_id) order by e.event_date"
    ).fetchall()
    assert got == [("调动前", "组织科"), ("调动后", "干部二科")]


def test_undoing_a_roster_that_later_imports_rely_on_is_refused(con):
    roster_batch = load(con, ROSTER, "名单.xlsx")
    load(con, POINTS, "p.xlsx")
    with pytest.raises(UndoRefused) as caught:
        undo(con, roster_batch)
    assert "p.xlsx" in caught.value.message


def test_rules_upload_creates_a_version_from_its_effective_date(roster_con):
    items = [
        ["事项编号", "考核内容", "事项名称", "分值", "月度上限", "一票否决"],
        ["XC01", "宣传推广", "信息被采用", 2, 10, "否"],
        ["JL03", "纪律作风", "违反廉洁纪律", -10, "", "是"],
    ]
    preview, batch = import_bytes(
        roster_con, xlsx_bytes({"事项": items}), "新事项.xlsx", Options(rules_effective=date(2022, 7, 1))
    )
    assert batch is not None, [p.text() for p in preview.errors]
    versions = roster_con.execute("select effective_from from rule_version order by version_id").fetchall()
    assert versions == [(date(2022, 1, 1),), (date(2022, 7, 1),)]
    june = [HEADER[:2] + ["事项编号", "分值", "事由"], ["2022-06-05", "张三", "XC01", 1, "六月信息"]]
    july = [HEADER[:2] + ["事项编号", "分值", "事由"], ["2022-07-05", "张三", "XC01", 2, "七月信息"]]
    load(roster_con, june, "六月.xlsx")
    july_batch = load(roster_con, july, "七月.xlsx")
    wrong = prepare(
        roster_con.cursor(), xlsx_bytes({"s": [july[0], ["2022-07-06", "张三", "XC01", 1, "按旧分值"]]}), "x.xlsx"
    )
    assert "+2" in wrong.errors[0].message
    # The July +2 would be outside XC01 of the version left: the undo waits for the July file's.
    with pytest.raises(UndoRefused, match=f"批次 #{july_batch}"):
        undo(roster_con, batch)
    undo(roster_con, july_batch)
    undo(roster_con, batch)
    assert roster_con.execute("select count(*) from rule_version").fetchone()[0] == 1


def test_blank_optional_roster_cells_stay_blank_and_a_same_roster_changes_nothing(con):
    rows = [["姓名", "科室", "职务", "人员类别", "工号"], ["李四", "组织科", "", None, None]]
    load(con, rows, "名单.xlsx")
    assert con.execute("select title, category, staff_no from person").fetchall() == [(None, None, None)]
    again = rows + [["王五", "组织科", None, None, None]]
    preview, batch = import_bytes(con, xlsx_bytes({"名单": again}), "名单2.xlsx")
    assert batch is not None
    assert preview.sheets[0].notes[0].startswith("新增 1 人，未变 1 人")


@pytest.mark.parametrize(
    "written, low, high",
    [
        ("-2～+2", -2.0, 2.0),  # scored either way
        ("－２～＋２分", -2.0, 2.0),
        ("-2～-5", -2.0, -5.0),
        ("-2～5", -2.0, -5.0),  # the minus read for both ends: 扣 2 到 5 分
        ("-(2～5)", -2.0, -5.0),
        ("扣2～5分", -2.0, -5.0),
        ("2～5", 2.0, 5.0),
        ("+1~+3", 1.0, 3.0),
        ("1-3分", 1.0, 3.0),
        (3, 3.0, 3.0),
        ("-0.5", -0.5, -0.5),
    ],
)
def test_rule_item_points_read_the_signs_written_on_both_ends(written, low, high):
    from analytics.sheets.checks.rules import _parse_item_points

    assert _parse_item_points(written) == ((low, high), None)


@pytest.mark.parametrize("written", ["-(2～+5)", "扣+2~5", "加-1~3", "2~"])
def test_rule_item_points_that_contradict_themselves_are_refused(written):
    from analytics.sheets.checks.rules import _parse_item_points

    value, problem = _parse_item_points(written)
    assert value is None and problem
