"""What a rule book is: contents, scoring items, activity types, ledgers, stages, arenas and award parameters, the
vocabulary that resolves what a clerk typed, and the default book shipped in default_rules.toml. How books are
stored and which version is in force on a date: rulebook.py."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from importlib import resources

from analytics.errors import RuleBookError
from analytics.sheets.normalize import clean_text


@dataclass(frozen=True)
class Param:
    key: str
    label: str
    help: str
    minimum: float
    maximum: float
    integer: bool = False


# Every tunable number, declared once; default values live in default_rules.toml.
PARAMS: tuple[Param, ...] = (
    Param("campaign_year", "活动年度", "加减分、参与、擂台记录的日期应在该年度内", 2000, 2100, True),
    Param("date_margin_days", "日期容差（天）", "日期可超出活动年度的天数，用于跨年补录", 0, 366, True),
    Param("points_bound", "单条分值上限", "未填事项编号时，单条加减分绝对值不得超过此值", 0.5, 1000),
    Param("star_top_n", "月度之星名额", "每月按净得分取前 N 名，并列者同时摘星", 1, 50, True),
    Param("star_min_points", "摘星最低净得分", "当月净得分须大于此值才可摘星", -100, 1000),
    Param("content_star_threshold", "单项之星门槛", "某考核内容当月得分达到此值，该项第一名获单项之星", 0, 1000),
    Param("flag_weight_points", "夺旗权重：人均净得分", "季度夺旗得分中人均净得分的权重", 0, 1),
    Param("flag_weight_stars", "夺旗权重：人均摘星", "季度夺旗得分中人均摘星数的权重", 0, 1),
    Param("flag_weight_tasks", "夺旗权重：按期办结率", "季度夺旗得分中任务按期办结率的权重", 0, 1),
    Param("light_lag_margin", "滞后判定（百分点）", "实际进度低于应达进度超过此值即亮“滞后”", 0, 100),
    Param("light_due_soon_days", "临期天数", "距计划完成日期不超过此天数且未办结即亮“临期”", 0, 90, True),
    Param("light_stale_days", "久未反馈天数", "未办结任务超过此天数没有更新即亮“久未反馈”", 1, 365, True),
    Param("arena_trim_min_judges", "去高去低最少评委数", "评委不少于此人数时去掉一个最高分和一个最低分", 3, 100, True),
    Param("arena_mark_max", "擂台满分", "擂台评分的满分", 1, 1000),
    Param("posting_days", "公示期（工作日）", "每月公示发布后接受异议的工作日数", 1, 30, True),
)
PARAM_BY_KEY = {p.key: p for p in PARAMS}

FREQUENCIES = {
    "weekly": "每周",
    "half_monthly": "每半月",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
}
COUNTERS = {
    "rows": "人次/条数",
    "people": "人数",
    "speakers": "主讲人数",
    "teams": "队（批）次",
    "sessions": "场次",
}


@dataclass(frozen=True)
class Content:
    code: str
    name: str
    star_name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    code: str
    content: str
    name: str
    points_min: float
    points_max: float
    monthly_cap: float | None = None
    veto: bool = False
    note: str | None = None

    @property
    def points_text(self) -> str:
        if self.points_min == self.points_max:
            return _signed(self.points_min)
        return f"{_signed(self.points_min)}～{_signed(self.points_max)}"

    def accepts(self, points: float) -> bool:
        low, high = sorted((self.points_min, self.points_max))
        return low - 1e-9 <= points <= high + 1e-9


@dataclass(frozen=True)
class Activity:
    name: str
    frequency: str | None = None
    five_one: bool = False
    counter: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ledger:
    name: str
    planned: int | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    name: str
    step: int
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Arena:
    name: str
    aliases: tuple[str, ...] = ()


def _signed(value: float) -> str:
    text = f"{value:g}"
    return text if value < 0 else f"+{text}"


# Words that, written around a name, say the thing is not (or not yet) that name: a request, a plan, a negation.
_NOT_YET_BEFORE = (
    *("未", "待", "申请", "拟", "暂未", "尚未", "没有", "没", "不", "非", "无", "取消", "撤销", "退回", "驳回"),
    *("暂缓", "准备", "即将", "预计", "计划", "等待", "报请", "提请"),
)
_NOT_YET_AFTER = ("未", "待", "申请", "审批中", "审核中", "不", "没有", "取消", "撤销", "退回", "驳回", "暂缓")


class Vocabulary:
    """Resolves what a clerk typed (每周荐学, 宣传推广类, 已办结) to a canonical name of the rule book."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]):
        self.names: list[str] = []
        self.lookup: dict[str, str] = {}
        for name, aliases in entries:
            self.names.append(name)
            for variant in (name, *aliases):
                self.lookup.setdefault(clean_text(variant), name)

    def resolve(self, value: str) -> str | None:
        key = clean_text(value)
        if not key:
            return None
        if key in self.lookup:
            return self.lookup[key]
        # A variant that contains exactly one canonical name (宣传推广（信息）→ 宣传推广) is that name, unless the words
        # around it say it is not (yet) that: 申请办结销号, 待办结销号, 未办结销号 are no 办结销号.
        hits = {name for name in self.names if clean_text(name) in key}
        if len(hits) == 1:
            name = hits.pop()
            before, _, after = key.partition(clean_text(name))
            if any(w in before for w in _NOT_YET_BEFORE) or any(w in after for w in _NOT_YET_AFTER):
                return None
            return name
        return None

    def suggest(self, value: str, n: int = 3) -> list[str]:
        key = clean_text(value)
        close = difflib.get_close_matches(key, list(self.lookup), n=n * 2, cutoff=0.3)
        seen: list[str] = []
        for variant in close:
            name = self.lookup[variant]
            if name not in seen:
                seen.append(name)
        return seen[:n]


