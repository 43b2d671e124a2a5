"""An event's identity: the same event sent again is stored once.

Rows of an upload equal to stored rows on the kind's identity (analytics.sheets.kinds: `identity`, `detail`) are the
same events: the check skips them with one warning, the batch claims them (fact_claim), and undoing the batch that
first brought them hands them to the earliest active batch that claimed them, so they stay while any of their
files is imported."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from analytics.sheets.kinds import KINDS, Kind
from analytics.sheets.normalize import text_key
from analytics.sheets.problems import ERROR, MAX_LISTED, WARNING, Problem
from analytics.store.db import Con, fetch_df

if TYPE_CHECKING:
    from analytics.sheets.checks.checker import Checker
    from analytics.sheets.checks.result import SheetResult
    from analytics.sheets.people import People


def stored_matches(
    cur: Con,
    rows: pd.DataFrame,
    table: str,
    keys: list[str],
    extra: str = "",
    detail: tuple[str, ...] = (),
    loose: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Rows of an upload that match rows already stored in `table` on `keys` (blank equals blank) and on `detail`
    where both are filled (a blank detail matches any); the keys in `loose` are free text compared by text_key. One
    row per matching upload row and stored row: the upload's _row plus the stored fact's batch and any `extra`
    columns. A hash join in DuckDB on the exact keys, fast however big the table; the few pairs it finds are then
    compared on the loose keys here."""
    if rows.empty:
        return pd.DataFrame(columns=["_row", "batch_id"])
    exact_keys = [k for k in keys if k not in loose]
    loose_keys = [k for k in keys if k in loose]
    condition = " and ".join(
        [f"t.{k} is not distinct from p.{k}" for k in exact_keys]
        + [f"(t.{k} is null or p.{k} is null or t.{k} = p.{k})" for k in detail]
    )
    extra += "".join(f", p.{k} as _upload_{k}, t.{k} as _stored_{k}" for k in loose_keys)
    probe = rows[[*keys, *detail, "_row"]]
    condition, params = within_dates(condition, rows["event_date"] if "event_date" in keys else None)
    cur.complete()
    cur.register("upload_probe", probe)
    try:
        found = fetch_df(
            cur,
            f"""
            select p._row, t.batch_id {extra}
            from upload_probe p join {table} t on {condition}
            """,
            params or None,
        )
    finally:
        cur.unregister("upload_probe")
    return same_loose(found, loose_keys)


