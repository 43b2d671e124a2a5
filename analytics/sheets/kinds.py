"""The spreadsheet contract as data: each sheet kind declared once — its columns (the shared 姓名/科室/工号/日期 ones
from columns.py), the table its rows are stored in, the columns that identify an event, the grouping columns a clerk
writes only on a group's first row, and its label. A kind of one person's events on a day (加减分, 参与) is declared
through person_events(), which states once what such kinds share.

Header recognition, the check dispatch, ingest, undo, the roster's re-sectioning, the trace, the catalog, templates
and the page's kind picker all read this one table: adding a kind is its declaration here, its migration and its
module in analytics/sheets/checks/."""

from __future__ import annotations

from dataclasses import dataclass, replace

from analytics.sheets.columns import NAME, PERSON, SECTION, STAFF_NO, VETO, Column, event_date


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    columns: tuple[Column, ...]
    # Groups of which at least one column must be present (考核内容 or 事项编号).
    one_of: tuple[tuple[str, ...], ...] = ()
    # Columns that, when present, make the kind clearly this one during detection.
    telltales: tuple[str, ...] = ()
    table: str | None = None  # the fact table its rows go to (None: roster and rules have their own tables)
    stored: tuple[str, ...] = ()  # the table's columns an import writes, besides lineage
    # An event's identity: rows equal on `identity` are the same event, and so are rows whose `detail` columns
    # differ only by one of them being blank (a re-sent row with 事项编号 now filled is not a second event).
    identity: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()
    # Identity columns of free text compared as a clerk reads them (normalize.text_key: full- and half-width alike,
    # spaces, line breaks and punctuation ignored): 事由 retyped with a half-width comma is the same event.
    loose: tuple[str, ...] = ()
    # Columns that change what an event counts for (事项编号: the cap and the veto; 一票否决). A row sent again with
    # one of them filled where the stored event has it blank or otherwise is asked about: kept as first stored, the
    # result would depend on which file came first; taken over, undoing the later file could not give it back.
    decisive: tuple[tuple[str, str], ...] = ()  # (stored column, the sheet's column key)
    decisive_effect: str = ""  # what such a change alters, in the user's words (said in the refusal)
    person_columns: tuple[str, ...] = ()  # stored columns naming a person
    date_column: str | None = None  # the stored column that places a row in a month
    live: str = "true"  # SQL condition of the rows in force (task snapshots can be superseded)
    # Grouping columns a clerk writes only on the first row of a group: blank cells below take the value above.
    fill_down: tuple[str, ...] = ()
    # (column, the columns that identify its group): such a column takes the value above only within its group. A
    # row whose own value in one of those columns differs from the row above starts another group and takes nothing
    # of the previous one (a task row with its own 任务编号 is another task: its blank 计划完成日期 is refused, not
    # the due date of the task above). A fill_down column not named here fills across groups (an outer group: the
    # 台账类别 over its tasks, the 日期 over its activities).
    fill_down_within: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The stored section follows the person: the section of the membership in force on the row's date, set again
    # whenever the person moves (a task's section is the lead section it names, and stays).
    section_follows_person: bool = False

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def fill_group(self, key: str) -> tuple[str, ...]:
        """The columns identifying the group within which a fill_down column takes the value above (none: it fills
        across groups)."""
        return next((group for column, group in self.fill_down_within if column == key), ())

    def labelled(self, label: str) -> Column | None:
        """The column whose template header is `label`, if any."""
        return next((c for c in self.columns if c.label == label), None)

    def missing(self, columns: dict[str, int]) -> list[str]:
        """The labels of required columns not among `columns`, then each one-of group none of whose columns is
        there (考核内容 或 事项编号)."""
        missing = [c.label for c in self.columns if c.required and c.key not in columns]
        for group in self.one_of:
            if not any(k in columns for k in group):
                missing.append(" 或 ".join(self.column(k).label for k in group))
        return missing

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    @property
    def template_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.in_template)

    @property
    def is_fact(self) -> bool:
        return self.table is not None

    @property
    def id_columns(self) -> tuple[str, ...]:
        """Stored columns holding a person's or a section's id (a roster in the same file may create either)."""
        return (*self.person_columns, *(c for c in self.stored if c == "section_id"))