@dataclass(frozen=True)
class RuleBook:
    params: dict[str, float]
    contents: tuple[Content, ...]
    items: tuple[Item, ...]
    activities: tuple[Activity, ...]
    ledgers: tuple[Ledger, ...]
    stages: tuple[Stage, ...]
    arenas: tuple[Arena, ...]
    version_id: int | None = None
    effective_from: date | None = None
    source: str = "default"
    note: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None

    def param(self, key: str) -> float:
        return self.params[key]

    def int_param(self, key: str) -> int:
        return int(round(self.params[key]))

    @property
    def campaign_year(self) -> int:
        return self.int_param("campaign_year")

    def date_window(self) -> tuple[date, date]:
        """The dates an event may carry: the campaign year plus the margin on both sides."""
        from datetime import timedelta

        margin = timedelta(days=self.int_param("date_margin_days"))
        year = self.campaign_year
        return date(year, 1, 1) - margin, date(year, 12, 31) + margin

    def item(self, code: str) -> Item | None:
        return self.items_by_code.get(clean_text(code).upper())

    @cached_property
    def items_by_code(self) -> dict[str, Item]:
        return {clean_text(i.code).upper(): i for i in self.items}

    def content(self, name: str) -> Content | None:
        return next((c for c in self.contents if c.name == name), None)

    def activity(self, name: str) -> Activity | None:
        return next((a for a in self.activities if a.name == name), None)

    def stage_step(self, name: str) -> int | None:
        return next((s.step for s in self.stages if s.name == name), None)

    @property
    def closed_stage(self) -> str:
        return max(self.stages, key=lambda s: s.step).name

    @cached_property
    def vocab_contents(self) -> Vocabulary:
        return Vocabulary((c.name, (*c.aliases, c.code)) for c in self.contents)

    @cached_property
    def vocab_activities(self) -> Vocabulary:
        return Vocabulary((a.name, a.aliases) for a in self.activities)

    @cached_property
    def vocab_ledgers(self) -> Vocabulary:
        return Vocabulary((ledger.name, ledger.aliases) for ledger in self.ledgers)

    @cached_property
    def vocab_stages(self) -> Vocabulary:
        return Vocabulary((s.name, s.aliases) for s in self.stages)

    @cached_property
    def vocab_arenas(self) -> Vocabulary:
        return Vocabulary((a.name, a.aliases) for a in self.arenas)

    def with_changes(self, **changes) -> RuleBook:
        """A new, unsaved book: the same rules with some parts replaced."""
        return replace(self, version_id=None, effective_from=None, created_at=None, **changes)

    def check(self) -> None:
        """Raise RuleBookError when the book is not self-consistent."""
        problems = []
        for p in PARAMS:
            if p.key not in self.params:
                problems.append(f"缺少参数「{p.label}」")
                continue
            value = self.params[p.key]
            if not (p.minimum <= value <= p.maximum):
                problems.append(f"参数「{p.label}」为 {value:g}，应在 {p.minimum:g}～{p.maximum:g} 之间")
        weights = sum(self.params.get(k, 0) for k in ("flag_weight_points", "flag_weight_stars", "flag_weight_tasks"))
        if weights <= 0:
            problems.append("季度夺旗三项权重之和须大于 0")
        names = {c.name for c in self.contents}
        if not names:
            problems.append("至少需要一项考核内容")
        codes: set[str] = set()
        for item in self.items:
            if item.content not in names:
                problems.append(f"事项 {item.code} 的考核内容「{item.content}」不在考核内容中")
            if item.code.upper() in codes:
                problems.append(f"事项编号 {item.code} 重复")
            codes.add(item.code.upper())
            if item.monthly_cap is not None and item.monthly_cap <= 0:
                problems.append(f"事项 {item.code} 的月度上限须大于 0")
        if len(self.stages) < 2:
            problems.append("闭环环节至少需要两个")
        if problems:
            raise RuleBookError("；".join(problems))


