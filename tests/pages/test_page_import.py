"""数据导入 page through AppTest: upload through st.file_uploader, preview, commit, undo, templates, demo controls."""

from __future__ import annotations

import re
import shutil

from apptest import no_exception, open_page, texts_of
from conftest import ROSTER, csv_bytes, load, xlsx_bytes
from ledgers import TASK_HEADER

from analytics import open_db
from ui import tables

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POINTS = [
    ["2022年3月加减分公示"],
    ["序号", "日期", "姓名", "考核内容", "分值", "事由"],
    [1, "2022-03-05", "张三", "宣传推广", "＋２", "信息被采用"],
    [2, "2022.3.6", "李 四", "工作质量", 1, "批示"],
    ["合计", None, None, None, 3, None],
]


def rows_in(db, table: str) -> int:
    con = open_db(db)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def test_empty_database_offers_templates_and_the_demo(empty_db):
    at = open_page("import", empty_db)
    no_exception(at)
    assert at.title[0].value == "数据导入"
    labels = [b.label for b in at.get("download_button")]
    assert {"人员名单", "加减分记录", "参与记录", "任务台账", "擂台评分", "加减分事项"} <= set(labels)
    assert at.button(key="demo_load") is not None
    assert "还没有导入记录" in texts_of(at)


def test_upload_preview_commit_and_undo(empty_db):
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload("名单.xlsx", xlsx_bytes({"名单": ROSTER}), XLSX)
    at.run()
    no_exception(at)
    assert "检查通过，可以导入" in texts_of(at)
    at.button(key="commit_0").click()
    at.run()
    no_exception(at)
    assert "已导入「名单.xlsx」" in texts_of(at)
    # The committed file keeps the kind it was read as, not the 未识别 of a file already imported.
    assert "未识别" not in texts_of(at) and "名单.xlsx** · 人员名单" in texts_of(at)
    assert rows_in(empty_db, "person") == 5

    at.file_uploader(key="import_files").upload("三月.xlsx", xlsx_bytes({"3月": POINTS}), XLSX)
    at.run()
    page = texts_of(at)
    assert "加减分记录：2 行，分值合计 +3" in page
    assert "合计/小计行 1 行" in page
    assert "导入后的变化" in page and "将获得 2022年3月「月度之星」" in page
    at.button(key="commit_0").click()
    at.run()
    assert rows_in(empty_db, "score_event") == 2

    at.selectbox(key="undo_batch").select(2)
    at.button(key="undo_button").click()
    at.run()
    assert "确认撤销批次 #2（三月.xlsx，" in texts_of(at) and "#2（#2" not in texts_of(at)
    at.button(key="undo_confirm").click()
    at.run()
    no_exception(at)
    assert rows_in(empty_db, "score_event") == 0
    assert "已撤销" in texts_of(at)


def test_the_history_shows_a_page_of_batches_and_undoes_one_found_by_name(empty_db):
    # Years of weekly uploads are thousands of batches: the history and the undo choice stay one page long.
    con = open_db(empty_db)
    load(con, ROSTER, "名单.xlsx")
    header = ["日期", "姓名", "考核内容", "分值", "事由"]
    for n in range(1, tables.PAGE_SIZE + 6):
        day = f"2022-{(n - 1) // 28 + 1:02d}-{(n - 1) % 28 + 1:02d}"
        load(con, csv_bytes([header, [day, "张三", "宣传推广", 1, f"第{n}期"]]), f"周报{n:03d}.csv")
    con.close()
    batches = tables.PAGE_SIZE + 6  # the roster and the weekly files
    at = open_page("import", empty_db)
    no_exception(at)
    history = next(d.value for d in at.dataframe if "批次" in d.value.columns)
    assert len(history) == tables.PAGE_SIZE and int(history["批次"].iat[0]) == batches  # newest first
    assert any(f"共 {batches:,} 批" in c.value for c in at.caption)
    assert len(at.selectbox(key="undo_batch").options) == tables.PAGE_SIZE

    at.text_input(key="batches_search").input("周报003").run()
    history = next(d.value for d in at.dataframe if "批次" in d.value.columns)
    assert list(history["文件"]) == ["周报003.csv"]
    choice = at.selectbox(key="undo_batch")
    assert len(choice.options) == 1
    at.button(key="undo_button").click().run()
    at.button(key="undo_confirm").click().run()
    no_exception(at)
    con = open_db(empty_db)
    try:
        gone = con.execute("select file_name from import_batch where status = 'undone'").fetchall()
    finally:
        con.close()
    assert gone == [("周报003.csv",)]


def test_errors_are_listed_with_row_and_column_and_block_the_commit(empty_db):
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload("名单.xlsx", xlsx_bytes({"名单": ROSTER}), XLSX)
    at.run()
    at.button(key="commit_0").click()
    at.run()
    bad = [POINTS[1], [1, "2022-03-05", "张3", "宣传推广", 1, "信息"]]
    at.file_uploader(key="import_files").upload("有错.xlsx", xlsx_bytes({"3月": bad}), XLSX)
    at.run()
    no_exception(at)
    page = texts_of(at)
    assert "发现 1 处错误" in page and "不在人员名单中" in page and "张三" in page
    assert not [b for b in at.button if b.key == "commit_0"]
    assert "下载标注错误的表格" in [b.label for b in at.get("download_button")]


