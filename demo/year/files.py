"""The demo year's files, one per upload: rosters, the rule change, points, participation, tasks and arenas,
each quarter in its clerk's own layout; build_files gives them in upload order."""

from __future__ import annotations

import functools
import random
from datetime import date, datetime
from typing import Any

from demo.year.days import _next_workday
from demo.year.model import _Mark, _Year
from demo.year.plan import _QUARTER_WORDS, DEFAULT_YEAR, MOVE_ON, RAISED_ITEM, RULES_FROM, SECTION_NAMES
from demo.year.simulate import _simulate_year
from demo.year.workbook import _clerk, _date_cell, _Sheet, _signature, _with_blanks, _workbook


def _roster_file(y: _Year, july: bool) -> tuple[str, bytes]:
    on = y.day(*MOVE_ON) if july else date(y.year, 1, 4)
    people = [p for p in y.people if july or p.joined is None]
    order = {name: n for n, name in enumerate(SECTION_NAMES)}
    # People who came into a section in July are listed after the section's own people.
    people.sort(key=lambda p: (order[p.section_on(on)], p.section_on(on) != p.section or p.joined is not None))
    rows = []
    for n, p in enumerate(people, start=1):
        # Two-character names are padded with a full-width space, as Chinese name lists line them up.
        name = f"{p.name[0]}\u3000{p.name[1]}" if len(p.name) == 2 and not july else p.name
        if not july:
            rows.append([n, p.section, name, p.title, p.category, p.staff_no])
            continue
        status, changed, remark = "在岗", None, None
        if p.moved:
            changed, remark = p.moved[0], f"岗位交流（原{p.section}）"
        if p.left:
            status, changed, remark = "调离", p.left, "调任区委办"
        if p.joined:
            changed, remark = p.joined, "新录用选调生"
        if p.new_title:
            remark = f"{y.day(*MOVE_ON).month}月任{p.new_title}"
        rows.append(
            [n, p.section_on(on), name, p.new_title or p.title, p.category, p.staff_no, status, changed, remark]
        )
    if july:
        headers = ["序号", "所在科室", "姓名", "职务", "人员类别", "工号", "状态", "调整日期", "备注"]
        title = f"区委组织部机关干部名单（{y.year}年7月调整）"
        name = "人员名单（7月调整）.xlsx"
    else:
        headers = ["序号", "科室", "姓名", "职务", "人员类别", "工号"]
        title = f"区委组织部机关干部名单（{y.year}年1月）"
        name = "人员名单.xlsx"
    sheet = _Sheet(
        "干部名单",
        title,
        headers,
        rows,
        merge_down=1,
        footer=[[], ["注：人员类别中“青年干部”指35周岁以下干部；重名人员以工号区分。"]],
    )
    return name, _workbook([sheet], datetime(on.year, on.month, on.day, 9, 30))


def _rules_file(y: _Year) -> tuple[str, bytes]:
    rows = []
    for n, item in enumerate(y.book.items, start=1):
        low, high = item.points_min, item.points_max
        note = None
        if item.code == RAISED_ITEM:
            low = high = y.value(item.code, y.rules_from)
            note = f"自{RULES_FROM[0]}月{RULES_FROM[1]}日起由{item.points_min:g}分调整为{low:g}分"
        points: Any = low if low == high else f"{low:g}~{high:g}"
        rows.append(
            [n, item.code, item.content, item.name, points, item.monthly_cap, "是" if item.veto else "否", note]
        )
    sheet = _Sheet(
        "加减分事项",
        f"{y.year}年度“作风能力提升年”考核办法加减分事项（修订）",
        ["序号", "事项编号", "考核内容", "事项名称", "分值", "月度上限", "一票否决", "备注"],
        rows,
    )
    stamp = datetime(y.year, 6, 28, 16, 0)
    return f"加减分事项（{RULES_FROM[0]}月{RULES_FROM[1]}日起施行）.xlsx", _workbook([sheet], stamp)


