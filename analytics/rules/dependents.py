"""Stored 加减分 the rule book must go on explaining: an event with a 事项编号 counts by that item (its 月度上限, its
一票否决) in the version in force on its date. A change of versions (a rules upload, its undo, an edit saved on the
rules page) that leaves such an event without its item, or with a 分值 the item no longer allows, is refused: the
file that brought the event could not be imported now, and its counted points would change without a word."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.rules import rulebook as rb
from analytics.rules.book import RuleBook
from analytics.store.db import Con, fetch_df, scalar

MAX_SHOWN = 3
# The id a version about to be saved is given here: above every stored one, as the one saved next would be.
PLANNED = 2**31 - 1


def unexplained(cur: Con, planned: tuple[RuleBook, date] | None = None) -> pd.DataFrame:
    """One row per stored 加减分 with a 事项编号 that the version in force on its date lacks, or whose 分值 is outside
    that item's range: fact_id, batch_id, event_date, person, item_code, points, missing (no such item). The version
    in force is rulebook.version_in_force's: the latest effective on or before the day, the first before all.
    `planned`: a book and its effective date, counted as saved (the preview of a rules upload)."""
    book, effective = planned if planned is not None else (None, None)
    items = pd.DataFrame(
        {
            "code": [i.code for i in book.items] if book else [],
            "points_min": [float(i.points_min) for i in book.items] if book else [],
            "points_max": [float(i.points_max) for i in book.items] if book else [],
        }
    ).astype({"code": object, "points_min": float, "points_max": float})
    cur.complete()
    cur.register("planned_items", items)
    try:
        return _unexplained(cur, effective)
    finally:
        cur.unregister("planned_items")


def _unexplained(cur: Con, effective: date | None) -> pd.DataFrame:
    return fetch_df(
        cur,
        """
        with versions as (
            select version_id, effective_from from rule_version
            union all
            select $planned, $effective where $effective is not null
        ),
        items as (
            select version_id, code, points_min, points_max from rule_item
            union all
            select $planned, code, points_min, points_max from planned_items
        ),
        spans as (
            select version_id, effective_from,
                   lead(effective_from) over (order by effective_from, version_id) as next_from,
                   row_number() over (order by effective_from, version_id) as n
            from versions
        )
        select e.fact_id, e.batch_id, e.event_date, p.name as person, e.item_code, e.points,
               i.code is null as missing
        from score_event e
        join spans v on (e.event_date >= v.effective_from or v.n = 1)
                    and (v.next_from is null or e.event_date < v.next_from)
        left join items i on i.version_id = v.version_id and i.code = e.item_code
        left join person p on p.person_id = e.person_id
        where e.item_code is not null
          and (i.code is null or e.points < i.points_min - 1e-9 or e.points > i.points_max + 1e-9)
        order by e.event_date, e.fact_id
        """,
        {"planned": PLANNED, "effective": effective},
    )


def stranded_by(cur: Con, before: set[int], doing: str, planned: tuple[RuleBook, date] | None = None) -> str | None:
    """The refusal, in the user's words, when the change just made in this transaction (or `planned`) leaves stored
    events unexplained that were explained before it (`before`: the fact ids unexplained already); None when it
    leaves none. `doing` names the change (撤销批次 #3, 保存此规则版本)."""
    now = unexplained(cur, planned)
    new = now[~now["fact_id"].isin(before)]
    if new.empty:
        return None
    batches = "、".join(f"#{int(b)}" for b in sorted(new["batch_id"].unique()))
    codes = "、".join(sorted(new["item_code"].unique()))
    shown = "；".join(
        f"{r.event_date:%Y-%m-%d} {r.person} {r.item_code} {r.points:+g}"
        + ("（事项不存在）" if r.missing else "（分值不在事项范围内）")
        for r in new.head(MAX_SHOWN).itertuples()
    )
    more = "等" if len(new) > MAX_SHOWN else ""
    return (
        f"无法{doing}：已导入的 {len(new)} 条加减分（批次 {batches}）使用的事项 {codes}，"
        f"在当日施行的规则中将不存在或分值不符（{shown}{more}），这些记录的计分将无法解释（月度上限、一票否决无从查起）。"
        f"请先在「导入记录」撤销批次 {batches}，或保留这些事项（及其分值）后再{doing}"
    )


def before(cur: Con) -> set[int]:
    """The stored events unexplained already, to compare a change against."""
    return {int(f) for f in unexplained(cur)["fact_id"]}


def introduced(cur: Con, version_id: int) -> set[str]:
    """The item codes a version brought: in it and in no version saved before it."""
    rows = cur.execute(
        """
        select code from rule_item where version_id = $v
        except
        select code from rule_item where version_id < $v
        """,
        {"v": version_id},
    ).fetchall()
    return {r[0] for r in rows}


def carried_on(cur: Con, version_id: int, codes: set[str]) -> str | None:
    """The refusal of an undo, in the user's words, when an edit saved on the rules page after `version_id` (it starts
    from the book then in force, so it copies the items) still takes effect and holds items `version_id` brought:
    undoing the upload would leave them in force from that edit's date, so it would not take them back. A later
    upload states its items itself and is not counted. None when none."""
    if not codes:
        return None
    later = [
        (vid, start)
        for vid, start, _ in rb.version_spans(cur)
        if vid > version_id
        and scalar(
            cur,
            """
            select count(*) from rule_item join rule_version using (version_id)
            where version_id = $v and source = 'edit' and code in (select unnest($codes::varchar[]))
            """,
            {"v": vid, "codes": sorted(codes)},
        )
    ]
    if not later:
        return None
    shown = "、".join(f"第 {vid} 版（自 {start:%Y-%m-%d} 起施行）" for vid, start in later)
    return (
        f"此后保存的{shown}沿用了本批次新增的事项 {'、'.join(sorted(codes))}：撤销本批次后，这些事项仍按那一版施行。"
        "如要撤回这些事项，请先在「规则设置」保存一个不含它们的新版本（生效日期与那一版相同），再撤销本批次"
    )
