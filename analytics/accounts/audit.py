"""The audit log: one row per import, undo, rule change, demo clear, publication, account change and login.

``record`` writes inside the caller's transaction, so an action and its audit row are stored together or not at all.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from analytics.store.db import Con, fetch_df, scalar

# Action codes (English, stored) and their Chinese labels (shown and exported).
ACTIONS = {
    "import": "导入",
    "undo": "撤销导入",
    "rules_edit": "修改规则",
    "demo_clear": "清除演示数据",
    "demo_load": "加载演示数据",
    "login": "登录成功",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "account_add": "新建账号",
    "account_change": "修改账号",
    "account_disable": "停用账号",
    "account_enable": "启用账号",
    "password_change": "修改密码",
    "setting_change": "修改设置",
    "backup": "备份",
    "restore": "恢复备份",
    "publish": "发布公示",
    "objection": "登记异议",
    "objection_reply": "答复异议",
    "correction_open": "开始更正",
    "correction_withdraw": "取消更正",
    "correction": "发布更正",
    "deputies": "设置分管部长",
    "refused": "操作被拒绝",
}

MAX_TEXT = 2000


def _clip(value: object | None) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def record(
    cur: Con,
    actor: str,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    ip: str | None = None,
) -> int:
    """Add one audit row inside the caller's transaction; returns its id. ``target`` names the batch or version
    touched (e.g. ``batch #12``), ``detail`` says what in a sentence."""
    audit_id = scalar(cur, "select nextval('seq_audit')")
    cur.execute(
        "insert into audit_log values ($id, $at, $actor, $action, $target, $detail, $ip)",
        {
            "id": audit_id,
            "at": datetime.now(),
            "actor": _clip(actor) or "",
            "action": action,
            "target": _clip(target),
            "detail": _clip(detail),
            "ip": _clip(ip),
        },
    )
    return audit_id


def entries(
    cur: Con,
    start: date | None = None,
    end: date | None = None,
    actor: str | None = None,
    actions: list[str] | None = None,
    text: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """One row per audit entry, newest first, filtered by day range (inclusive), actor, action codes and a substring
    of target or detail."""
    return fetch_df(
        cur,
        """
        select audit_id, happened_at, actor, action, target, detail, ip
        from audit_log
        where ($start is null or happened_at >= cast($start as date))
          and ($end is null or happened_at < cast($end as date) + interval 1 day)
          and ($actor is null or actor = $actor)
          and ($no_actions or list_contains(cast($actions as varchar[]), action))
          and ($text is null or contains(coalesce(target, '') || ' ' || coalesce(detail, ''), $text))
        order by audit_id desc
        limit $limit
        """,
        {
            "start": start,
            "end": end,
            "actor": actor or None,
            "no_actions": not actions,
            "actions": list(actions or []),
            "text": text or None,
            "limit": limit,
        },
    )


def actors(cur: Con) -> list[str]:
    return [row[0] for row in cur.execute("select distinct actor from audit_log order by actor").fetchall()]


COLUMNS = {
    "happened_at": "时间",
    "actor": "操作人",
    "action": "操作",
    "target": "对象",
    "detail": "内容",
    "ip": "来源地址",
}


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """The entries as shown and exported: Chinese headers and action labels."""
    out = frame.assign(action=frame["action"].map(lambda a: ACTIONS.get(a, a)))
    return out[list(COLUMNS)].rename(columns=COLUMNS)


def to_xlsx(frame: pd.DataFrame) -> bytes:
    """The labelled entries as a workbook; every text goes through cells.put, so none runs as a formula."""
    import io

    import openpyxl

    from analytics.sheets.cells import put

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "审计日志"
    for col, name in enumerate(frame.columns, start=1):
        put(sheet.cell(row=1, column=col), name)
    for r, values in enumerate(frame.itertuples(index=False), start=2):
        for col, value in enumerate(values, start=1):
            if value is None or (isinstance(value, float) and value != value):
                value = None
            elif isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            put(sheet.cell(row=r, column=col), value)
    sheet.column_dimensions["A"].width = 20
    for letter in "EF":
        sheet.column_dimensions[letter].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame) -> bytes:
    """The labelled entries as UTF-8 CSV with a BOM (so Excel reads the Chinese), text made inert by cells.csv_text."""
    import csv
    import io

    from analytics.sheets.cells import csv_text

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(frame.columns)
    for values in frame.itertuples(index=False):
        writer.writerow(["" if v is None or (isinstance(v, float) and v != v) else csv_text(str(v)) for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
