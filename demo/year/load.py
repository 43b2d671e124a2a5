"""Loading the demo year through the real importer, clearing it, loading it on first start, writing its files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from analytics.accounts import guard
from analytics.accounts.roles import MANAGE_DEMO, SYSTEM, Actor, is_system, require
from analytics.errors import ImportRefused
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import Options, Progress, import_bytes, undo_in
from analytics.store.db import Con, follow_up_once, get_meta, set_meta, transaction
from demo.year.files import _files_for
from demo.year.plan import CLEARED_KEY, DEFAULT_YEAR, RULES_FROM, UPLOADER


def _options(name: str, year: int) -> Options:
    rules = name.startswith("加减分事项")
    return Options(
        uploader=UPLOADER,
        is_demo=True,
        # The demo is loaded after its year: no 更新日期 is 'in the future', whatever the machine's clock says.
        today=date(year + 1, 1, 15),
        rules_effective=date(year, *RULES_FROM) if rules else None,
    )


def load_demo(con: Con, progress: Progress | None = None, actor: Actor = SYSTEM) -> list[int]:
    """Import every demo file for the campaign year of the rule book; returns the batch ids.

    All or nothing: if a file is refused, the batches this call made are undone and ImportRefused names the file
    and its first error. A user's actor (loading it from the page) is checked and audited; SYSTEM (the default, the
    first start) is trusted."""
    if not is_system(actor):
        require(actor, MANAGE_DEMO)
    report = progress or (lambda fraction, text: None)
    cur = con.cursor()
    try:
        year = rb.current(cur).campaign_year
    finally:
        cur.close()
    report(0.0, "正在生成演示数据…")
    files = _files_for(year)
    batches: list[int] = []
    # What follows a write on this connection (the app's rollups) runs once, after the last file, not after each.
    with follow_up_once():
        _import_all(con, files, year, batches, report)
        report(1.0, f"演示数据已导入：{len(files)} 个文件")
        if not is_system(actor):
            with transaction(con) as cur:
                guard.demo_changed(cur, actor, "demo_load", len(batches))
    return batches


def _import_all(con: Con, files, year: int, batches: list[int], report: Progress) -> None:
    """Import the files in order into batches; on a refusal or error, undo the batches made and raise."""
    try:
        for n, (name, content) in enumerate(files):
            report(0.05 + 0.95 * n / len(files), f"正在导入演示数据：{name}")
            preview, batch_id = import_bytes(con, content, name, _options(name, year))
            if batch_id is None:
                first = preview.errors[0].text() if preview.errors else "没有可导入的数据"
                raise ImportRefused(f"演示数据文件“{name}”未能导入：{first}")
            batches.append(batch_id)
    except BaseException:
        if batches:
            with transaction(con) as write:
                for batch_id in reversed(batches):
                    undo_in(write, batch_id, UPLOADER)
        raise


def demo_loaded(cur: Con) -> bool:
    """Whether any demo batch is in force."""
    row = cur.execute("select count(*) from import_batch where is_demo and status = 'committed'").fetchone()
    return bool(row[0])


def clear_demo(con: Con, user: str | None = None, actor: Actor = SYSTEM) -> int:
    """Undo every committed demo batch, newest first, in one transaction; remember that the demo was cleared so it
    is not loaded again at start-up. Returns the number of batches undone. With an actor: checked and audited."""
    with transaction(con) as cur:
        if not is_system(actor):
            require(actor, MANAGE_DEMO)
            user = actor.name
        batches = [
            row[0]
            for row in cur.execute(
                "select batch_id from import_batch where is_demo and status = 'committed' order by batch_id desc"
            ).fetchall()
        ]
        for batch_id in batches:
            undo_in(cur, batch_id, user or "清除演示数据")
        set_meta(cur, CLEARED_KEY, "1")
        if not is_system(actor):
            guard.demo_changed(cur, actor, "demo_clear", len(batches))
    return len(batches)


def load_on_first_start(con: Con) -> bool:
    """Load the demo into an empty database that never had the demo cleared; returns whether it loaded."""
    cur = con.cursor()
    try:
        any_batch = cur.execute("select count(*) from import_batch").fetchone()[0]
        cleared = get_meta(cur, CLEARED_KEY) is not None
    finally:
        cur.close()
    if any_batch or cleared:
        return False
    batches = load_demo(con)
    # The app loads it on its own, as SYSTEM (trusted, so load_demo writes no row): the log still says it happened.
    with transaction(con) as cur:
        guard.demo_changed(cur, SYSTEM, "demo_load", len(batches))
    return True


def write_files(folder: str | Path, year: int = DEFAULT_YEAR) -> list[Path]:
    """Write the demo workbooks to a folder (created if needed), numbered in import order; returns the paths."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, (name, content) in enumerate(_files_for(year), start=1):
        path = target / f"{n:02d}_{name}"
        path.write_bytes(content)
        paths.append(path)
    return paths
