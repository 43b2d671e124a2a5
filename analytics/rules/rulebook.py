"""The rule book's versions in the database: saving and reading a book, the default written on first start, and the
version in force on a date (the latest version whose effective date is on or before it). What a book holds:
book.py, whose names are re-exported here for the callers that have always imported them from this module."""

from __future__ import annotations

from datetime import date, datetime

from analytics.errors import RuleBookError
from analytics.rules.book import (
    COUNTERS,
    FREQUENCIES,
    PARAM_BY_KEY,
    PARAMS,
    Activity,
    Arena,
    Content,
    Item,
    Ledger,
    Param,
    RuleBook,
    Stage,
    Vocabulary,
    book_from_mapping,
    default_book,
)
from analytics.store.db import Con, first_row

__all__ = [
    "Activity",
    "Arena",
    "COUNTERS",
    "Content",
    "FREQUENCIES",
    "Item",
    "Ledger",
    "PARAM_BY_KEY",
    "PARAMS",
    "Param",
    "RuleBook",
    "Stage",
    "Vocabulary",
    "book_from_mapping",
    "default_book",
    "save",
    "load",
    "ensure_default",
    "version_in_force",
    "in_force",
    "current",
    "versions",
    "version_spans",
]

# Storage -----------------------------------------------------------------------------------------


def save(
    cur: Con,
    book: RuleBook,
    effective_from: date,
    source: str,
    created_by: str | None = None,
    note: str | None = None,
    batch_id: int | None = None,
) -> int:
    """Store the book as a new version; the caller holds the write transaction."""
    book.check()
    # max + 1 under the write lock rather than a sequence: a trial save that is rolled back (a preview of a rule
    # change) would otherwise use up a number, and versions are read as 第 N 版.
    version_id = cur.execute("select coalesce(max(version_id), 0) + 1 from rule_version").fetchall()[0][0]
    cur.execute(
        "insert into rule_version values (?, ?, ?, ?, ?, ?, ?)",
        [version_id, effective_from, datetime.now(), created_by, source, batch_id, note],
    )
    cur.executemany(
        "insert into rule_param values (?, ?, ?, null)",
        [[version_id, k, v] for k, v in book.params.items()],
    )
    cur.executemany(
        "insert into rule_content values (?, ?, ?, ?, ?, ?)",
        [[version_id, c.code, c.name, c.star_name, n, list(c.aliases)] for n, c in enumerate(book.contents)],
    )
    if book.items:
        cur.executemany(
            "insert into rule_item values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [version_id, i.code, i.content, i.name, i.points_min, i.points_max, i.monthly_cap, i.veto, i.note]
                for i in book.items
            ],
        )
    cur.executemany(
        "insert into rule_activity values (?, ?, ?, ?, ?, ?, ?)",
        [
            [version_id, a.name, a.frequency, a.five_one, a.counter, n, list(a.aliases)]
            for n, a in enumerate(book.activities)
        ],
    )
    cur.executemany(
        "insert into rule_ledger values (?, ?, ?, ?, ?)",
        [[version_id, x.name, x.planned, n, list(x.aliases)] for n, x in enumerate(book.ledgers)],
    )
    cur.executemany(
        "insert into rule_stage values (?, ?, ?, ?)",
        [[version_id, s.name, s.step, list(s.aliases)] for s in book.stages],
    )
    cur.executemany(
        "insert into rule_arena values (?, ?, ?, ?)",
        [[version_id, a.name, n, list(a.aliases)] for n, a in enumerate(book.arenas)],
    )
    return version_id


# Versions never change once saved, so a loaded book is kept. The key carries the version's creation time, which
# tells apart same-numbered versions of different databases (the tests open many).
_LOADED: dict[tuple, RuleBook] = {}


def load(cur: Con, version_id: int) -> RuleBook:
    head = cur.execute(
        "select effective_from, source, note, created_at, created_by from rule_version where version_id = ?",
        [version_id],
    ).fetchall()
    if not head:
        raise RuleBookError(f"规则版本 {version_id} 不存在")
    row = head[0]
    key = (version_id, *row)
    if key not in _LOADED:
        if len(_LOADED) > 64:
            _LOADED.clear()
        _LOADED[key] = _read(cur, version_id, row)
    return _LOADED[key]


