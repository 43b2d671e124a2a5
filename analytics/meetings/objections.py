"""Objections (异议) to a posted month: raised against a posted row of the latest version, or the posting as a whole,
during its posting period (公示期), and answered as upheld (to be fixed by a correction) or rejected."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from analytics.accounts.roles import OBJECT, PUBLISH, Actor
from analytics.meetings.versions import PublishRefused, act, latest, month_key
from analytics.periods import Month
from analytics.results.points import as_month
from analytics.store.db import Con, fetch_df, first_row, scalar, transaction

OBJECTION_STATUS = {"open": "待答复", "upheld": "异议成立", "rejected": "异议不成立"}


def raise_objection(
    con: Con,
    month: Month | str | date,
    actor: Actor | None,
    text: str,
    fact_id: int | None = None,
    today: date | None = None,
    by: str | None = None,
) -> int:
    """Record an objection (异议) against a posted row of the latest version, or the posting as a whole; only during
    the posting period. ``by`` is who raised it (a colleague may object through the account that records it);
    without it, the recording account."""
    m = as_month(month)
    text = str(text or "").strip()
    if not text:
        raise PublishRefused("请写明异议内容。")
    today = today or date.today()
    with transaction(con) as cur:
        name = act(cur, actor, OBJECT, "objection", m, f"登记{m.label}公示的异议：{text[:200]}")
        raiser = str(by or "").strip() or name
        version = latest(cur, m)
        if version is None:
            raise PublishRefused(f"{m.label}尚未公示，不能提出异议。")
        if not version.in_window(today):
            raise PublishRefused(f"{m.label}的公示期为 {version.window_text}，不在公示期内，不能提出异议。")
        if fact_id is not None:
            found = scalar(
                cur,
                "select count(*) from posting_row where month = ? and version = ? and fact_id = ?",
                [str(m), version.version, fact_id],
            )
            if not found:
                raise PublishRefused("所选的记录不在本月公示中。")
        objection_id = scalar(cur, "select coalesce(max(objection_id), 0) + 1 from posting_objection")
        cur.execute(
            "insert into posting_objection values (?, ?, ?, ?, ?, ?, ?, 'open', null, null, null)",
            [objection_id, str(m), version.version, fact_id, raiser, datetime.now(), text],
        )
        return objection_id


def answer_objection(con: Con, objection_id: int, actor: Actor | None, reply: str, upheld: bool) -> None:
    """Reply to an objection: upheld (异议成立, to be fixed by a correction) or rejected (异议不成立)."""
    reply = str(reply or "").strip()
    if not reply:
        raise PublishRefused("请填写答复内容。")
    with transaction(con) as cur:
        found = first_row(cur, "select status, month from posting_objection where objection_id = ?", [objection_id])
        if found is None:
            raise PublishRefused(f"没有编号为 {objection_id} 的异议。")
        verdict = "异议成立" if upheld else "异议不成立"
        actor_name = act(
            cur, actor, PUBLISH, "objection_reply", as_month(found[1]), f"答复异议 #{objection_id}：{verdict}"
        )
        cur.execute(
            """
            update posting_objection set status = ?, reply = ?, replied_by = ?, replied_at = ?
            where objection_id = ?
            """,
            ["upheld" if upheld else "rejected", reply, actor_name, datetime.now(), objection_id],
        )


def objections(cur: Con, month: Month | str | date) -> pd.DataFrame:
    """One row per objection of the month with the posted row it is against (name, content, reason) and its status."""
    frame = fetch_df(
        cur,
        """
        select o.objection_id, o.version, o.fact_id, r.name, r.section, r.content, r.counted, r.reason,
               o.raised_by, o.raised_at, o.text, o.status, o.reply, o.replied_by, o.replied_at
        from posting_objection o
        left join posting_row r on r.month = o.month and r.version = o.version and r.fact_id = o.fact_id
        where o.month = $month
        order by o.objection_id
        """,
        {"month": month_key(month)},
    )
    frame["status_label"] = frame["status"].map(OBJECTION_STATUS)
    return frame
