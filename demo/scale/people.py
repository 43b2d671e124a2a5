"""The scale data set's people: names, sections and memberships with moves, leavers and joiners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from demo.scale.days import _Calendar, _month_start
from demo.scale.plan import GIVEN, SECTION_KINDS, SURNAMES, TITLES


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surnames = np.array(list(SURNAMES))
    given = np.array(list(GIVEN))
    first = surnames[rng.integers(0, len(surnames), n)]
    second = given[rng.integers(0, len(given), n)]
    third = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    return np.char.add(np.char.add(first, second), third)


@dataclass
class _Roster:
    person: pd.DataFrame  # person_id, name, staff_no, title, category, join_month, leave_month, left_on
    section_by_month: np.ndarray  # people × months: section_id held in the month
    memberships: pd.DataFrame  # person_id, section_id, valid_from, valid_to, month (the roster batch's month)
    section_names: list[str]
    moves: pd.DataFrame  # person_id, month, from_section, to_section
    active: np.ndarray  # people × months: present the whole month


def _roster(rng: np.random.Generator, people: int, sections: int, cal: _Calendar) -> _Roster:
    months = cal.months
    names = [
        SECTION_KINDS[i % len(SECTION_KINDS)] + ("" if i < len(SECTION_KINDS) else str(i // len(SECTION_KINDS) + 1))
        for i in range(sections)
    ]
    quarters = list(range(3, months, 3))
    # 90% are on the first roster; the rest join at the start of a later quarter. About 1% leave each quarter.
    join = np.zeros(people, dtype=np.int64)
    joiners = rng.random(people) >= 0.9
    if quarters:
        join[joiners] = rng.choice(quarters, joiners.sum())
    leave = np.full(people, months, dtype=np.int64)
    if quarters:
        leaving = rng.random(people) < 0.01 * len(quarters)
        leave[leaving] = rng.choice(quarters, leaving.sum())
        leave = np.where(leave <= join, months, leave)
    home = rng.integers(1, sections + 1, people)
    section_by_month = np.repeat(home[:, None], months, axis=1)
    # About 1% move section at each quarter start (岗位交流).
    move_rows = []
    for q in quarters:
        movers = np.flatnonzero((rng.random(people) < 0.01) & (join < q) & (leave > q))
        if sections < 2:
            break
        target = (section_by_month[movers, q] + rng.integers(1, sections, len(movers)) - 1) % sections + 1
        for pid, to in zip(movers, target, strict=True):
            move_rows.append((pid + 1, q, int(section_by_month[pid, q]), int(to)))
            section_by_month[pid, q:] = to
    moves = pd.DataFrame(move_rows, columns=["person_id", "month", "from_section", "to_section"])
    active = (np.arange(months)[None, :] >= join[:, None]) & (np.arange(months)[None, :] < leave[:, None])
    title = rng.integers(0, len(TITLES), people)
    person = pd.DataFrame(
        {
            "person_id": np.arange(1, people + 1),
            "name": _names(rng, people),
            "staff_no": [f"S{n:05d}" for n in range(1, people + 1)],
            "title": [TITLES[t][0] for t in title],
            "category": [TITLES[t][1] for t in title],
            "join_month": join,
            "leave_month": leave,
        }
    )
    person["left_on"] = [None if m >= months else date.fromordinal(_month_start(m).toordinal() - 1) for m in leave]
    # Memberships: one stretch from joining, split at each move.
    spans = []
    for pid in range(people):
        row = section_by_month[pid]
        start = int(join[pid])
        for m in range(start + 1, months):
            if row[m] != row[m - 1]:
                spans.append((pid + 1, int(row[start]), start, m))
                start = m
        spans.append((pid + 1, int(row[start]), start, None))
    memberships = pd.DataFrame(spans, columns=["person_id", "section_id", "from_month", "to_month"])
    memberships["valid_from"] = [_month_start(m) for m in memberships["from_month"]]
    memberships["valid_to"] = [
        None if m is None or m != m else date.fromordinal(_month_start(int(m)).toordinal() - 1)
        for m in memberships["to_month"]
    ]
    return _Roster(person, section_by_month, memberships, names, moves, active)