def _read(cur: Con, version_id: int, head: tuple) -> RuleBook:
    params = dict(cur.execute("select key, value from rule_param where version_id = ?", [version_id]).fetchall())
    contents = tuple(
        Content(code, name, star, tuple(aliases or ()))
        for code, name, star, aliases in cur.execute(
            "select code, name, star_name, aliases from rule_content where version_id = ? order by sort_order",
            [version_id],
        ).fetchall()
    )
    items = tuple(
        Item(*row)
        for row in cur.execute(
            """
            select code, content, name, points_min, points_max, monthly_cap, veto, note
            from rule_item where version_id = ? order by code
            """,
            [version_id],
        ).fetchall()
    )
    activities = tuple(
        Activity(name, freq, five_one, counter, tuple(aliases or ()))
        for name, freq, five_one, counter, aliases in cur.execute(
            "select name, frequency, five_one, counter, aliases from rule_activity where version_id = ? order by sort_order",
            [version_id],
        ).fetchall()
    )
    ledgers = tuple(
        Ledger(name, planned, tuple(aliases or ()))
        for name, planned, aliases in cur.execute(
            "select name, planned, aliases from rule_ledger where version_id = ? order by sort_order", [version_id]
        ).fetchall()
    )
    stages = tuple(
        Stage(name, step, tuple(aliases or ()))
        for name, step, aliases in cur.execute(
            "select name, step, aliases from rule_stage where version_id = ? order by step", [version_id]
        ).fetchall()
    )
    arenas = tuple(
        Arena(name, tuple(aliases or ()))
        for name, aliases in cur.execute(
            "select name, aliases from rule_arena where version_id = ? order by sort_order", [version_id]
        ).fetchall()
    )
    effective_from, source, note, created_at, created_by = head
    return RuleBook(
        params,
        contents,
        items,
        activities,
        ledgers,
        stages,
        arenas,
        version_id=version_id,
        effective_from=effective_from,
        source=source,
        note=note,
        created_at=created_at,
        created_by=created_by,
    )


def ensure_default(con: Con) -> None:
    """Write the shipped rule book as version 1 when the database has none."""
    from analytics.store.db import scalar, transaction

    if scalar(con, "select count(*) from rule_version"):
        return
    with transaction(con) as cur:
        if scalar(cur, "select count(*) from rule_version"):
            return
        book = default_book()
        save(cur, book, date(book.campaign_year, 1, 1), "default", note="系统默认规则（考核办法）")


def version_in_force(cur: Con, on: date) -> int:
    """The version id in force on a date; before the first version, the first version."""
    row = first_row(
        cur,
        """
        select version_id from rule_version
        where effective_from <= ?
        order by effective_from desc, version_id desc
        limit 1
        """,
        [on],
    )
    if row is None:
        row = first_row(cur, "select version_id from rule_version order by effective_from, version_id limit 1")
    if row is None:
        raise RuleBookError("数据库中还没有规则，请重新启动以写入默认规则")
    return row[0]


def in_force(cur: Con, on: date) -> RuleBook:
    return load(cur, version_in_force(cur, on))


def current(cur: Con) -> RuleBook:
    """The newest version (by effective date): what new uploads are checked against by default."""
    row = first_row(cur, "select version_id from rule_version order by effective_from desc, version_id desc limit 1")
    if row is None:
        raise RuleBookError("数据库中还没有规则，请重新启动以写入默认规则")
    return load(cur, row[0])


def versions(cur: Con) -> list[dict]:
    """One row per version, newest first, with what changed made readable."""
    rows = cur.execute(
        """
        select v.version_id, v.effective_from, v.created_at, v.created_by, v.source, v.batch_id, v.note,
               (select count(*) from rule_item i where i.version_id = v.version_id) as items
        from rule_version v
        order by v.effective_from desc, v.version_id desc
        """
    ).fetchall()
    keys = ["version_id", "effective_from", "created_at", "created_by", "source", "batch_id", "note", "items"]
    return [dict(zip(keys, row)) for row in rows]


def version_spans(cur: Con) -> list[tuple[int, date, date | None]]:
    """(version_id, valid_from, valid_to inclusive or None) in date order; the first version also covers all
    earlier dates."""
    rows = cur.execute(
        """
        select version_id, effective_from,
               lead(effective_from) over (order by effective_from, version_id) - interval 1 day as valid_to
        from (
            select version_id, effective_from,
                   row_number() over (partition by effective_from order by version_id desc) as rn
            from rule_version
        ) where rn = 1
        order by effective_from
        """
    ).fetchall()
    spans = []
    for n, (vid, start, end) in enumerate(rows):
        spans.append((vid, date.min if n == 0 else start, end.date() if isinstance(end, datetime) else end))
    return spans