def person_events(
    key: str,
    label: str,
    date: Column,
    columns: tuple[Column, ...],
    table: str,
    stored: tuple[str, ...],
    identity: tuple[str, ...],
    **more,
) -> Kind:
    """A kind whose rows are one person's events on a day (加减分, 参与): the date and the person (姓名/科室/工号)
    first, then its own columns; stored with the person, the section the person belonged to that day (following
    the person's moves), and the date that places the row in a month."""
    return Kind(
        key,
        label,
        (date, *PERSON, *columns),
        table=table,
        stored=("event_date", "person_id", "section_id", *stored),
        identity=identity,
        person_columns=("person_id",),
        date_column="event_date",
        section_follows_person=True,
        **more,
    )


ROSTER = Kind(
    "roster",
    "人员名单",
    (
        replace(NAME, note="必填。与其他表中的姓名一致"),
        replace(SECTION, required=True, note="必填。所在科室全称", width=14),
        Column("title", "职务", ("职务职级", "职级", "岗位"), False, "选填", ("科长", "科员"), width=10),
        Column(
            "category",
            "人员类别",
            ("类别", "人员类型", "身份"),
            False,
            "选填，例如 青年干部",
            ("", "青年干部"),
            width=10,
        ),
        replace(STAFF_NO, note="选填。重名时必须填写，用于区分", examples=("A001", "A002"), width=10),
        Column(
            "status",
            "状态",
            ("在岗状态", "人员状态"),
            False,
            "选填：在岗 / 离岗 / 调离 / 退休",
            ("在岗", "在岗"),
            width=8,
        ),
        Column(
            "changed_on",
            "调整日期",
            ("生效日期", "调入日期", "变动日期"),
            False,
            "选填。调整科室的日期（没有「离岗日期」列时也是状态写离岗的日期）；不填按导入当天",
            ("", ""),
            width=12,
        ),
        # The day a person left, apart from 调整日期: a roster often lists 调入日期 and 离岗日期 side by side, and a
        # list of leavers has 离岗日期 alone. A filled cell means the person left that day, with or without 状态.
        Column(
            "left_on",
            "离岗日期",
            ("离职日期", "退休日期", "调离日期", "调出日期", "离岗时间", "离职时间", "退休时间", "调离时间"),
            False,
            "选填。已离岗人员离开的日期；填写即按此日起离岗",
            ("", ""),
            width=12,
        ),
    ),
    telltales=("title", "category", "staff_no", "status"),
)