def test_demo_year_can_be_cleared(demo_db, tmp_path):
    db = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_db, db)
    at = open_page("import", db)
    assert "演示" in texts_of(at)
    at.button(key="demo_clear").click()
    at.run()
    at.button(key="demo_clear_confirm").click()
    at.run()
    no_exception(at)
    assert rows_in(db, "score_event") == 0


def test_a_same_name_row_is_decided_on_the_page(empty_db):
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload("名单.xlsx", xlsx_bytes({"名单": ROSTER}), XLSX)
    at.run()
    at.button(key="commit_0").click()
    at.run()
    moved = xlsx_bytes({"新名单": [["姓名", "科室"], ["张三", "干部二科"]]})
    at.file_uploader(key="import_files").upload("新名单.xlsx", moved, XLSX)
    at.run()
    no_exception(at)
    page = texts_of(at)
    assert "需要您确认的人员名单行" in page and "新增同名人员" in page
    assert not any(b.key == "commit_0" for b in at.button)  # refused until decided
    choice = next(r for r in at.radio if r.key.startswith("decide_0_0"))
    choice.set_value("move").run()
    no_exception(at)
    assert "检查通过，可以导入" in texts_of(at)
    at.button(key="commit_0").click()
    at.run()
    no_exception(at)
    con = open_db(empty_db)
    try:
        sections = con.execute(
            """
            select s.name from person p join membership m using (person_id) join section s using (section_id)
            where p.name = '张三' and m.valid_to is null
            """
        ).fetchall()
    finally:
        con.close()
    assert sections == [("干部二科",)]


# A file and a sheet whose names are Markdown, HTML and LaTeX: every place the page names them shows the text.
HOSTILE_FILE = "**粗体**[链接](https:example.com)_斜_ <b>x</b> ~~删~~.xlsx"
HOSTILE_SHEET = "3月<b>粗 _斜_ ~~删~~ $x^2$"
# Markdown that would act in what the page sends: a sign not preceded by the escaping backslash.
LIVE_MARKUP = re.compile(r"(?<!\\)\*\*粗|(?<!\\)\[链接|(?<!\\)\$x|(?<!\\)<b>|(?<!\\)~~删|(?<!\\)_斜")


def markdown_sent(at) -> str:
    """Every Markdown source the page sends, as it is sent (escapes kept), with widget labels."""
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "info", "success", "warning", "error", "subheader", "toast")
        for e in getattr(at, kind, [])
    ]
    parts += [str(getattr(w, "label", "")) for kind in ("radio", "selectbox", "expander") for w in at.get(kind)]
    return "\n".join(parts)


def test_file_and_sheet_names_are_shown_as_text_not_markdown(empty_db):
    con = open_db(empty_db)
    load(con, ROSTER, "名单.xlsx")
    con.close()
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload(HOSTILE_FILE, xlsx_bytes({HOSTILE_SHEET: POINTS}), XLSX)
    at.run()
    no_exception(at)
    sent = markdown_sent(at)
    assert not LIVE_MARKUP.search(sent), LIVE_MARKUP.search(sent)
    con = open_db(empty_db)
    at.button(key="commit_0").click().run()
    no_exception(at)
    stored = con.execute("select file_name from import_batch order by batch_id desc limit 1").fetchone()[0]
    con.close()
    sent = markdown_sent(at)
    assert not LIVE_MARKUP.search(sent), LIVE_MARKUP.search(sent)
    # The preview and the success message name the file as it was recorded.
    assert f"已导入「{stored}」" in texts_of(at)
    at.selectbox(key="undo_batch").select(2)
    at.button(key="undo_button").click().run()
    sent = markdown_sent(at)
    assert "确认撤销批次 #2" in texts_of(at)
    assert not LIVE_MARKUP.search(sent), LIVE_MARKUP.search(sent)


def test_a_column_read_as_no_field_says_unused(empty_db):
    con = open_db(empty_db)
    load(con, ROSTER, "名单.xlsx")
    con.close()
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload("三月.xlsx", xlsx_bytes({"3月": POINTS}), XLSX)
    at.run()
    no_exception(at)
    frame = next(d.value for d in at.dataframe if "识别为" in d.value.columns)
    used = dict(zip(frame["表中列名"], frame["识别为"]))
    assert used["序号"] == "未使用"
    for d in at.dataframe:
        assert "None" not in d.value.astype(str).to_string()