def same_loose(found: pd.DataFrame, loose: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """The pairs of a join whose free-text keys agree by text_key (blank equals only blank): each key's
    _upload_<k> and _stored_<k> columns are compared, and taken out."""
    same = pd.Series(True, index=found.index)
    for k in loose:
        upload = found.pop(f"_upload_{k}").map(text_key, na_action="ignore")
        stored = found.pop(f"_stored_{k}").map(text_key, na_action="ignore")
        same &= (upload == stored) | (upload.isna() & stored.isna())
    return found[same]


def within_dates(condition: str, days: pd.Series | None) -> tuple[str, dict[str, object]]:
    """A join condition narrowed to stored rows within the upload's dates (when it has them all): a range DuckDB
    answers from each row group's min/max, so a year's file never reads the other years of a big table."""
    span = _date_span(days) if days is not None else None
    if span is None:
        return condition, {}
    return condition + " and t.event_date between $low and $high", {"low": span[0], "high": span[1]}


def _date_span(days: pd.Series) -> tuple[date, date] | None:
    """The first and last date of a column of dates; None when one is missing or they are not all dates."""
    values = days.to_numpy(dtype=object)
    if not len(values) or pd.api.types.infer_dtype(values, skipna=False) != "date":
        return None
    try:
        return values.min(), values.max()
    except TypeError:  # dates beside date-times do not compare; the range is only a shortcut
        return None


def _one_to_one(rows: list[int], facts: list[int], exact: list[bool]) -> list[int]:
    """Positions of the (row, fact) pairs that match as many upload rows to stored facts as can be, each on both
    sides at most once (augmenting paths, Kuhn's method; a row tries its exact matches first, then the facts in id
    order). Groups are the few rows and facts of one event identity, so the paths are short."""
    options: dict[int, list[tuple[bool, int, int]]] = {}
    for n, (row, fact, same) in enumerate(zip(rows, facts, exact)):
        options.setdefault(row, []).append((not same, fact, n))
    for listed in options.values():
        listed.sort()
    owner: dict[int, tuple[int, int]] = {}  # fact → (row, pair position)

    def place(row: int, seen: set[int]) -> bool:
        for _, fact, n in options[row]:
            if fact in seen:
                continue
            seen.add(fact)
            if fact not in owner or place(owner[fact][0], seen):
                owner[fact] = (row, n)
                return True
        return False

    for row in sorted(options):
        try:
            place(row, set())
        except RecursionError:  # a path longer than Python's stack (a hostile file): the row's first free fact
            free = next(((fact, n) for _, fact, n in options[row] if fact not in owner), None)
            if free is not None:
                owner[free[0]] = (row, free[1])
    return sorted(n for _, n in owner.values())


def skip_stored(
    check: Checker,
    cur: Con,
    rows: pd.DataFrame,
    kind: Kind,
    what: str,
    also: tuple[str, ...] = (),
    blank_means: dict[str, pd.Series] | None = None,
    unwritten: dict[str, pd.Series] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows that are events already stored by an earlier import (a cumulative sheet sent again, perhaps with
    more detail filled in); warn once with the first few. `blank_means`: for a decisive column, what a blank cell
    counts as on each row (by _row), see _decisive_changes. `unwritten`: for a decisive column the sheet fills with a
    default (角色 blank is 参与), whether each row (by _row) left it blank: such a row says nothing there. Returns (rows left, claims: fact_id and _row of each
    stored event sent again)."""
    if kind.table is None:
        raise ValueError(kind.key)  # only fact kinds have stored events
    exact = " and ".join(f"t.{k} is not distinct from p.{k}" for k in kind.detail) or "true"
    stored_decisive = "".join(f", t.{k} as _was_{k}" for k, _ in kind.decisive)
    found = stored_matches(
        cur,
        rows,
        kind.table,
        [*kind.identity, *also],
        f", t.fact_id, ({exact}) as exact{stored_decisive}",
        kind.detail,
        kind.loose,
    )
    claims = pd.DataFrame(columns=["fact_id", "_row", "batch_id"])
    if found.empty:
        return rows, claims
    # One stored event a row and one row a stored event: two rows of the upload (distinct in it, e.g. one with 事项编号
    # and one without) never claim the same stored fact; a row left without one is a new event.
    found = found.iloc[_one_to_one(found["_row"].tolist(), found["fact_id"].tolist(), found["exact"].tolist())]
    _decisive_changes(check, cur, rows, found, kind, blank_means, unwritten)
    found = found.drop(columns=[f"_was_{k}" for k, _ in kind.decisive])
    claims = found[["fact_id", "_row", "batch_id"]].reset_index(drop=True)
    claims["details"] = _details(rows, claims["_row"], kind)
    hit = rows["_row"].isin(found["_row"]).to_numpy()
    shown = "、".join(str(r) for r in rows["_row"].to_numpy()[hit][:MAX_LISTED])
    more = "等" if hit.sum() > MAX_LISTED else ""
    batches = "、".join(f"#{b}" for b in sorted(found["batch_id"].unique())[:MAX_LISTED])
    check.problems.append(
        Problem(
            WARNING,
            check.sheet,
            None,
            None,
            None,
            f"{int(hit.sum())} 行{what}与已导入的批次 {batches} 中的记录是同一事件（第 {shown} 行{more}），"
            "不会重复计入，将跳过；选填列（如依据、登记人）补填的内容不覆盖已导入的记录",
        )
    )
    return rows[~hit].reset_index(drop=True), claims


def warn_near(
    check: Checker, cur: Con, rows: pd.DataFrame, kind: Kind, near: tuple[str, ...], values: tuple[str, ...], claims
) -> None:
    """Rows equal to a stored event on `near` (a person, a day and a 考核内容) but not on `values` (分值, 事由): by
    the identity rule another event, and imported as one, but perhaps a correction of the stored row sent in a
    cumulative file. A warning on the row names the stored row, so the clerk can undo its batch if it was. One join
    within the upload's dates (stored_matches); the events this upload sends again are left out."""
    if rows.empty or kind.table is None:
        return
    extra = ", t.fact_id" + "".join(f", t.{k} as _old_{k}" for k in values)
    found = stored_matches(cur, rows, kind.table, list(near), extra)
    if claims is not None and len(claims):
        found = found[~found["fact_id"].isin(claims["fact_id"])]
    if found.empty:
        return
    found = found.sort_values(["_row", "fact_id"], kind="stable").reset_index(drop=True)
    sent = rows.set_index("_row")
    keys: dict[object, object] = {}  # text_key of each distinct text, worked out once

    def key_of(value: object) -> object:
        if value not in keys:
            keys[value] = text_key(value)  # type: ignore[arg-type]
        return keys[value]

    # Which of `values` differ, pair by pair: the columns are taken out once (a stored row a row of the upload).
    differ: dict[str, list[bool]] = {}
    old: dict[str, list] = {}
    for k in values:
        new_cells = sent[k].reindex(found["_row"]).tolist()
        old[k] = found[f"_old_{k}"].tolist()
        differ[k] = [not _same_value(new, was, k in kind.loose, key_of) for new, was in zip(new_cells, old[k])]
    positions = pd.Index(check.rows).get_indexer(found["_row"]).tolist()
    near_header = check.layout.header_of(_column_key(kind, near[-1], check))
    header = {k: f"「{check.layout.header_of(_column_key(kind, k, check))}」" for k in values}
    messages: dict[int, tuple[str, str]] = {}  # position → (column key, message): the first differing stored row
    for n, (pos, batch) in enumerate(zip(positions, found["batch_id"].tolist())):
        changed = [k for k in values if differ[k][n]]
        if pos in messages or not changed:
            continue
        labels = "、".join(header[k] for k in changed)
        stored = "，".join(_near_value(k, old[k][n]) for k in values)
        messages[pos] = (
            _column_key(kind, changed[0], check),
            f"批次 #{int(batch)} 中有同一人同一天同一{near_header}的记录（{stored}），"
            f"与本行只是{labels}不同，本行将作为另一件事导入：若本行是对那条的更正，请先在「导入记录」撤销批次 #{int(batch)}，"
            "再导入本文件；若两条都对，无需处理",
        )
    by_column: dict[str, list[int]] = {}
    for pos, (column, _) in messages.items():
        by_column.setdefault(column, []).append(pos)
    for column, positions in by_column.items():
        check.add(WARNING, positions, column, lambda pos: messages[pos][1])


def _same_value(new: object, old: object, loose: bool, key_of) -> bool:
    """A sent cell and a stored value are the same: free text by text_key (blank equals only blank), numbers within
    rounding, anything else by equality."""
    if loose:
        if pd.isna(new) or pd.isna(old):
            return bool(pd.isna(new) and pd.isna(old))
        return key_of(new) == key_of(old)
    if isinstance(new, float) or isinstance(old, float):
        return abs(float(new) - float(old)) < 1e-9  # type: ignore[arg-type]
    return new == old


def refuse_namesakes(check: Checker, cur: Con, rows: pd.DataFrame, kind: Kind, people: People) -> pd.DataFrame:
    """New rows equal to a stored event on everything but the person, where the stored event is another person of
    the same name: the same row sent again, named to another 张三 than when it was stored (the roster gained a
    namesake since, or this copy has 科室/工号 filled in). Imported, one event would count for two people; so such a
    row is refused, naming the stored row's batch and both people. Returns the rows left."""
    if rows.empty or kind.table is None or "person_id" not in kind.identity:
        return rows
    others = [k for k in kind.identity if k != "person_id"]
    exact_keys = [k for k in others if k not in kind.loose]
    condition = " and ".join(
        [f"t.{k} is not distinct from p.{k}" for k in exact_keys]
        + [f"(t.{k} is null or p.{k} is null or t.{k} = p.{k})" for k in kind.detail]
    )
    loose = "".join(f", p.{k} as _upload_{k}, t.{k} as _stored_{k}" for k in kind.loose)
    # Only a row whose person shares the name with someone can be one: the probe is those rows alone (usually
    # none), and the stored rows are looked at only within the upload's dates.
    cur.complete()
    shared = {name for (name,) in cur.execute("select name from person group by name having count(*) > 1").fetchall()}
    if not shared:
        return rows
    names = {pid: person.name for pid, person in people.people.items()}
    probe = rows[[*others, *kind.detail, "person_id", "_row"]].copy()
    probe["_name"] = probe["person_id"].map(names)
    probe = probe[probe["_name"].isin(shared)]
    if probe.empty:
        return rows
    condition, params = within_dates(condition, probe["event_date"] if "event_date" in others else None)
    cur.register("namesake_probe", probe)
    try:
        found = fetch_df(
            cur,
            f"""
            select p._row, p.person_id as now_id, t.person_id as then_id, t.batch_id, t.row_no {loose}
            from namesake_probe p join {kind.table} t on {condition}
            join person sp on sp.person_id = t.person_id
            where t.person_id <> p.person_id and sp.name = p._name
            """,
            params or None,
        )
    finally:
        cur.unregister("namesake_probe")
    found = same_loose(found, kind.loose)
    if found.empty:
        return rows
    position = {int(row): pos for pos, row in enumerate(check.rows.tolist())}
    for hit in found.sort_values(["_row", "batch_id"]).drop_duplicates("_row").to_dict("records"):
        batch = int(hit["batch_id"])
        where = f"批次 #{batch} 第 {int(hit['row_no'])} 行" if not pd.isna(hit["row_no"]) else f"批次 #{batch}"
        check.add(
            ERROR,
            position[int(hit["_row"])],
            "name",
            f"这一行与{where}已导入的记录是同一件事，但那条记在{people.describe(int(hit['then_id']))}名下，"
            f"本行对应的是{people.describe(int(hit['now_id']))}：同一件事不能计给两个同名的人。若那条记错了人，"
            f"请先在「导入记录」撤销批次 #{batch}，再导入本文件；若确是两人各有一条，请在「事由」中写明以区分",
        )
    return rows[~rows["_row"].isin(found["_row"])].reset_index(drop=True)


def _column_key(kind: Kind, stored: str, check: Checker) -> str:
    """The sheet's column key of a stored column (分值 may come from 加分/减分)."""
    if stored == "points" and "points" not in check.frame:
        return next((k for k in ("points_plus", "points_minus") if k in check.frame), "points")
    return stored


def _near_value(key: str, value: object) -> str:
    if key == "points" and isinstance(value, (int, float)) and not pd.isna(value):
        return f"分值 {value:+g}"
    if key == "reason":
        return f"事由“{value}”"
    return str(value)


def _decisive_changes(
    check: Checker,
    cur: Con,
    rows: pd.DataFrame,
    found: pd.DataFrame,
    kind: Kind,
    blank_means: dict[str, pd.Series] | None = None,
    unwritten: dict[str, pd.Series] | None = None,
) -> None:
    """Rows sent again that fill a decisive column (Kind.decisive) differently from the stored event: an error on
    each, naming every batch holding the event (undoing only the one that wrote it hands it to the next).

    A blank cell says nothing (事项编号), unless `blank_means` gives what it counts as, by _row: 一票否决 left blank
    follows the item's rule, so on an item that vetoes, 否 against blank changes the outcome either way round, and
    on one that does not, it changes nothing."""
    if not kind.decisive or found.empty:
        return
    sent = rows.set_index("_row").loc[found["_row"].to_numpy(), [k for k, _ in kind.decisive]].reset_index(drop=True)
    position = {int(row): pos for pos, row in enumerate(check.rows.tolist())}
    holders: dict[int, str] | None = None
    for key, column in kind.decisive:
        new = sent[key].to_numpy(dtype=object)
        old = found[f"_was_{key}"].to_numpy(dtype=object)
        means = (blank_means or {}).get(key)
        left = (unwritten or {}).get(key)
        blank = (
            left.reindex(found["_row"].to_numpy()).fillna(False).to_numpy(dtype=bool)
            if left is not None
            else pd.isna(new)
        )
        default = None if means is None else means.reindex(found["_row"].to_numpy()).to_numpy(dtype=object)
        label = check.layout.header_of(column)
        for n in range(len(found)):
            if default is not None:
                rule = bool(default[n]) if not pd.isna(default[n]) else False
                if (rule if pd.isna(new[n]) else bool(new[n])) == (rule if pd.isna(old[n]) else bool(old[n])):
                    continue
                note = f"（未填写即按事项规则{'否决' if rule else '不否决'}）"
            else:
                if blank[n] or pd.isna(new[n]) or (not pd.isna(old[n]) and old[n] == new[n]):
                    continue
                note = ""
            if holders is None:
                holders = _holders(cur, kind, found)
            fact = int(found["fact_id"].iat[n])
            batches = holders.get(fact, f"#{int(found['batch_id'].iat[n])}")
            before = "未填写" if pd.isna(old[n]) else f"为“{_shown(old[n])}”"
            now = "未填写" if pd.isna(new[n]) else f"为“{_shown(new[n])}”"
            check.add(
                ERROR,
                position[int(found["_row"].iat[n])],
                column,
                f"这一行与批次 {batches} 中已导入的记录是同一件事，那条的「{label}」{before}，本次{now}{note}，"
                f"{kind.decisive_effect}：请先在「导入记录」撤销批次 {batches}，再导入本文件；"
                "若那条无误，请删除本行",
            )


def _holders(cur: Con, kind: Kind, found: pd.DataFrame) -> dict[int, str]:
    """Every imported batch holding each stored event of `found`, as the text #2、#5: the one that wrote it and those
    that sent it again (the event stays while any of them is imported)."""
    rows = cur.execute(
        f"""
        select fact_id, batch_id from {kind.table} where fact_id in (select unnest($ids::bigint[]))
        union
        select c.fact_id, c.batch_id from fact_claim c join import_batch b using (batch_id)
        where c.fact_table = $table and b.status = 'committed' and c.fact_id in (select unnest($ids::bigint[]))
        order by 1, 2
        """,
        {"ids": [int(f) for f in found["fact_id"].unique()], "table": kind.table},
    ).fetchall()
    out: dict[int, list[str]] = {}
    for fact, batch in rows:
        out.setdefault(int(fact), []).append(f"#{int(batch)}")
    return {fact: "、".join(batches) for fact, batches in out.items()}


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def detail_columns(kind: Kind) -> list[str]:
    """The stored columns a claim carries over on hand-over: all but the identity, ids and the date."""
    fixed = {*kind.identity, *kind.id_columns, kind.date_column}
    return [c for c in kind.stored if c not in fixed]


def _details(rows: pd.DataFrame, claimed: pd.Series, kind: Kind) -> list[str]:
    """For each claimed row (by _row), the JSON object of its detail columns (blank as null), written by pandas in
    one pass: a whole cumulative file sent again claims 100,000 rows."""
    columns = detail_columns(kind)
    picked = rows.set_index("_row").loc[claimed.to_numpy(), columns].reset_index(drop=True)
    if picked.empty:
        return []
    text = picked.to_json(orient="records", lines=True, force_ascii=False, double_precision=15)
    # One object a line: a line break inside a value is written as \n, so splitting on real ones is safe.
    return text.rstrip("\n").split("\n")


def skipped_as_stored(claims: pd.DataFrame) -> list[tuple[int, str]]:
    return [(int(r), f"与批次 #{int(b)} 中的记录相同，未重复计入") for r, b in zip(claims["_row"], claims["batch_id"])]


def claim(cur: Con, sheet: SheetResult, batch_id: int, file_name: str) -> None:
    """This batch sends again events an earlier batch stored: it claims them too."""
    if sheet.claims is None or sheet.claims.empty:
        return
    table = KINDS[sheet.kind].table
    claimed = pd.DataFrame(
        {
            "fact_id": sheet.claims["fact_id"].astype("int64"),
            "row_no": sheet.claims["_row"].astype("int64"),
            "details": sheet.claims["details"] if "details" in sheet.claims else None,
        }
    )
    # One insert of the whole frame: a file sent again whole claims every one of its events, and row by row
    # (executemany) 20,000 claims took 17 s.
    cur.complete()
    cur.register("claimed_rows", claimed)
    try:
        cur.execute(
            """
            insert into fact_claim (fact_table, fact_id, batch_id, source_file, sheet, row_no, details)
            select $table, fact_id, $batch, $file, $sheet, row_no, details from claimed_rows
            """,
            {"table": table, "batch": batch_id, "file": file_name, "sheet": sheet.sheet},
        )
    finally:
        cur.unregister("claimed_rows")


def hand_over(cur: Con, table: str, batch_id: int) -> int:
    """Before a batch's rows of `table` go: rows another active batch also brought stay, handed to the earliest such
    batch with its file and row (and its claim, now held, is dropped), and with what that row said beyond the event's
    identity (事项编号, 活动名称 …), so the event reads as the remaining file wrote it. A claiming row that also
    matches another stored event first claims that one instead (_reclaim). Returns how many stay."""
    kind = next(k for k in KINDS.values() if k.table == table)
    _reclaim(cur, kind, batch_id)
    types = _column_types(cur, table)
    details = "".join(f", {c} = {_claimed(c, types)}" for c in detail_columns(kind))
    handed = cur.execute(
        f"""
        update {table} f set batch_id = c.batch_id, source_file = c.source_file, sheet = c.sheet,
                              row_no = c.row_no {details}
        from (
            select fact_id, arg_min(batch_id, batch_id) as batch_id, arg_min(source_file, batch_id) as source_file,
                   arg_min(sheet, batch_id) as sheet, arg_min(row_no, batch_id) as row_no,
                   first(details order by batch_id) as details
            from fact_claim
            where fact_table = $table and batch_id <> $batch
              and batch_id in (select batch_id from import_batch where status = 'committed')
            group by fact_id
        ) c
        where f.fact_id = c.fact_id and f.batch_id = $batch
        """,
        {"table": table, "batch": batch_id},
    ).fetchall()
    cur.execute(
        f"""
        delete from fact_claim c where fact_table = $table
          and exists (select 1 from {table} f where f.fact_id = c.fact_id and f.batch_id = c.batch_id)
        """,
        {"table": table},
    )
    return int(handed[0][0]) if handed else 0


def _column_types(cur: Con, table: str) -> dict[str, str]:
    return dict(
        cur.execute(
            "select column_name, data_type from information_schema.columns where table_name = ?", [table]
        ).fetchall()
    )


def _claimed(column: str, types: dict[str, str]) -> str:
    """SQL for what a claiming row (fact_claim c) said in a detail column of the event (f): its own recorded detail,
    else the event's."""
    return (
        f"case when c.details is null then f.{column}"
        f" else cast(json_extract_string(c.details, '$.\"{column}\"') as {types[column]}) end"
    )


def _reclaim(cur: Con, kind: Kind, batch_id: int) -> None:
    """Claims on the events of a batch about to go, from rows that also match another stored event (a row with
    事项编号 blank matches the event sent with XX01 and the one sent with XX02; on import it claimed only the first),
    move to that other event when the claiming batch does not hold it already: one row keeps one event alive, so
    the event going is kept only for rows that match nothing else, as a fresh import of the remaining files would
    have it. Only detail columns let one row match two stored events, so kinds without them have nothing to do."""
    if not kind.detail or kind.table is None:
        return
    table = kind.table
    types = _column_types(cur, table)
    # What the claiming row said in each detail column: its own details when recorded, else the event's.
    said = "".join(f", {_claimed(k, types)} as {k}" for k in kind.detail)
    exact_keys = [k for k in kind.identity if k not in kind.loose]
    condition = " and ".join(
        [f"t.{k} is not distinct from g.{k}" for k in exact_keys]
        + [f"(t.{k} is null or g.{k} is null or t.{k} = g.{k})" for k in kind.detail]
    )
    exact = " and ".join(f"t.{k} is not distinct from g.{k}" for k in kind.detail)
    loose = "".join(f", g.{k} as _upload_{k}, t.{k} as _stored_{k}" for k in kind.loose)
    found = fetch_df(
        cur,
        f"""
        with gone as (
            select c.fact_id as old_id, c.batch_id as holder, c.sheet, c.row_no,
                   {", ".join(f"f.{k}" for k in kind.identity)} {said}
            from fact_claim c join {table} f on f.fact_id = c.fact_id
            where c.fact_table = $table and f.batch_id = $batch and c.batch_id <> $batch
              and c.batch_id in (select batch_id from import_batch where status = 'committed')
        )
        select g.old_id, g.holder, g.sheet, g.row_no, t.fact_id, ({exact}) as exact {loose}
        from gone g join {table} t on {condition}
        where t.batch_id <> $batch and t.batch_id <> g.holder
          and not exists (
              select 1 from fact_claim h
              where h.fact_table = $table and h.fact_id = t.fact_id and h.batch_id = g.holder
          )
        """,
        {"table": table, "batch": batch_id},
    )
    found = same_loose(found, kind.loose).reset_index(drop=True)
    if found.empty:
        return
    # Each claiming batch's rows matched one to one to the events it does not hold (a row is its sheet and row).
    row_key = pd.factorize(pd.Series(list(zip(found["holder"], found["sheet"], found["row_no"])), dtype=object))[0]
    moved = []
    for _, group in found.groupby("holder", sort=True):
        picked = _one_to_one(
            row_key[group.index].tolist(), group["fact_id"].tolist(), group["exact"].astype(bool).tolist()
        )
        moved.append(group.iloc[picked])
    moves = pd.concat(moved)[["old_id", "holder", "sheet", "row_no", "fact_id"]].reset_index(drop=True)
    cur.complete()
    cur.register("moved_claims", moves)
    try:
        cur.execute(
            """
            update fact_claim c set fact_id = m.fact_id
            from moved_claims m
            where c.fact_table = $table and c.fact_id = m.old_id and c.batch_id = m.holder
              and c.sheet is not distinct from m.sheet and c.row_no is not distinct from m.row_no
            """,
            {"table": table},
        )
    finally:
        cur.unregister("moved_claims")
