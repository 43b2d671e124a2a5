"""How numbers, percents, dates, months and rows are written for reading: one place for every page."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from analytics.periods import Month
from analytics.results import lights, pages
from ui import texts
from ui.safe import md

B = texts.BOARD
T = texts.TASKS


def signed(value: float | None, digits: int = 1) -> str:
    """Points with their sign (+12, -3.5, 0); — when unknown."""
    if value is None or pd.isna(value):
        return "—"
    value = round(float(value), digits)
    if value == 0:
        return "0"
    text = f"{value:+.{digits}f}".rstrip("0").rstrip(".")
    return text


def points_text(value: float | None) -> str:
    """Points without a forced sign: 12, 12.5."""
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.1f}".rstrip("0").rstrip(".")


def percent(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.0%}"


def month_label(month: str | None) -> str:
    """'2022-07' → 2022年7月."""
    return Month.parse(month).label if isinstance(month, str) and month else "—"


def star_reason(row: Any) -> str:
    """The line under a star's name: why they won (Markdown, the content's name escaped)."""
    if row.award_kind == "month":
        return B["reason_month"].format(net=points_text(row.net_points), rank=int(row.rank))
    return B["reason_content"].format(content=md(row.content), points=points_text(row.points))


def mover_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Risers or fallers with the movement written for reading: ↑3 / ↓2 and the points change with its sign."""
    out = frame.copy()
    out["move"] = [f"↑{int(v)}" if v > 0 else f"↓{-int(v)}" for v in out["rank_change"]]
    out["net_change_text"] = [signed(v) for v in out["net_change"]]
    out["net_text"] = [signed(v) for v in out["net"]]
    return out


def award_rows(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["month_label"] = [month_label(m) for m in out["month"]]
    out["points_text"] = [points_text(v) for v in out["points"]]
    return out


def five_one_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """五个一 completion in whole percent for a progress column; nothing owed yet stays empty."""
    return frame.assign(completion_pct=(frame["completion"] * 100).round())


def cn_date(day: date, year: bool = True) -> str:
    """2022年3月5日 (or 3月5日): Chinese dates without zero padding, on any platform."""
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if year else text


def number(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{round(float(value), digits):g}"


def task_label(row: Any) -> str:
    return f"{row['task_code']} {row['task_name']}"


def rate_rows(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rates as the tables show them: percentages out of 100, a planned count or — where the plan names none."""
    cols = ["ledger", "planned"] if by == "ledger" else ["section"]
    cols += ["tasks", "closed", "completion_rate", "on_time_rate", "overdue"]
    shown = frame[cols].copy()
    if by == "ledger":
        shown["planned"] = [("—" if pd.isna(v) else str(int(v))) for v in shown["planned"]]
    for col in ("completion_rate", "on_time_rate"):
        shown[col] = shown[col].astype(float) * 100
    return shown.rename(columns=T["rate_columns"])


def session_label(row: Any) -> str:
    topic = f" · {row['topic']}" if row["topic"] else ""
    return f"{row['date']:%Y-%m-%d} {row['arena']}{topic}"


def light_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Tasks with their light written for a table: its mark and its label (✔ 已办结), from the light table."""
    return frame.assign(light_text=[lights.mark_text(v) for v in frame["light"]])


def rank_text(rank: int | None) -> str:
    return B["rank_n"].format(rank=rank) if rank is not None else "—"


def trend_sentences(lines: pages.TrendLines, month: str) -> dict[str, str]:
    """The sentence under each of 趋势分析's three small charts."""
    t = texts.TRENDS
    return {
        "person": t["person_line"].format(
            total=points_text(lines.person_total),
            avg=points_text(lines.person_average),
            month=month_label(month),
            net=signed(lines.person_now),
            rank=rank_text(lines.person_rank),
        ),
        "section": t["section_line"].format(
            total=points_text(lines.section_total),
            per_capita=signed(lines.section_now),
            month=month_label(month),
            rank=rank_text(lines.section_rank),
            n=lines.section_count,
        ),
        "content": t["content_line"].format(
            total=points_text(lines.content_total), month=month_label(month), net=signed(lines.content_now)
        ),
    }
