"""Which sections each deputy head (分管部长) leads: recorded in deputy_section, else derived from the roster."""

from __future__ import annotations

from datetime import datetime

from analytics.accounts import audit
from analytics.accounts.roles import MANAGE_RULES, Actor, require
from analytics.errors import DashboardError
from analytics.store.db import Con, scalar

# Titles that make a person a deputy head; 部长 himself chairs the whole-department review.
DEPUTY_TITLES = ("常务副部长", "副部长")


def sections(cur: Con) -> list[str]:
    return [r[0] for r in cur.execute("select name from section order by sort_order, section_id").fetchall()]


def _from_roster(cur: Con) -> dict[str, list[str]]:
    """The default: each current deputy leads the section he sits in; the sections without a deputy are dealt out
    in section order, one by one, to the deputies in the order of their titles (常务副部长 first)."""
    rows = cur.execute(
        """
        select p.name, p.title, s.name as section
        from person p
        join membership m on m.person_id = p.person_id and m.valid_to is null
        join section s on s.section_id = m.section_id
        where p.left_on is null and p.title in ('常务副部长', '副部长')
        order by case p.title when '常务副部长' then 0 else 1 end, s.sort_order, p.person_id
        """
    ).fetchall()
    if not rows:
        return {}
    led: dict[str, list[str]] = {}
    taken: set[str] = set()
    for name, _title, section in rows:
        led.setdefault(name, [])
        if section not in taken:
            led[name].append(section)
            taken.add(section)
    names = list(led)
    rest = [s for s in sections(cur) if s not in taken]
    for n, section in enumerate(rest):
        led[names[n % len(names)]].append(section)
    order = {s: n for n, s in enumerate(sections(cur))}
    return {name: sorted(secs, key=lambda s: order.get(s, len(order))) for name, secs in led.items()}


def deputies(cur: Con) -> dict[str, list[str]]:
    """{deputy name: [section names he leads]} in a stable order; recorded assignments win over the roster default."""
    rows = cur.execute(
        """
        select d.deputy, d.section_name
        from deputy_section d
        join section s on s.name = d.section_name
        order by d.sort_order, s.sort_order
        """
    ).fetchall()
    if not rows:
        return _from_roster(cur)
    led: dict[str, list[str]] = {}
    for deputy, section in rows:
        led.setdefault(deputy, []).append(section)
    return led


def is_recorded(cur: Con) -> bool:
    return bool(scalar(cur, "select count(*) from deputy_section"))


def assign(cur: Con, assignment: dict[str, list[str]], actor: Actor | None) -> None:
    """Record the whole assignment at once (inside the caller's transaction); an empty mapping goes back to the
    roster default. Every section named must exist and be led by one deputy only. Only an admin may change it."""
    who = require(actor, MANAGE_RULES)
    audit.record(
        cur,
        who.name,
        "deputies",
        "分管部长",
        "；".join(f"{d}：{'、'.join(s)}" for d, s in assignment.items()) or "恢复按名单推定",
        who.ip,
    )
    actor_name = who.name
    known = set(sections(cur))
    seen: dict[str, str] = {}
    for deputy, secs in assignment.items():
        if not str(deputy).strip():
            raise DashboardError("分管部长姓名不能为空。")
        for section in secs:
            if section not in known:
                raise DashboardError(f"没有名为“{section}”的科室。现有科室：{'、'.join(sorted(known))}。")
            if section in seen and seen[section] != deputy:
                raise DashboardError(
                    f"科室“{section}”同时分给了 {seen[section]} 和 {deputy}，一个科室只能由一位部长分管。"
                )
            seen[section] = deputy
    cur.execute("delete from deputy_section")
    now = datetime.now()
    rows = [
        [section, deputy.strip(), n, now, actor_name]
        for n, (deputy, secs) in enumerate(assignment.items())
        for section in secs
    ]
    if rows:
        cur.executemany("insert into deputy_section values (?, ?, ?, ?, ?)", rows)
