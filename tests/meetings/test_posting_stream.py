"""The streamed posting workbook (analytics.meetings.posting.posting_xlsx, openpyxl's write-only mode) loads back the
same as the cell-by-cell workbook it replaced (tests/meetings/posting_cellwise.py, kept as the oracle): every cell's
value, type, font, fill, border, alignment and number format, the merged ranges, the row heights and column widths,
the print settings, header, footer and frozen panes. On the demo year's months, a published version, and random
rows with hostile text, missing values and people listed out of order."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import posting_cellwise
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.meetings import posting
from analytics.meetings import publish as pub
from analytics.periods import Month


@pytest.fixture(scope="module")
def demo_cur(demo_db):
    from analytics import open_db

    con = open_db(demo_db)
    yield con.cursor()
    con.close()


def cell_facts(c) -> tuple:
    return (
        c.value,
        c.data_type,
        c.number_format,
        (c.font.name, c.font.b, c.font.sz),
        (c.fill.fill_type, c.fill.fgColor.rgb),
        tuple(
            (side.style, side.color.rgb if side.color else None)
            for side in (c.border.left, c.border.right, c.border.top, c.border.bottom)
        ),
        (c.alignment.horizontal, c.alignment.vertical, c.alignment.wrap_text),
    )


def book_facts(content: bytes) -> dict:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    return {
        "title": ws.title,
        "size": (ws.max_row, ws.max_column),
        "cells": [[cell_facts(c) for c in row] for row in ws.iter_rows()],
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height},
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
        "print": (
            ws.print_area,
            ws.print_title_rows,
            ws.page_setup.orientation,
            str(ws.page_setup.paperSize),
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage,
            ws.print_options.horizontalCentered,
            ws.page_margins.left,
            ws.page_margins.right,
        ),
        "header": (ws.oddHeader.right.text, ws.oddFooter.center.text),
        "frozen": ws.freeze_panes,
    }


def assert_same_book(sheet: posting.PostingSheet) -> dict:
    got, expected = book_facts(posting.posting_xlsx(sheet)), book_facts(posting_cellwise.posting_xlsx(sheet))
    assert list(got) == list(expected)
    for key in got:
        if key == "cells":
            assert len(got[key]) == len(expected[key])
            for n, (a, b) in enumerate(zip(got[key], expected[key]), start=1):
                assert a == b, f"row {n}"
        else:
            assert got[key] == expected[key], key
    return got


@pytest.mark.parametrize("month", ["2022-03", "2022-07", "2022-12"])
def test_the_demo_years_postings_stream_as_they_were_written(demo_cur, month):
    got = assert_same_book(posting.posting_sheet(demo_cur, month))
    assert got["size"][0] > 20 and any(r.endswith(":H" + r.split(":H")[-1]) for r in got["merged"])


def test_a_published_version_streams_as_it_was_written(demo_db, tmp_path):
    import shutil

    from analytics import open_db
    from analytics.accounts.roles import ADMIN, Actor

    copy = tmp_path / "published.duckdb"
    shutil.copy(demo_db, copy)
    con = open_db(copy)
    try:
        pub.publish(con, "2022-05", Actor("管理员", ADMIN), today=date(2022, 6, 6))
        assert_same_book(posting.posting_sheet(con.cursor(), "2022-05"))
    finally:
        con.close()


NAMED = st.sampled_from(["组织科", "干部一科", "=1+1", "+86", "-3", "@x", "\t制表", "a\x01b", "<b>粗</b>", "", "  "])
TEXT = st.one_of(st.none(), NAMED, st.text(max_size=6))


@st.composite
def postings(draw):
    n = draw(st.integers(0, 25))
    # A person has one name and is listed in one section a month (the posting's own rows always do); names and
    # sections are any text, hostile included.
    names = st.one_of(NAMED, st.text(max_size=6))
    people = [(pid, draw(names), draw(names)) for pid in draw(st.lists(st.integers(1, 6), min_size=1, unique=True))]
    rows = []
    for i in range(n):
        person_id, name, section = draw(st.sampled_from(people))
        rows.append(
            {
                "fact_id": i + 1,
                "section": section,
                "person_id": person_id,
                "name": name,
                "event_date": draw(st.sampled_from([pd.Timestamp("2022-03-01"), pd.Timestamp("2022-03-31")])),
                "content": draw(TEXT),
                "item_code": draw(st.one_of(st.none(), st.sampled_from(["A1", "=A1"]))),
                "item_name": draw(TEXT),
                "points": draw(st.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 2))),
                "counted": draw(st.floats(-50, 50, allow_nan=False).map(lambda x: round(x, 2))),
                "capped": draw(st.one_of(st.none(), st.floats(-5, 5, allow_nan=False))),
                "veto": draw(st.one_of(st.none(), st.booleans())),
                "reason": draw(TEXT),
            }
        )
    frame = pd.DataFrame(rows, columns=pub.ROW_COLUMNS)  # lineage columns left blank: the workbook does not show them
    version = draw(st.booleans())
    return posting.PostingSheet(
        Month(2022, 3),
        frame,
        draw(st.integers(1, 3)),
        pub.Version(
            "2022-03", 2, datetime(2022, 4, 2, 9), "管理员", 1, None, [], date(2022, 4, 4), date(2022, 4, 8), "=更正"
        )
        if version
        else None,
        draw(st.one_of(st.none(), st.just(datetime(2022, 4, 1, 8, 30)))),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=postings())
def test_random_postings_stream_as_they_were_written(sheet):
    assert_same_book(sheet)