def test_hidden_rows_are_decided_on_the_page(empty_db):
    import io

    import openpyxl

    load_roster = open_db(empty_db)
    try:
        load(load_roster, xlsx_bytes({"名单": ROSTER}), "名单.xlsx")
    finally:
        load_roster.close()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "加减分"
    for row in (
        ["日期", "姓名", "考核内容", "分值", "事由"],
        ["2022-03-05", "张三", "宣传推广", 2, "信息被采用"],
        ["2022-03-06", "李四", "纪律作风", -1, "迟到（作废）"],
    ):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload("加减分.xlsx", buffer.getvalue(), XLSX)
    at.run()
    no_exception(at)
    page = texts_of(at)
    assert "请您确认" in page and "这一行在 Excel 中被隐藏" in page
    assert any("「加减分」第 3 行在 Excel 中被隐藏" in r.label for r in at.radio)
    assert not any(b.key == "commit_0" for b in at.button)
    next(r for r in at.radio if r.key.startswith("decide_0_0")).set_value("exclude").run()
    no_exception(at)
    assert "检查通过，可以导入" in texts_of(at)
    at.button(key="commit_0").click()
    at.run()
    assert rows_in(empty_db, "score_event") == 1


def task_row(code, progress, on):
    return [
        code,
        f"任务{code}",
        "基础夯实工程",
        "组织科",
        "张三",
        "2022-02-01",
        "2022-12-31",
        progress,
        "全程督查",
        "",
        on,
    ]


def with_ledger(db) -> None:
    """The roster and a ledger of 03-04 (ZB-01 at 80 %, ZB-02 at 50 %)."""
    con = open_db(db)
    try:
        load(con, xlsx_bytes({"名单": ROSTER}), "名单.xlsx")
        rows = [TASK_HEADER, task_row("ZB-01", 80, "2022-03-04"), task_row("ZB-02", 50, "2022-03-04")]
        load(con, xlsx_bytes({"台账": rows}), "台账0304.xlsx")
    finally:
        con.close()


def test_a_single_drop_in_progress_is_asked_on_its_own_without_the_confirm_all_button(empty_db):
    with_ledger(empty_db)
    at = open_page("import", empty_db)
    content = xlsx_bytes(
        {"台账": [TASK_HEADER, task_row("ZB-01", 8, "2022-03-11"), task_row("ZB-02", 60, "2022-03-11")]}
    )
    at.file_uploader(key="import_files").upload("台账0311.xlsx", content, XLSX)
    at.run()
    no_exception(at)
    assert [r.options for r in at.radio if "进度确实下降，照常导入" in r.options]
    assert not any(b.key == "confirm_drops_0" for b in at.button)


def test_drops_in_progress_are_confirmed_all_at_once_on_the_page_and_other_questions_stay(empty_db):
    import io

    import openpyxl

    with_ledger(empty_db)
    book = openpyxl.load_workbook(
        io.BytesIO(
            xlsx_bytes(
                {
                    "台账": [
                        TASK_HEADER,
                        task_row("ZB-01", 8, "2022-03-11"),
                        task_row("ZB-02", 40, "2022-03-11"),
                        task_row("ZB-03", 75, "2022-03-04"),
                        task_row("ZB-03", 70, "2022-03-11"),
                        task_row("ZB-04", 30, "2022-03-11"),
                    ]
                }
            )
        )
    )
    book["台账"].row_dimensions[6].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    at = open_page("import", empty_db)
    at.file_uploader(key="import_files").upload("台账0311.xlsx", buffer.getvalue(), XLSX)
    at.run()
    no_exception(at)
    drops = [r for r in at.radio if "进度确实下降，照常导入" in r.options]
    assert len(drops) == 3 and all(r.value is None for r in drops)
    confirm_all = at.button(key="confirm_drops_0")
    assert confirm_all.label == "全部确认下降（共 3 处）"
    confirm_all.click().run()
    no_exception(at)
    # Every drop shows the choice made for it, as if clicked one by one; the hidden rows are still asked.
    drops = [r for r in at.radio if "进度确实下降，照常导入" in r.options]
    assert len(drops) == 3 and all(r.value == "confirm" for r in drops)
    hidden = next(r for r in at.radio if "被隐藏" in r.label)
    assert hidden.value is None and not any(b.key == "commit_0" for b in at.button)
    assert "进度一般不会下降" not in texts_of(at)
    assert at.button(key="confirm_drops_0").disabled
    # A rerun keeps them (the radios do not fall back to 暂不导入), and one can still be taken back on its own.
    at.run()
    assert all(r.value == "confirm" for r in at.radio if "进度确实下降，照常导入" in r.options)
    hidden.set_value("include").run()
    no_exception(at)
    assert "检查通过，可以导入" in texts_of(at)
    at.button(key="commit_0").click().run()
    no_exception(at)
    con = open_db(empty_db)
    try:
        stored = con.execute(
            "select task_code, progress from task_snapshot where updated_on = date '2022-03-11' order by all"
        ).fetchall()
    finally:
        con.close()
    assert stored == [("ZB-01", 8.0), ("ZB-02", 40.0), ("ZB-03", 70.0), ("ZB-04", 30.0)]
