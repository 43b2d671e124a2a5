"""A review meeting as data: the meeting (agenda, period, scope, lineage) and its slides, each with KPIs, a chart
(categories and series), a table of text cells and bullets; and how a slide writes a figure, a percent, a day and a
cell. 汇报模式 draws these objects and the deck writes them; slides.py builds them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

AGENDAS = {"month": "月度讲评", "quarter": "季度讲评", "week": "科室周讲评"}
WHOLE = "全部门"
MAX_ROWS = 10


@dataclass
class Chart:
    """A chart as data. kind: bar | stacked | line | doughnut; series: (name, values) aligned with categories."""

    kind: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    value_label: str = ""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Slide:
    key: str
    title: str
    kpis: list[tuple[str, str]] = field(default_factory=list)
    chart: Chart | None = None
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)
    source: str = ""  # where this slide's numbers come from, for the speaker notes

    @property
    def empty(self) -> bool:
        return not (self.kpis or self.chart or self.table or self.bullets)


@dataclass
class Meeting:
    """One review: what is reviewed (agenda, period, scope) and its slides, with the lineage every slide carries."""

    agenda: str
    period: str
    title: str
    subtitle: str
    start: date
    end: date
    scope: list[str]
    data_as_of: datetime | None
    rule_version: int
    batches: list[int]
    final: bool
    deputy: str | None = None
    section: str | None = None
    # The topic keys in the order they are shown (slides.TOPICS); an outline (slides.outline) stops here, a built
    # meeting (slides.build) also holds each topic's slide, in that order, and the closing slide.
    topics: tuple[str, ...] = ()
    slides: list[Slide] = field(default_factory=list)
    closing: Slide | None = None

    @property
    def built(self) -> bool:
        return self.closing is not None and len(self.slides) == len(self.topics)

    @property
    def as_of_text(self) -> str:
        """The line on every slide: the last import (数据截至 …)."""
        if self.data_as_of is None:
            return "数据截至：尚无导入数据"
        return f"数据截至 {self.data_as_of:%Y-%m-%d %H:%M}（最近一次导入）"

    @property
    def lineage(self) -> str:
        batches = "、".join(f"#{b}" for b in self.batches) or "无"
        final = "；本月公示已定稿" if self.final else ""
        return f"规则第 {self.rule_version} 版；{self.as_of_text}；导入批次 {batches}{final}"

    @property
    def agenda_label(self) -> str:
        return AGENDAS[self.agenda]

    @property
    def file_stem(self) -> str:
        who = self.section or self.deputy or WHOLE
        return safe_file_name(f"{self.agenda_label}_{self.period}_{who}")


def safe_file_name(text: str) -> str:
    """A file name Windows accepts: no \\ / : * ? " < > | or control characters, no trailing dot or space."""
    cleaned = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in str(text))
    cleaned = cleaned.strip(" .") or "导出"
    return cleaned[:120]


def num(value, digits: int = 1) -> str:
    """A figure as a slide shows it: — when missing, no trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, (int,)) or float(value).is_integer():
        return f"{int(round(float(value)))}"
    return f"{float(value):.{digits}f}".rstrip("0").rstrip(".")


def pct(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.0%}"  # as ui.format.percent writes it


def day(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "—"
    return f"{pd.Timestamp(value):%m-%d}"


def cell(value) -> str:
    """A table cell: — when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return str(value)


def within(frame: pd.DataFrame, scope: list[str], column: str = "section") -> pd.DataFrame:
    """The rows of the sections a meeting reviews."""
    return frame[frame[column].isin(scope)].reset_index(drop=True)