def _tuple(value) -> tuple[str, ...]:
    return tuple(value or ())


def book_from_mapping(data: dict) -> RuleBook:
    """Build a book from the structure of default_rules.toml."""
    try:
        params = {k: float(v) for k, v in data["params"].items()}
        contents = tuple(
            Content(c["code"], c["name"], c.get("star") or f"{c['name']}之星", _tuple(c.get("aliases")))
            for c in data["contents"]
        )
        items = tuple(
            Item(
                code=i["code"],
                content=i["content"],
                name=i["name"],
                points_min=float(i.get("points_min", i.get("points", 0))),
                points_max=float(i.get("points_max", i.get("points", 0))),
                monthly_cap=float(i["monthly_cap"]) if i.get("monthly_cap") is not None else None,
                veto=bool(i.get("veto", False)),
                note=i.get("note"),
            )
            for i in data.get("items", [])
        )
        activities = tuple(
            Activity(
                a["name"],
                a.get("frequency"),
                bool(a.get("five_one", False)),
                a.get("counter"),
                _tuple(a.get("aliases")),
            )
            for a in data["activities"]
        )
        ledgers = tuple(Ledger(x["name"], x.get("planned"), _tuple(x.get("aliases"))) for x in data["ledgers"])
        stages = tuple(Stage(s["name"], n + 1, _tuple(s.get("aliases"))) for n, s in enumerate(data["stages"]))
        arenas = tuple(Arena(a["name"], _tuple(a.get("aliases"))) for a in data["arenas"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RuleBookError(f"规则文件格式有误：{exc}") from exc
    book = RuleBook(params, contents, items, activities, ledgers, stages, arenas)
    book.check()
    return book


def default_book() -> RuleBook:
    text = (resources.files("analytics.rules") / "default_rules.toml").read_text(encoding="utf-8")
    return book_from_mapping(tomllib.loads(text))
