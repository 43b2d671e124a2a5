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


def write_import_files(cur: Con, points_path: Path, roster_path: Path, rows: int, seed: int = 2022) -> None:
    """A points workbook of `rows` new events in the campaign year for people who stayed in one section all along
    (so it is valid both against this database and against an empty one that first imports the roster workbook),
    and that roster workbook: everyone still on the roster, with 工号 because names repeat."""
    book = rb.current(cur)
    year = book.campaign_year
    stable = cur.execute(
        """
        select p.person_id, p.name, p.staff_no, s.name
        from person p join membership m using (person_id) join section s using (section_id)
        where p.left_on is null and m.valid_to is null and m.valid_from <= ?
          and (select count(*) from membership x where x.person_id = p.person_id) = 1
        order by p.person_id
        """,
        [date(year, 1, 1)],
    ).fetchall()
    roster = cur.execute(
        """
        select p.name, s.name, p.staff_no, p.title, p.category
        from person p join membership m using (person_id) join section s using (section_id)
        where p.left_on is null and m.valid_to is null
        order by p.person_id
        """
    ).fetchall()
    rng = np.random.default_rng(seed + 1)
    items = [i for i in book.items if not i.veto]
    pick_person = rng.integers(0, len(stable), rows)
    pick_item = rng.integers(0, len(items), rows)
    day0 = date(year, 1, 1).toordinal()
    pick_day = rng.integers(0, 365, rows)
    data: list[list] = [["序号", "日期", "姓名", "科室", "工号", "考核内容", "事项编号", "分值", "事由", "登记人"]]
    for n in range(rows):
        _, name, staff, section = stable[pick_person[n]]
        item = items[pick_item[n]]
        data.append(
            [n + 1, date.fromordinal(day0 + int(pick_day[n])), name, section, staff, item.content, item.code,
             item.points_min, f"{item.name}（补录第{n + 1}条）", "考核专员"]
        )  # fmt: skip
    points_path.write_bytes(_xlsx("加减分", data))
    roster_path.write_bytes(_xlsx("干部名单", [["姓名", "科室", "工号", "职务", "人员类别"], *map(list, roster)]))