# Per quarter: column headers (with the key each holds), date style, how points are written.
_POINT_LAYOUTS = (
    (
        (
            ("序号", "seq"),
            ("日期", "date"),
            ("姓名", "name"),
            ("科室", "section"),
            ("考核内容", "content"),
            ("事项编号", "code"),
            ("分值", "points"),
            ("事由", "reason"),
            ("依据/佐证", "evidence"),
            ("登记人", "recorder"),
        ),
        "real",
        "number",
    ),
    (
        (
            ("序号", "seq"),
            ("部门", "section"),
            ("姓名", "name"),
            ("日期", "date"),
            ("考核项目", "content"),
            ("事项编号", "code"),
            ("加减分", "points"),
            ("加减分事由", "reason"),
            ("佐证材料", "evidence"),
            ("记录人", "recorder"),
        ),
        "cn",
        "number",
    ),
    (
        (
            ("序号", "seq"),
            ("登记日期", "date"),
            ("姓名", "name"),
            ("所在科室", "section"),
            ("考核类别", "content_class"),
            ("加减分编号", "code"),
            ("得分", "points"),
            ("具体事由", "reason"),
            ("依据", "evidence"),
            ("经办人", "recorder"),
        ),
        "dot",
        "signed",
    ),
    (
        (
            ("序号", "seq"),
            ("日期", "date"),
            ("姓名", "name"),
            ("科室", "section"),
            ("考核内容", "content"),
            ("事项代码", "code"),
            ("分值", "points"),
            ("加减分事由", "reason"),
            ("依据佐证", "evidence"),
            ("登记人", "recorder"),
        ),
        "real",
        "mixed",
    ),
)


def _points_cell(value: float, style: str, rng: random.Random) -> Any:
    text = f"{value:+g}"
    if style == "signed":
        return text
    if style == "mixed" and rng.random() < 0.04:
        return text.translate({ord(c): ord(c) + 0xFEE0 for c in "+-0123456789."})
    return value


def _points_file(y: _Year, quarter: int) -> tuple[str, bytes]:
    rng = y.rng
    layout, date_style, points_style = _POINT_LAYOUTS[quarter - 1]
    recorder = _clerk(y, quarter)
    order = {name: n for n, name in enumerate(SECTION_NAMES)}
    sheets = []
    for month in range(3 * quarter - 2, 3 * quarter + 1):
        events = [e for e in y.points if e.day.month == month]
        events.sort(key=lambda e: (e.day, order[e.person.section_on(e.day)], e.person.staff_no))
        rows = []
        for n, e in enumerate(events, start=1):
            content = y.book.item(e.code).content
            values = {
                "seq": n,
                "date": _date_cell(e.day, date_style),
                "name": e.person.name,
                "section": e.person.section_on(e.day),
                "content": content,
                "content_class": f"{content}类",
                "code": e.code,
                "points": _points_cell(e.points, points_style, rng),
                "reason": e.reason,
                "evidence": e.evidence,
                "recorder": recorder,
            }
            rows.append([values[key] for _, key in layout])
        keys = [key for _, key in layout]
        total = [None] * len(layout)
        total[keys.index("seq")] = "合计"
        total[keys.index("points")] = round(sum(e.points for e in events), 1)
        published = _next_workday(date(y.year + (month == 12), month % 12 + 1, 3))
        sheets.append(
            _Sheet(
                f"{month}月",
                f"{y.year}年{month}月加减分情况公示",
                [h for h, _ in layout],
                _with_blanks(rng, rows, 2),
                subtitle=f"填报单位：区委组织部办公室　　公示时间：{published.year}年{published.month}月{published.day}日",
                footer=[total, [], _signature(y, quarter)],
            )
        )
    stamp = datetime(y.year, 3 * quarter, 28, 17, 0)
    return f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度加减分情况.xlsx", _workbook(sheets, stamp)