POINTS = person_events(
    "points",
    "加减分记录",
    event_date(),
    (
        Column(
            "content",
            "考核内容",
            ("考核项目", "考核类别", "考核内容类别", "内容类别"),
            False,
            "与事项编号至少填一项",
            ("宣传推广", "纪律作风"),
            "contents",
            width=12,
        ),
        Column(
            "item_code",
            "事项编号",
            ("加减分事项编号", "事项代码", "事项编码", "加减分编号", "项目编号"),
            False,
            "选填。加减分事项的编号，填写后按规则核对分值",
            ("XC01", "JL02"),
            "items",
            width=10,
        ),
        Column(
            "points",
            "分值",
            ("分数", "得分", "加减分", "加减分值", "积分", "分值(加减)"),
            False,
            "必填。加分为正，减分为负，如 2、-0.5",
            (1, -0.5),
            width=8,
        ),
        # 加分 and 减分 as two columns (often under a merged 加减分 header), or a lone 扣分 column of magnitudes.
        Column("points_plus", "加分", ("加分值", "奖励分"), in_template=False, excludes=("减", "扣")),
        Column(
            "points_minus",
            "减分",
            ("扣分", "减分值", "扣分值", "扣减分", "扣减分值"),
            in_template=False,
            excludes=("加",),
        ),
        # A column of 加分/扣分 (加/减, 奖/惩) words beside 分值 of amounts: it gives each row its sign. Found by
        # these headers, or by its values under any header (类别, 类型, 加减分: layout._with_direction); never a near
        # match (a header with 分, 事 or 号 in it is some other column).
        Column(
            "direction",
            "加/减",
            (
                "加减",
                "加或减",
                "加/扣",
                "加扣",
                "加扣分",
                "加/扣分",
                "加减方向",
                "方向",
                "性质",
                "加减性质",
                "奖惩",
                "奖/惩",
            ),
            in_template=False,
            excludes=("分", "事", "号", "由", "据", "值", "数", "容", "目"),
        ),
        Column(
            "reason",
            "事由",
            ("加减分事由", "原因", "理由", "具体事由", "事项", "加减分事项", "情况说明"),
            True,
            "必填。简要说明加减分原因",
            ("信息被区委简报采用", "迟到"),
            width=30,
        ),
        Column(
            "evidence",
            "依据/佐证",
            ("依据", "佐证", "佐证材料", "证明材料", "依据佐证"),
            False,
            "选填",
            ("区委简报第12期", "考勤记录"),
            width=18,
        ),
        Column(
            "recorder",
            "登记人",
            ("记录人", "填报人", "经办人", "登记"),
            False,
            "选填",
            ("王五", "王五"),
            width=10,
            excludes=("日期", "时间"),
        ),
        replace(VETO, note="选填：是 / 否。不填按事项规则判定", examples=("", ""), width=8),
    ),
    table="score_event",
    stored=("content", "item_code", "points", "reason", "evidence", "recorder", "veto_flag"),
    identity=("event_date", "person_id", "content", "points", "reason"),
    detail=("item_code",),
    loose=("reason",),
    decisive=(("item_code", "item_code"), ("veto_flag", "veto")),
    decisive_effect="会改变计分（月度上限、一票否决按此计算）",
    one_of=(("content", "item_code"), ("points", "points_plus", "points_minus")),
    telltales=("points", "reason", "item_code", "content", "points_minus", "points_plus"),
)

PARTICIPATION = person_events(
    "participation",
    "参与记录",
    event_date(("参加日期",), note="必填", examples=("2022-03-07", "2022-03-25")),
    (
        Column(
            "activity",
            "活动类型",
            ("活动类别", "学习形式", "活动形式", "类型"),
            True,
            "必填，从下拉列表选择",
            ("荐学", "组工论坛"),
            "activities",
            width=12,
        ),
        Column(
            "title",
            "活动名称",
            ("活动主题", "主题", "名称", "活动内容", "题目"),
            False,
            "选填",
            ("每周一文：xx", "青年组工干部分享"),
            width=24,
        ),
        Column("role", "角色", ("身份", "参与方式", "参与角色"), False, "选填：主讲 / 参与", ("参与", "主讲"), width=8),
        Column(
            "hours",
            "时长(小时)",
            ("时长", "学时", "小时数", "时长（小时）", "时间(小时)"),
            False,
            "选填，单位小时",
            (1, 2),
            width=10,
        ),
        # A sign-in list of everyone says who came: rows marked absent (否, 缺席, 请假, ×) are not imported. Not
        # stored: a row imported is a person who took part.
        Column(
            "attended",
            "是否参加",
            (
                *("是否参与", "是否出席", "是否到会", "是否签到", "参加情况", "参与情况", "出席情况", "到会情况"),
                *("参会情况", "出勤", "出勤情况", "签到", "签到情况", "考勤", "考勤情况"),
            ),
            False,
            "选填：是 / 否。填“否”（或 缺席、请假）的行不导入",
            ("是", "是"),
            width=10,
            in_template=False,
            excludes=("时间", "日期", "人", "天", "率", "数"),
        ),
    ),
    table="participation",
    stored=("activity", "title", "role", "hours"),
    identity=("event_date", "person_id", "activity"),
    detail=("title",),
    # 活动名称 tells one session of 组工讲堂 from another and 角色 who spoke: filled in or changed by a later file,
    # the counts would follow whichever file came first.
    decisive=(("title", "title"), ("role", "role")),
    decisive_effect="会改变参与统计（组工讲堂按活动名称计期数，组工论坛按角色计主讲人数）",
    telltales=("activity", "role", "hours"),
    fill_down=("event_date", "activity", "title"),
    fill_down_within=(("title", ("event_date", "activity")),),
)

