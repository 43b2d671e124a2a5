"""The published versions of a month (每月公示), read back: what each version froze (its posted rows and stars), its
posting period (公示期), whether a month is final or open for correction; and the role check with its audit row that
every action on a posting passes. publish.py writes the versions; compare.py compares two; objections.py records the
objections raised during a posting period."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from analytics.accounts import audit
from analytics.accounts.roles import Actor, require
from analytics.errors import DashboardError
from analytics.periods import Month
from analytics.results.points import as_month
from analytics.store.db import Con, fetch_df, first_row

ROW_COLUMNS = [
    "fact_id",
    "section",
    "person_id",
    "name",
    "event_date",
    "content",
    "item_code",
    "item_name",
    "points",
    "counted",
    "capped",
    "veto",
    "reason",
    "evidence",
    "batch_id",
    "source_file",
    "sheet",
    "row_no",
]
STAR_COLUMNS = ["person_id", "name", "section", "award", "award_kind", "net_points", "points", "rank"]


class PublishRefused(DashboardError):
    title = "无法发布"


@dataclass(frozen=True)
class Version:
    month: str
    version: int
    published_at: datetime
    published_by: str
    rule_version: int | None
    data_as_of: datetime | None
    batches: list[int]
    window_start: date
    window_end: date
    reason: str | None

    def in_window(self, today: date) -> bool:
        """Whether an objection is taken on this day: during the posting period, and on the weekend days just before
        it (a posting published on a Saturday is read, and objected to, before its first working day)."""
        opens = self.window_start
        while (opens - timedelta(days=1)).weekday() >= 5:
            opens -= timedelta(days=1)
        return opens <= today <= self.window_end

    @property
    def window_text(self) -> str:
        return f"{self.window_start:%Y-%m-%d} 至 {self.window_end:%Y-%m-%d}"


def working_days(start: date, n: int) -> tuple[date, date]:
    """The posting period: n working days (Monday to Friday) from start, or from the next working day."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    first, count = day, 1
    while count < n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return first, day


def month_key(month: Month | str | date) -> str:
    return str(as_month(month))


def versions(cur: Con, month: Month | str | date) -> list[Version]:
    """Every published version of the month, oldest first; empty when the month was never published."""
    rows = cur.execute(
        """
        select month, version, published_at, published_by, rule_version, data_as_of, batches, window_start,
               window_end, reason
        from posting_version where month = ? order by version
        """,
        [month_key(month)],
    ).fetchall()
    return [Version(*r[:6], json.loads(r[6] or "[]"), *r[7:]) for r in rows]  # type: ignore[call-arg]


def latest(cur: Con, month: Month | str | date) -> Version | None:
    found = versions(cur, month)
    return found[-1] if found else None


def published_months(cur: Con) -> list[str]:
    return [r[0] for r in cur.execute("select distinct month from posting_version order by month").fetchall()]


def is_final(cur: Con, month: Month | str | date) -> bool:
    """Stars of a published month are final (定稿): the page marks them so."""
    return latest(cur, month) is not None


def correction_open(cur: Con, month: Month | str | date) -> tuple[str, datetime] | None:
    row = first_row(cur, "select opened_by, opened_at from posting_correction where month = ?", [month_key(month)])
    return (row[0], row[1]) if row else None


def act(cur: Con, actor: Actor | None, permission: str, action: str, month: Month, detail: str) -> str:
    """Check the acting account's role in the core and leave the audit row in the same transaction; its name."""
    who = require(actor, permission)
    audit.record(cur, who.name, action, f"{month} 公示", detail, who.ip)
    return who.name


def frozen_rows(cur: Con, month: Month | str | date, version: int) -> pd.DataFrame:
    """The posted rows of one version, as they were published (one row per score event)."""
    return fetch_df(
        cur,
        f"""
        select {", ".join(ROW_COLUMNS)} from posting_row where month = $month and version = $version
        order by fact_id
        """,
        {"month": month_key(month), "version": version},
    )


def frozen_stars(cur: Con, month: Month | str | date, version: int) -> pd.DataFrame:
    return fetch_df(
        cur,
        f"""
        select {", ".join(STAR_COLUMNS)} from posting_star where month = $month and version = $version
        order by award_kind desc, award, rank, person_id
        """,
        {"month": month_key(month), "version": version},
    )