# Activity names as each quarter's clerk wrote them (the importer knows these variants).
_ACTIVITY_WORDS = (
    {},
    {"荐学": "每周荐学", "研学": "支部研学", "游学": "主题党日", "评学": "党员大会"},
    {"荐学": "每周一文"},
    {"游学": "主题党日", "评学": "党员大会评学", "奖学": "总结大会"},
)
_PARTICIPATION_HEADERS = (
    ("序号", "日期", "姓名", "科室", "活动类型", "活动名称", "角色", "时长(小时)"),
    ("序号", "活动日期", "参加人员", "部门", "学习形式", "活动主题", "参与方式", "学时"),
    ("序号", "日期", "姓名", "所在科室", "活动类型", "活动内容", "角色", "时长（小时）"),
    ("序号", "日期", "姓名", "科室", "活动类别", "活动名称", "参与角色", "时长(小时)"),
)
_PARTICIPATION_SHEETS = (
    ("五个一学习", "“五个一”学习参与情况登记表", ("荐学", "研学", "游学", "评学", "奖学")),
    ("讲堂论坛", "组工讲堂、组工论坛及练兵比武登记表", ("组工讲堂", "组工论坛", "业务比武", "岗位练兵")),
    ("每日鉴学", "“每日鉴学”经验推送登记表", ("每日鉴学",)),
    (
        "实践活动",
        "一线实践、联企业联群众、志愿服务及考察学习登记表",
        ("一线实践", "联企业联群众", "志愿服务", "考察学习"),
    ),
    ("金点子", "“我为组织工作建言”金点子征集登记表", ("金点子",)),
)


def _participation_file(y: _Year, quarter: int) -> tuple[str, bytes]:
    rng = y.rng
    headers = list(_PARTICIPATION_HEADERS[quarter - 1])
    words = _ACTIVITY_WORDS[quarter - 1]
    date_style = ("real", "real", "slash", "cn")[quarter - 1]
    order = {name: n for n, name in enumerate(SECTION_NAMES)}
    months = range(3 * quarter - 2, 3 * quarter + 1)
    sheets = []
    for sheet_name, title, activities in _PARTICIPATION_SHEETS:
        rows_of = [a for a in y.attends if a.day.month in months and a.activity in activities]
        rows_of.sort(
            key=lambda a: (
                a.day,
                activities.index(a.activity),
                a.title,
                order[a.person.section_on(a.day)],
                a.person.staff_no,
            )
        )
        rows = []
        for n, a in enumerate(rows_of, start=1):
            name = a.person.name
            if quarter == 1 and len(name) == 2 and rng.random() < 0.05:
                name = f"{name[0]} {name[1]}"
            rows.append(
                [
                    n,
                    _date_cell(a.day, date_style),
                    name,
                    a.person.section_on(a.day),
                    words.get(a.activity, a.activity),
                    a.title,
                    a.role,
                    a.hours,
                ]
            )
        if rows:
            sheets.append(
                _Sheet(
                    sheet_name,
                    f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度{title}",
                    headers,
                    _with_blanks(rng, rows, 1),
                )
            )
    stamp = datetime(y.year, 3 * quarter, 30, 11, 0)
    return f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度学习活动参与情况.xlsx", _workbook(sheets, stamp)


_TASK_HEADERS = (
    (
        "序号",
        "任务编号",
        "任务名称",
        "台账类别",
        "责任科室",
        "责任人",
        "开始日期",
        "计划完成日期",
        "进度(%)",
        "当前环节",
        "最新进展",
        "更新日期",
    ),
    (
        "序号",
        "任务编号",
        "任务名称",
        "台账类别",
        "牵头科室",
        "负责人",
        "开始时间",
        "完成时限",
        "完成进度",
        "办理环节",
        "进展情况",
        "填报日期",
    ),
)