TASKS = Kind(
    "tasks",
    "任务台账",
    (
        Column(
            "task_code",
            "任务编号",
            ("编号", "任务序号", "任务代码", "项目编号"),
            True,
            "必填。同一任务每次填报保持不变",
            ("ZB-01", "JC-05"),
            width=10,
        ),
        Column(
            "task_name",
            "任务名称",
            ("任务", "任务内容", "工作任务", "项目名称", "事项名称"),
            True,
            "必填",
            ("招商引资组织保障", "党员信息库规范化"),
            width=26,
        ),
        Column(
            "ledger",
            "台账类别",
            ("台账", "所属台账", "任务类别", "清单类别"),
            True,
            "必填，从下拉列表选择",
            ("组织保障专项台账", "基础夯实工程"),
            "ledgers",
            width=16,
        ),
        Column(
            "section",
            "责任科室",
            ("牵头科室", "责任单位", "承办科室", "科室", "部门"),
            True,
            "必填",
            ("组织科", "干部一科"),
            width=12,
        ),
        Column("owner", "责任人", ("负责人", "承办人", "具体责任人"), False, "选填", ("张三", "李四"), width=10),
        Column(
            "start_date",
            "开始日期",
            ("开始时间", "启动日期", "起始日期"),
            False,
            "选填。不填按首次填报日期",
            ("2022-02-01", "2022-03-01"),
            width=12,
        ),
        Column(
            "due_date",
            "计划完成日期",
            ("计划完成时间", "完成时限", "截止日期", "完成期限", "时间节点", "计划完成"),
            True,
            "必填",
            ("2022-06-30", "2022-12-31"),
            width=14,
        ),
        Column(
            "progress",
            "进度(%)",
            ("进度", "完成进度", "进度百分比", "完成比例", "完成率", "进度（%）"),
            True,
            "必填，0～100",
            (60, 25),
            width=9,
        ),
        Column(
            "stage",
            "当前环节",
            ("环节", "当前状态", "状态", "办理环节"),
            True,
            "必填：领办登记 / 全程督查 / 即时反馈 / 办结销号",
            ("全程督查", "领办登记"),
            "stages",
            width=12,
        ),
        Column(
            "latest_note",
            "最新进展",
            ("进展情况", "工作进展", "进展", "推进情况", "备注"),
            False,
            "选填",
            ("已完成项目对接", "已制定方案"),
            width=30,
        ),
        Column(
            "updated_on",
            "更新日期",
            ("更新时间", "反馈日期", "填报日期", "更新"),
            True,
            "必填。本次填报的日期",
            ("2022-03-04", "2022-03-04"),
            width=12,
        ),
    ),
    telltales=("task_code", "progress", "ledger", "stage", "due_date"),
    table="task_snapshot",
    stored=(
        "task_code",
        "task_name",
        "ledger",
        "section_id",
        "owner_name",
        "owner_person_id",
        "start_date",
        "due_date",
        "progress",
        "stage",
        "latest_note",
        "updated_on",
    ),
    identity=("task_code", "updated_on"),
    person_columns=("owner_person_id",),
    date_column="updated_on",
    live="superseded_by is null",
    fill_down=("task_code", "task_name", "ledger", "section", "owner", "start_date", "due_date"),
    # One task's reports written under its first row; 台账类别 over a block of tasks.
    fill_down_within=(
        ("task_code", ("ledger", "task_name")),
        ("task_name", ("ledger", "task_code")),
        *((key, ("ledger", "task_code", "task_name")) for key in ("section", "owner", "start_date", "due_date")),
    ),
)

