"""The columns of the spreadsheet contract: what a column is (its key, the header a template writes, the other
headers accepted for it, its note and examples), and the columns several kinds share — 姓名, 科室, 工号, the event's
日期, 一票否决 — declared once so their synonyms cannot drift apart between kinds."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Column:
    key: str  # English name used in code and tables
    label: str  # the header a template writes
    synonyms: tuple[str, ...]  # other headers accepted as exactly this column
    required: bool = False
    note: str = ""  # what the template's comment says
    examples: tuple[object, object] = ("", "")
    choices: str | None = None  # a rule-book list for the template's dropdown: contents|activities|...
    width: int = 12
    in_template: bool = True  # False for alternative spellings of a column (加分/减分 beside 分值)
    excludes: tuple[str, ...] = ()  # a header holding one of these is never a near match (加减分值 is not 减分)
    # Where the label stands among the synonyms when two headers both name this column: 0 = first. The event date
    # puts 发生日期/考核日期/活动日期 ahead of its label 日期, and the dates of entry (登记日期) last.
    label_rank: int = 0


# Shared columns: every kind that names a person, a section or a date uses these, so synonyms cannot drift apart.
NAME = Column(
    "name",
    "姓名",
    ("名字", "人员", "人员姓名", "干部姓名", "姓 名", "被考核人", "参与人", "参加人员", "参会人员"),
    True,
    "必填。须在人员名单中",
    ("张三", "李四"),
    width=10,
)
SECTION = Column(
    "section",
    "科室",
    ("部门", "处室", "所在科室", "所在部门", "科 室", "所在处室"),
    False,
    "选填。重名时用于区分",
    ("组织科", "干部一科"),
    width=12,
)
# 编号 alone is a serial column (1, 2, 3 …), never a 工号.
STAFF_NO = Column(
    "staff_no",
    "工号",
    ("人员编号", "工作证号", "职工号", "员工编号"),
    False,
    "选填。名单中有重名时，填科室或工号之一",
    ("", ""),
    width=8,
)
# The date of the event first; the date of entry (登记/填报/录入日期) last, so with both the event's date wins.
ENTRY_DATE_WORDS = ("登记日期", "填报日期", "录入日期", "登记时间", "填报时间")
EVENT_WORDS = ("发生日期", "考核日期", "活动日期", "加减分日期")
DATE = (*EVENT_WORDS, "日 期", "记录日期", "时间", "月份", *ENTRY_DATE_WORDS)
EVENT_DATE = Column(
    "event_date",
    "日期",
    DATE,
    True,
    "必填。如 2022-03-05，也可写 2022年3月5日",
    ("2022-03-05", "2022-03-18"),
    width=12,
)


def event_date(extra: tuple[str, ...] = (), **changes) -> Column:
    """The shared date column, with a kind's own words for its event (擂台日期) ahead of the dates of entry."""
    words = tuple(w for w in DATE if w not in ENTRY_DATE_WORDS)
    return replace(
        EVENT_DATE, synonyms=(*extra, *words, *ENTRY_DATE_WORDS), label_rank=len(extra) + len(EVENT_WORDS), **changes
    )


# The person a row is about, as every kind naming one writes it: a name, and the section or 工号 that tells two
# people of that name apart.
PERSON = (NAME, SECTION, STAFF_NO)
VETO = Column("veto", "一票否决", ("是否一票否决", "否决"), False, "选填：是 / 否", ("否", "是"), width=10)
