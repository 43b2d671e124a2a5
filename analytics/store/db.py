"""The database floor: opening the DuckDB file, migrations, serialized writes and the data version."""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import DatabaseBroken, DatabaseBusy, DataError
from analytics.store import allocator

DEFAULT_PATH = Path("data") / "dashboard.duckdb"

# DuckDB lets one process hold the file; inside it, writes from several threads go one at a time.
WRITE_LOCK = threading.RLock()

Con = duckdb.DuckDBPyConnection

log = logging.getLogger(__name__)

# Work that follows every committed write on a given connection, in the writer's thread once the write lock is
# released: the app brings its rollups up to date there (analytics.results.rollup.keep_current), so the clerk who
# imported waits for them, not the first leader to open a page. Held by connection object (weakly: a connection
# dropped elsewhere is not kept open by it), not by file: another connection to the same file (a command, the
# benchmark's imports) has none.
_AFTER_COMMIT: list[tuple[weakref.ref[Con], Callable[[Con], object]]] = []
_AFTER_COMMIT_LOCK = threading.Lock()
# Per thread, inside follow_up_once: the connections whose after_commit work is held until the block ends.
_HELD = threading.local()


def db_path() -> Path:
    """The database file: $DASHBOARD_DB, else data/dashboard.duckdb."""
    return Path(os.environ.get("DASHBOARD_DB") or DEFAULT_PATH)


def connect(path: str | Path | None = None) -> Con:
    """Open (creating if needed) the database and bring its schema up to date.

    ``":memory:"`` gives a throwaway database, which the tests use. The process that opens it will hold it for long:
    its allocator gives large freed blocks back to the system from now on (analytics.store.allocator).
    """
    allocator.give_back_large_blocks()
    target = str(path if path is not None else db_path())
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(target) from exc
        raise DatabaseBroken(target) from exc
    except duckdb.Error as exc:
        raise DatabaseBroken(target) from exc
    migrate(con)
    return con


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("analytics.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            found.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def first_row(cur: Con, sql: str, params: Any = None) -> tuple | None:
    """The first row of a query (None without one), its result read to the end. A result left unread (``fetchone``)
    keeps the transaction of its connection open until the connection's next statement, and while any transaction
    is open DuckDB does not fold the write-ahead log into the file: on the app's long-lived connection the log, and
    the memory behind it, grew with every import (tests/test_checkpoint.py)."""
    rows = cur.execute(sql, params).fetchall()
    return rows[0] if rows else None


def scalar(cur: Con, sql: str, params: Any = None) -> Any:
    """The first value of the first row of a query that always returns one (an aggregate); None without a row."""
    row = first_row(cur, sql, params)
    return None if row is None else row[0]


def schema_version(con: Con) -> int:
    exists = scalar(con, "select count(*) from information_schema.tables where table_name = 'schema_migration'")
    if not exists:
        return 0
    return int(scalar(con, "select coalesce(max(version), 0) from schema_migration"))


def migrate(con: Con) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    with WRITE_LOCK:
        con.execute(
            "create table if not exists schema_migration (version integer primary key, name varchar, applied_at timestamp)"
        )
        # Applied by number, not by "newer than the highest": migrations written side by side may land out of order.
        applied = {row[0] for row in con.execute("select version from schema_migration").fetchall()}
        for version, name, sql in _migrations():
            if version in applied:
                continue
            con.execute("begin")
            try:
                con.execute(sql)
                con.execute("insert into schema_migration values (?, ?, ?)", [version, name, datetime.now()])
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
        return schema_version(con)


def after_commit(con: Con, work: Callable[[Con], object]) -> None:
    """Call ``work(con)`` after every write committed through transaction(con) from now on (not after a rollback).
    It runs outside the write lock; a failure in it is logged, never raised: the write it follows has committed."""
    with _AFTER_COMMIT_LOCK:
        _AFTER_COMMIT[:] = [(ref, fn) for ref, fn in _AFTER_COMMIT if ref() is not None]
        _AFTER_COMMIT.append((weakref.ref(con), work))


@contextmanager
def follow_up_once() -> Iterator[None]:
    """Several writes in this thread as one for their after_commit work: it runs once per connection, after the
    last of them (after the block, even when it ends in an error, for the writes that did commit)."""
    if getattr(_HELD, "cons", None) is not None:  # inside another such block: that one runs it
        yield
        return
    _HELD.cons = []
    try:
        yield
    finally:
        held, _HELD.cons = _HELD.cons, None
        for n, con in enumerate(held):
            if all(other is not con for other in held[:n]):
                _after_commit(con)


def _after_commit(con: Con) -> None:
    held = getattr(_HELD, "cons", None)
    if held is not None:
        held.append(con)
        return
    with _AFTER_COMMIT_LOCK:
        hooks = [work for owner, work in _AFTER_COMMIT if owner() is con]
    for work in hooks:
        try:
            work(con)
        except Exception:  # noqa: BLE001 - the write stands; what follows it only saves a later reader time
            log.exception("写入后的后续处理失败（写入本身已完成）")


@contextmanager
def transaction(con: Con) -> Iterator[Con]:
    """One serialized write: a fresh cursor, all or nothing, and the data version bumped on success; then the
    connection's after_commit work, if any."""
    with WRITE_LOCK:
        cur = con.cursor()
        cur.execute("begin")
        try:
            yield cur
            _bump_data_version(cur)
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
        finally:
            cur.close()
    # Not while this thread still holds the write lock from outside (the work would run inside someone's write):
    # readers then bring the rollups up to date themselves, as they do after a command's import.
    if not WRITE_LOCK._is_owned():  # type: ignore[attr-defined]
        _after_commit(con)


@contextmanager
def rolled_back(con: Con) -> Iterator[Con]:
    """A write that is always undone: for asking what the data would look like after a change."""
    with WRITE_LOCK:
        cur = con.cursor()
        cur.execute("begin")
        try:
            yield cur
        finally:
            cur.execute("rollback")
            cur.close()


def _bump_data_version(cur: Con) -> None:
    cur.execute(
        """
        insert into meta values ('data_version', '1')
        on conflict (key) do update set value = (cast(meta.value as integer) + 1)::varchar
        """
    )


def data_version(cur: Con) -> int:
    """A number that every import, undo and rule change increases; caches key on it."""
    row = first_row(cur, "select value from meta where key = 'data_version'")
    return int(row[0]) if row else 0


def get_meta(cur: Con, key: str, default: str | None = None) -> str | None:
    row = first_row(cur, "select value from meta where key = ?", [key])
    return row[0] if row else default


def set_meta(cur: Con, key: str, value: str | None) -> None:
    cur.execute(
        "insert into meta values (?, ?) on conflict (key) do update set value = excluded.value",
        [key, value],
    )


def fetch_df(cur: Con, sql: str, params: Any = None) -> pd.DataFrame:
    """Run a query and return a DataFrame through Arrow (much faster than .df() on big results)."""
    try:
        # DuckDB 2.0 refuses a new relation while an earlier execute() result is unread (a fetchone() leaves one).
        cur.complete()
        return cur.sql(sql, params=params).to_arrow_table().to_pandas()
    except duckdb.Error as exc:
        raise DataError(str(exc)) from exc


def next_id(cur: Con, sequence: str) -> int:
    if sequence not in {"seq_person", "seq_section", "seq_fact"}:
        raise ValueError(sequence)
    return int(scalar(cur, f"select nextval('{sequence}')"))