ARENA = Kind(
    "arena",
    "擂台评分",
    (
        event_date(("擂台日期", "比赛日期"), note="必填", examples=("2022-04-15", "2022-04-15")),
        Column(
            "arena",
            "擂台",
            ("擂台名称", "擂台类型", "擂台类别"),
            True,
            "必填：科长擂台 / 业务擂台 / 学习擂台",
            ("科长擂台", "科长擂台"),
            "arenas",
            width=12,
        ),
        Column(
            "topic",
            "主题",
            ("题目", "擂台主题", "比拼内容"),
            False,
            "选填",
            ("一季度工作晒比", "一季度工作晒比"),
            width=20,
        ),
        Column(
            "contestant",
            "选手",
            ("参赛选手", "选手姓名", "上擂人", "参赛人", "被评人"),
            True,
            "必填。须在人员名单中",
            ("张三", "张三"),
            width=10,
        ),
        Column(
            "judge", "评委", ("评委姓名", "评分人", "打分人"), True, "必填。须在人员名单中", ("李四", "王五"), width=10
        ),
        Column("mark", "得分", ("分数", "评分", "分值", "打分"), True, "必填，0～满分", (92, 88.5), width=8),
    ),
    telltales=("arena", "contestant", "judge", "mark"),
    table="arena_mark",
    stored=("event_date", "arena", "topic", "contestant_id", "judge_id", "mark"),
    identity=("event_date", "arena", "contestant_id", "judge_id"),
    # A session is (擂台, 日期, 主题): a topic filled in or changed by a later file would move the mark to another
    # session (and its highest and lowest marks) depending on which file came first.
    decisive=(("topic", "topic"),),
    decisive_effect="会改变这一场的评分（同一擂台、日期、主题的评分合为一场，去掉最高分和最低分）",
    person_columns=("contestant_id", "judge_id"),
    date_column="event_date",
    fill_down=("event_date", "arena", "topic", "contestant"),
    # A session is a day's arena: its topic and contestant are never taken into another session.
    fill_down_within=(("topic", ("event_date", "arena")), ("contestant", ("event_date", "arena"))),
)

RULES = Kind(
    "rules",
    "加减分事项",
    (
        Column(
            "item_code", "事项编号", ("编号", "事项代码", "事项编码"), True, "必填，唯一", ("XC01", "JL03"), width=10
        ),
        Column(
            "content",
            "考核内容",
            ("考核项目", "考核类别"),
            True,
            "必填，8 项考核内容之一",
            ("宣传推广", "纪律作风"),
            "contents",
            width=12,
        ),
        Column(
            "item_name",
            "事项名称",
            ("加减分事项", "事项", "事项内容", "加减分标准"),
            True,
            "必填",
            ("信息被区级以上媒体或简报采用", "违反廉洁纪律"),
            width=30,
        ),
        Column(
            "points",
            "分值",
            ("分数", "加减分", "分值标准", "分值范围"),
            True,
            "必填。固定分值如 1、-3；区间如 1~3",
            (1, -10),
            width=10,
        ),
        Column(
            "monthly_cap",
            "月度上限",
            ("每月上限", "月上限", "封顶", "每月最高"),
            False,
            "选填。每人每月该事项累计绝对值上限",
            (5, ""),
            width=10,
        ),
        VETO,
        Column("note", "备注", ("说明",), False, "选填", ("", ""), width=20),
    ),
    telltales=("item_name", "monthly_cap"),
)

KINDS: dict[str, Kind] = {k.key: k for k in (ROSTER, POINTS, PARTICIPATION, TASKS, ARENA, RULES)}
KIND_LABELS = {k.key: k.label for k in KINDS.values()}
FACT_KINDS: dict[str, Kind] = {k.key: k for k in KINDS.values() if k.is_fact}
FACT_TABLES: tuple[str, ...] = tuple(k.table for k in FACT_KINDS.values() if k.table)
# The order sheets of one workbook are committed in: people first, so later sheets can name them.
COMMIT_ORDER = ("roster", "rules", "points", "participation", "tasks", "arena")


def kind_from_text(text: str | None) -> str | None:
    """'points' or '加减分记录' (or a close word such as 加减分) → 'points'."""
    if not text:
        return None
    text = text.strip()
    if text in KINDS:
        return text
    for kind in KINDS.values():
        if text == kind.label or text in kind.label:
            return kind.key
    return None