def _tasks_file(y: _Year, month: int) -> tuple[str, bytes]:
    # In even months another clerk kept the ledger: other headers, text dates, and either one sheet per week or
    # the progress as a fraction shown as a percentage.
    variant = month % 2 == 0
    weekly = month % 4 == 2
    fractions = month % 4 == 0
    headers = list(_TASK_HEADERS[1 if variant else 0])
    date_style = "dot" if variant else "real"
    rows_by_week: dict[date, list[list[Any]]] = {}
    for s in y.snapshots:
        if s["updated"].month != month:
            continue
        progress: Any = s["progress"] / 100 if fractions else int(s["progress"])
        ledger = "组织保障作用发挥专项台账" if variant and s["ledger"] == "组织保障专项台账" else s["ledger"]
        rows_by_week.setdefault(s["updated"], []).append(
            [
                None,
                s["code"],
                s["name"],
                ledger,
                s["section"],
                s["owner"],
                _date_cell(s["start"], date_style),
                _date_cell(s["due"], date_style),
                progress,
                s["stage"],
                s["note"],
                _date_cell(s["updated"], date_style),
            ]
        )
    sheets = []
    percent_column = headers.index("完成进度") if fractions else None
    if weekly:
        for friday, rows in sorted(rows_by_week.items()):
            for n, row in enumerate(rows, start=1):
                row[0] = n
            sheets.append(
                _Sheet(
                    f"{friday.month}月{friday.day}日",
                    f"作风能力提升年重点任务推进台账（截至{friday.month}月{friday.day}日）",
                    headers,
                    list(rows),
                    percent_column=percent_column,
                )
            )
    else:
        body: list[list[Any] | None] = []
        n = 0
        for _, rows in sorted(rows_by_week.items()):
            if body:
                body.append(None)
            for row in rows:
                n += 1
                row[0] = n
                body.append(row)
        last = max(rows_by_week) if rows_by_week else date(y.year, month, 1)
        sheets.append(
            _Sheet(
                "推进台账",
                f"作风能力提升年重点任务推进台账（{y.year}年{month}月）",
                headers,
                body,
                subtitle=f"更新至{last.month}月{last.day}日，每周五更新",
                footer=[[], _signature(y, (month + 2) // 3)],
            )
        )
    last_day = max(rows_by_week) if rows_by_week else date(y.year, month, 28)
    stamp = datetime(last_day.year, last_day.month, last_day.day, 17, 30)
    return f"任务台账推进情况（{y.year}年{month}月）.xlsx", _workbook(sheets, stamp)


_ARENA_HEADERS = (
    ("序号", "日期", "擂台", "主题", "选手", "评委", "得分"),
    ("序号", "比赛日期", "擂台名称", "比拼内容", "参赛选手", "评委姓名", "评分"),
)


def _arena_file(y: _Year, quarter: int) -> tuple[str, bytes] | None:
    months = range(3 * quarter - 2, 3 * quarter + 1)
    marks = [m for m in y.marks if m.day.month in months]
    if not marks:
        return None
    headers = list(_ARENA_HEADERS[(quarter - 1) % 2])
    sessions: dict[tuple[date, str], list[_Mark]] = {}
    for m in marks:
        sessions.setdefault((m.day, m.arena), []).append(m)
    sheets = []
    for (day, arena), rows_of in sessions.items():
        rows = [
            [n, day, m.arena, m.topic, m.contestant.name, m.judge.name, m.mark] for n, m in enumerate(rows_of, start=1)
        ]
        sheets.append(
            _Sheet(
                f"{day.month}月{day.day}日{arena}",
                f"{arena}评分汇总表（{day.year}年{day.month}月{day.day}日）",
                headers,
                rows,
            )
        )
    stamp = datetime(y.year, 3 * quarter, 29, 16, 0)
    return f"{y.year}年第{_QUARTER_WORDS[quarter - 1]}季度擂台评分.xlsx", _workbook(sheets, stamp)


@functools.lru_cache(maxsize=1)
def _files_for(year: int) -> tuple[tuple[str, bytes], ...]:
    # Loading again after a clear (or in the next test) need not build the same bytes twice.
    return tuple(build_files(year))


def build_files(year: int = DEFAULT_YEAR) -> list[tuple[str, bytes]]:
    """The demo year's workbooks as (file name, .xlsx bytes), in the order a department would have uploaded them.

    Deterministic: the same year always gives the same bytes."""
    y = _simulate_year(year)
    files = [_roster_file(y, july=False)]
    for quarter in range(1, 5):
        if quarter == 3:
            files.append(_rules_file(y))
            files.append(_roster_file(y, july=True))
        for month in range(3 * quarter - 2, 3 * quarter + 1):
            files.append(_tasks_file(y, month))
        files.append(_points_file(y, quarter))
        files.append(_participation_file(y, quarter))
        arena = _arena_file(y, quarter)
        if arena:
            files.append(arena)
    return files
