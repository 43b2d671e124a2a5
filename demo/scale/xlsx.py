"""The import benchmark's workbooks: a points sheet of new events and the roster it needs."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np

from analytics.rules import rulebook as rb
from analytics.store.db import Con


def import_file_paths(db: str | Path) -> tuple[Path, Path]:
    db = Path(db)
    return db.with_name(db.stem + "_points.xlsx"), db.with_name(db.stem + "_roster.xlsx")


def _xlsx(sheet: str, rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _book_of_the_year(cur: Con, year: int) -> tuple[rb.RuleBook, date, int]:
    """The rule version in force on most days of the campaign year, its first day in the year and how many: every row
    is dated inside them, so each is checked against the items and values it was written from."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    best: tuple[int, date, date] | None = None
    for version_id, valid_from, valid_to in rb.version_spans(cur):
        low, high = max(start, valid_from), min(end, valid_to or end)
        if low <= high and (best is None or high - low > best[2] - best[1]):
            best = (version_id, low, high)
    if best is None:
        raise ValueError(f"{year}年没有生效的规则版本，写不出导入基准用的文件")
    return rb.load(cur, best[0]), best[1], (best[2] - best[1]).days + 1


HEADER = ["序号", "日期", "姓名", "科室", "工号", "考核内容", "事项编号", "分值", "事由", "登记人"]


def _stable_people(cur: Con, year: int) -> list[tuple]:
    """(person_id, name, staff_no, section name) of everyone on the roster now who has been in one section since
    before the year began: their rows are valid on any day of it."""
    return cur.execute(
        """
        select p.person_id, p.name, p.staff_no, s.name
        from person p join membership m using (person_id) join section s using (section_id)
        where p.left_on is null and m.valid_to is null and m.valid_from <= ?
          and (select count(*) from membership x where x.person_id = p.person_id) = 1
        order by p.person_id
        """,
        [date(year, 1, 1)],
    ).fetchall()


def _points_rows(people: list[tuple], items: list[rb.Item], rows: int, day0: int, days: int, seed: int) -> list[list]:
    """The header and `rows` rows: a person of `people` and an item of `items` each, on a day of the `days` from
    ordinal day0, at the item's value."""
    rng = np.random.default_rng(seed + 1)
    pick_person = rng.integers(0, len(people), rows)
    pick_item = rng.integers(0, len(items), rows)
    pick_day = rng.integers(0, days, rows)
    data: list[list] = [HEADER]
    for n in range(rows):
        _, name, staff, section = people[pick_person[n]]
        item = items[pick_item[n]]
        data.append(
            [n + 1, date.fromordinal(day0 + int(pick_day[n])), name, section, staff, item.content, item.code,
             item.points_min, f"{item.name}（补录第{n + 1}条）", "考核专员"]
        )  # fmt: skip
    return data


def _refuse(year: int) -> ValueError:
    return ValueError(
        f"数据库里没有{year}年全年在同一科室的在册人员或可用的加减分事项，写不出导入基准用的文件；"
        "请用 python -m analytics scale 生成规模数据库"
    )


def write_import_files(
    cur: Con, points_path: Path, roster_path: Path, rows: int, seed: int = 2022
) -> tuple[rb.RuleBook, date]:
    """A points workbook of `rows` new events in the campaign year for people who stayed in one section all along
    (so it is valid both against this database and against an empty one that first imports the roster workbook),
    and that roster workbook: everyone still on the roster, with 工号 because names repeat. Returns the rule book the
    rows were written from and its first day in the year: an empty database given that book from that day (the
    benchmark does) accepts the file as this one does."""
    year = rb.current(cur).campaign_year
    book, first_day, days = _book_of_the_year(cur, year)
    stable = _stable_people(cur, year)
    roster = cur.execute(
        """
        select p.name, s.name, p.staff_no, p.title, p.category
        from person p join membership m using (person_id) join section s using (section_id)
        where p.left_on is null and m.valid_to is null
        order by p.person_id
        """
    ).fetchall()
    items = [i for i in book.items if not i.veto]
    if not stable or not items:
        raise _refuse(year)
    data = _points_rows(stable, items, rows, first_day.toordinal(), days, seed)
    points_path.write_bytes(_xlsx("加减分", data))
    roster_path.write_bytes(_xlsx("干部名单", [["姓名", "科室", "工号", "职务", "人员类别"], *map(list, roster)]))
    return book, first_day


def month_file(cur: Con, rows: int = 200, seed: int = 2022) -> tuple[bytes, date]:
    """What a clerk sends each month: `rows` new points rows of one section (the one with the most people who stayed
    in it all year) in one month (the middle month of the campaign year's main rule version, so the file checks
    against it), as xlsx bytes; and that month's first day."""
    year = rb.current(cur).campaign_year
    book, first_day, days = _book_of_the_year(cur, year)
    stable = _stable_people(cur, year)
    items = [i for i in book.items if not i.veto]
    if not stable or not items:
        raise _refuse(year)
    counts: dict[str, int] = {}
    for person in stable:
        counts[person[3]] = counts.get(person[3], 0) + 1
    section = max(counts, key=lambda name: (counts[name], name))
    people = [p for p in stable if p[3] == section]
    middle = date.fromordinal(first_day.toordinal() + days // 2)
    start = max(middle.replace(day=1), first_day)
    following = date(middle.year + middle.month // 12, middle.month % 12 + 1, 1)
    last = min(date.fromordinal(following.toordinal() - 1), date.fromordinal(first_day.toordinal() + days - 1))
    data = _points_rows(people, items, rows, start.toordinal(), (last - start).days + 1, seed)
    return _xlsx(f"{middle.month}月", data), middle.replace(day=1)
