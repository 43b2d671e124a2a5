"""数据导入's workbench through AppTest, signed in as a clerk: a misnamed column named in the matching step (the
errors vanish, the file commits), a match changed to 取负, the layout remembered for next month's sheet, several files
at once with commit-all, what was ignored, and the admin's list of remembered layouts."""

from __future__ import annotations

from apptest import no_exception, open_page, texts_of
from conftest import ROSTER, xlsx_bytes

from analytics import open_db
from analytics.sheets.ingest import sha256_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["日期", "姓名", "考核内容", "得分", "经过"]


def march() -> bytes:
    return xlsx_bytes({"3月": [HEADER, ["2022-03-05", "张三", "纪律作风", 1, "迟到"]]})


def april() -> bytes:
    return xlsx_bytes({"4月": [HEADER, ["2022-04-06", "李四", "纪律作风", 2, "缺席会议"]], "汇总": [["合计"]]})


def stored(db) -> list[tuple]:
    con = open_db(db)
    try:
        return con.execute(
            "select p.name, e.points, e.reason from score_event e join person p using (person_id)"
            " where p.name <> '孙七' order by event_date"
        ).fetchall()
    finally:
        con.close()


# A star already awarded in March and April. (The impact preview of a file that leaves no star before nor after fails
# in analytics/results/impact.py, outside this area: reported, not worked around here.)
BASE = [
    ["日期", "姓名", "考核内容", "分值", "事由"],
    ["2022-03-02", "孙七", "宣传推广", 3, "信息"],
    ["2022-04-02", "孙七", "宣传推广", 3, "信息"],
]


def with_roster(db):
    at = open_page("import", db, as_role="clerk")
    for name, content in (("名单.xlsx", xlsx_bytes({"名单": ROSTER})), ("基础.xlsx", xlsx_bytes({"s": BASE}))):
        at.file_uploader(key="import_files").upload(name, content, XLSX)
        at.run()
        at.button(key="commit_0").click()
        at.run()
    return at


def test_name_a_column_change_a_match_commit_and_next_month_asks_nothing(empty_db):
    at = with_roster(empty_db)
    content = march()
    tag = sha256_of(content)[:8]
    at.file_uploader(key="import_files").upload("三月.xlsx", content, XLSX)
    at.run()
    no_exception(at)
    page = texts_of(at)
    assert "缺少必填列“事由”" in page and "简要说明加减分原因" in page
    assert not any(b.key == "commit_0" for b in at.button)

    at.selectbox(key=f"missing_0_0_事由_{tag}").select("经过")
    at.run()
    no_exception(at)
    page = texts_of(at)
    assert "缺少必填列" not in page and "检查通过，可以导入" in page

    points_box = at.selectbox(key=f"match_0_0_3_分值:正_{tag}")
    assert points_box.value == "分值:正"
    points_box.select("分值:负")
    at.run()
    no_exception(at)
    assert "分值合计 -1" in texts_of(at)
    at.button(key="commit_0").click()
    at.run()
    no_exception(at)
    assert stored(empty_db) == [("张三", -1.0, "迟到")]

    # Next month: same headers, no question asked; the summary sheet beside it is listed as ignored. The 取负 chosen
    # for 分值 is not carried over: whether 分值 holds deductions depends on the sheet, not on its headers.
    at.file_uploader(key="import_files").upload("四月.xlsx", april(), XLSX)
    at.run()
    no_exception(at)
    page = texts_of(at)
    assert "按上次确认的对应关系" in page and "检查通过，可以导入" in page
    assert "未读取的工作表" in page and "「汇总」：工作表名称表明是汇总" in page
    at.button(key="commit_0").click()
    at.run()
    assert stored(empty_db)[-1] == ("李四", 2.0, "缺席会议")


def test_several_files_one_line_each_and_commit_all_the_clean_ones(empty_db):
    at = with_roster(empty_db)
    good = xlsx_bytes(
        {"3月": [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-05", "张三", "宣传推广", 1, "信息"]]}
    )
    other = xlsx_bytes(
        {"3月": [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-08", "王五", "宣传推广", 2, "简报"]]}
    )
    bad = xlsx_bytes(
        {"3月": [["日期", "姓名", "考核内容", "分值", "事由"], ["2022-03-06", "张3", "宣传推广", 1, "信息"]]}
    )
    uploader = at.file_uploader(key="import_files")
    uploader.set_value([("好.xlsx", good, XLSX), ("也好.xlsx", other, XLSX), ("有错.xlsx", bad, XLSX)])
    at.run()
    no_exception(at)
    page = texts_of(at)
    assert "本次上传的文件（3 个）" in page
    at.button(key="commit_all").click()
    at.run()
    no_exception(at)
    assert sorted(r[0] for r in stored(empty_db)) == ["张三", "王五"]


def test_an_admin_lists_and_deletes_remembered_layouts(empty_db):
    at = with_roster(empty_db)
    content = march()
    at.file_uploader(key="import_files").upload("三月.xlsx", content, XLSX)
    at.run()
    at.selectbox(key=f"missing_0_0_事由_{sha256_of(content)[:8]}").select("经过")
    at.run()
    at.button(key="commit_0").click()
    at.run()
    assert "记住的列对应关系" not in texts_of(at)  # a clerk does not manage them

    admin = open_page("import", empty_db, as_role="admin")
    page = texts_of(admin)
    assert "记住的列对应关系" in page and "经过=事由" in page
    admin.button(key="layout_delete").click()
    admin.run()
    no_exception(admin)
    assert "还没有记住的列对应关系" in texts_of(admin)


def test_commit_all_goes_past_a_file_found_stored_and_says_why_after_the_rerun(empty_db):
    # The second file holds only a row the first also holds: once the first is in, it is nothing new. The third,
    # unrelated, must still go in, and the refusal of the second must still be on the page after the rerun.
    at = with_roster(empty_db)
    header = ["日期", "姓名", "考核内容", "分值", "事由"]
    shared = ["2022-03-05", "张三", "宣传推广", 1, "信息被简报采用"]
    first = xlsx_bytes({"3月": [header, shared, ["2022-03-08", "王五", "宣传推广", 2, "简报"]]})
    copy = xlsx_bytes({"3月补": [header, shared]})
    third = xlsx_bytes({"4月": [header, ["2022-04-06", "李四", "工作质量", 2, "材料质量高"]]})
    at.file_uploader(key="import_files").set_value(
        [("一.xlsx", first, XLSX), ("二.xlsx", copy, XLSX), ("三.xlsx", third, XLSX)]
    )
    at.run(timeout=60)
    at.button(key="commit_all").click()
    at.run(timeout=60)
    no_exception(at)
    assert sorted(r[0] for r in stored(empty_db)) == ["张三", "李四", "王五"]
    assert [t.value for t in at.toast] == ["已导入 2 个文件。"]
    refused = " ".join(e.value for e in at.error)
    assert "「二\\.xlsx」未导入" in refused  # the file name escaped for Markdown, as everywhere on the page
