"""The demo year's people: names, the roster in its sections, and the July move, leaver and joiner."""

from __future__ import annotations

import random

from demo.year.model import _Person, _Year
from demo.year.plan import _GIVEN, _GIVEN_FIRST, _SURNAMES, DUPLICATE_NAME, JOIN_ON, LEAVE_ON, MOVE_ON, SECTIONS


def _names(rng: random.Random, count: int) -> list[str]:
    surnames = "".join(chars * weight for chars, weight in _SURNAMES)
    taken = {DUPLICATE_NAME}
    out = []
    while len(out) < count:
        given = rng.choice(_GIVEN) if rng.random() < 0.35 else rng.choice(_GIVEN_FIRST) + rng.choice(_GIVEN)
        name = rng.choice(surnames) + given
        if name not in taken and len(set(given)) == len(given):
            taken.add(name)
            out.append(name)
    return out


def _category(title: str, young: bool) -> str:
    # Every row names a 人员类别: a roster re-upload with blank ones reads as changes to every such person.
    if title.endswith("部长"):
        return "部领导"
    if young:
        return "青年干部"
    if title in ("科长", "主任", "副科长", "副主任"):
        return "中层干部"
    return "一般干部"


def _people(y: _Year) -> None:
    rng = y.rng
    total = sum(len(titles) for _, titles in SECTIONS) + 1
    names = _names(rng, total)
    number = 0
    for section, titles in SECTIONS:
        for title in titles:
            number += 1
            youth = {"科员": 0.85, "一级科员": 0.6, "四级主任科员": 0.3}.get(title, 0.0)
            drive = 0.0 if title == "部长" else rng.uniform(0.55, 1.45) * (0.45 if title.endswith("部长") else 1.0)
            y.people.append(
                _Person(
                    names[number - 1],
                    section,
                    title,
                    _category(title, rng.random() < youth),
                    f"LC{number:03d}",
                    drive,
                )
            )

    def pick(section: str, title: str) -> _Person:
        return next(p for p in y.people if p.section == section and p.title == title and not p.fixed)

    for section, title in (("组织科", "科员"), ("公务员管理科", "一级科员")):
        twin = pick(section, title)
        twin.name, twin.fixed = DUPLICATE_NAME, True
    for section, title, to in (("组织科", "一级科员", "研究室"), ("干部二科", "科员", "干部监督科")):
        mover = pick(section, title)
        mover.moved, mover.fixed = (y.day(*MOVE_ON), to), True
    leaver = pick("公务员管理科", "一级主任科员")
    leaver.left, leaver.fixed = y.day(*LEAVE_ON), True
    pick("干部监督科", "四级主任科员").new_title = "副科长"
    y.people.append(
        _Person(
            names[-1],
            "干部一科",
            "科员",
            "青年干部",
            f"LC{total:03d}",
            rng.uniform(0.8, 1.2),
            joined=y.day(*JOIN_ON),
            fixed=True,
        )
    )
