"""The bad-input corpus (scripts/make_bad_files.py): every hostile or broken file gives a clear Chinese message and
leaves the database exactly as it was, through the importer and through the CLI in a separate process (which
proves that no file ends the process that reads it)."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analytics import open_db
from analytics.errors import FileUnreadable
from analytics.sheets import guard
from analytics.sheets.ingest import Options, import_bytes

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"


def _corpus():
    spec = importlib.util.spec_from_file_location("make_bad_files", ROOT / "scripts" / "make_bad_files.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_bad_files"] = module
    spec.loader.exec_module(module)
    return module


corpus = _corpus()
REFUSED = [case for case in corpus.CASES if not case.imports]
HARMLESS = [case for case in corpus.CASES if case.imports]

# Words a Chinese message may carry: the programs and formats a clerk knows by these names.
KNOWN_WORDS = {"Excel", "WPS", "CSV", "csv", "HTML", "UTF", "GBK", "xlsx", "xls", "xlsm", "MB", "KB"}


def assert_chinese(message: str) -> None:
    """A sentence in Chinese, with no library text (such as "I/O error: Invalid checksum") leaking through. Quoted
    cell values “…” and sheet/column names 「…」 are the clerk's own text and are left out of the check."""
    assert re.search(r"[\u4e00-\u9fff]", message), message
    own = re.sub(r"“[^”]*”|「[^」]*」", "", message)
    english = [w for w in re.findall(r"[A-Za-z]{2,}", own) if w not in KNOWN_WORDS]
    assert not english, (english, message)


def fingerprint(con) -> dict[str, tuple]:
    """Row count and a checksum of every row, per table."""
    tables = [
        t
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' order by 1"
        ).fetchall()
    ]
    return {t: con.execute(f'select count(*), coalesce(sum(hash(x)), 0) from "{t}" x').fetchone() for t in tables}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    corpus.write(folder, include_large=True)
    return {case.name: folder / case.name for case in corpus.CASES}


@pytest.fixture(scope="module")
def db_with_roster(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("baddb") / "bad.duckdb"
    con = open_db(path)
    preview, batch_id = import_bytes(con, corpus.xlsx(corpus.ROSTER), "名单.xlsx")
    assert batch_id is not None, [p.text() for p in preview.errors]
    con.close()
    return path


@pytest.fixture(scope="module")
def shared(db_with_roster):
    con = open_db(db_with_roster)
    yield con
    con.close()


def test_the_corpus_is_large_enough_and_committed():
    assert len(corpus.CASES) >= 40
    assert len({case.name for case in corpus.CASES}) == len(corpus.CASES)
    # The committed copies are for trying by hand on 数据导入; the tests build their own (zips carry timestamps).
    committed = {p.name for p in BAD.iterdir()}
    assert committed == {case.name for case in corpus.CASES if not case.large}


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.name)
def test_refused_with_a_chinese_message_and_the_database_unchanged(case, files, shared):
    before = fingerprint(shared)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    content = files[case.name].read_bytes()
    preview, batch_id = import_bytes(shared, content, case.upload_name or case.name)
    assert batch_id is None and not preview.ok
    messages = [p.text() for p in preview.errors]
    assert any(case.expect in m for m in messages), messages
    for message in messages:
        assert_chinese(message)
    assert fingerprint(shared) == before
    # Bombs are refused before anything is unpacked here, or in the child: this process never grows by much.
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert grown_mb < 300 + len(content) * 4 / 2**20, grown_mb


@pytest.mark.parametrize("case", HARMLESS, ids=lambda case: case.name)
def test_hostile_looking_files_import_harmlessly(case, files, db_with_roster, tmp_path):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(db_with_roster.read_bytes())
    con = open_db(path)
    preview, batch_id = import_bytes(con, files[case.name].read_bytes(), case.upload_name or case.name)
    assert batch_id is not None, [p.text() for p in preview.errors]
    assert any(case.expect in line for line in preview.summary_lines())
    stored_name, stored = con.execute(
        "select b.file_name, f.content from import_batch b join import_file f using (batch_id) where batch_id = ?",
        [batch_id],
    ).fetchone()
    assert "/" not in stored_name and "\\" not in stored_name and not guard.CONTROL.search(stored_name)
    assert stored_name.endswith((".xlsx", ".xlsm"))
    assert con.execute("select count(*) from person where name = '赵六'").fetchone()[0] == 1
    # The archive keeps the data and never the macros.
    assert not guard.has_macros(stored)
    names = zipfile.ZipFile(io.BytesIO(stored)).namelist()
    assert not any("vba" in n.lower() for n in names)
    con.close()


def test_the_macro_file_really_has_macros_and_its_stored_copy_still_reads(files):
    original = files["macros.xlsm"].read_bytes()
    assert guard.has_macros(original)
    stripped = guard.without_macros(original)
    assert not guard.has_macros(stripped)
    from analytics.sheets.reader import read_file

    assert [row[:2] for row in read_file(stripped, "macros.xlsm")[0].grid][-1] == ["赵六", "干部二科"]
    rels = zipfile.ZipFile(io.BytesIO(stripped)).read("xl/_rels/workbook.xml.rels")
    assert b"vbaProject" not in rels


def test_cli_answers_every_file_in_json_without_dying(files, db_with_roster, tmp_path):
    path = tmp_path / "cli.duckdb"
    path.write_bytes(db_with_roster.read_bytes())
    con = open_db(path)
    before = fingerprint(con)
    con.close()
    names = [str(files[case.name]) for case in REFUSED]
    env = dict(os.environ, DASHBOARD_DB=str(path))
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "import", "--json", *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == len(REFUSED)
    for case, result in zip(REFUSED, results):
        assert result["ok"] is False
        messages = [e["message"] for e in result["errors"]]
        assert any(case.expect in m for m in messages), (case.name, messages)
        for message in messages:
            assert_chinese(message)
    con = open_db(path)
    assert fingerprint(con) == before
    con.close()


def test_cli_json_answers_when_the_database_is_busy(files, db_with_roster, tmp_path):
    path = tmp_path / "busy.duckdb"
    path.write_bytes(db_with_roster.read_bytes())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "import", "--json", str(files["dotdot.xlsx"])],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=dict(os.environ, DASHBOARD_DB=str(path)),
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["ok"] is False and result["file"] == "dotdot.xlsx"
    assert "正被另一个程序使用" in result["errors"][0]["message"]


def test_limits_are_checked_in_the_core_not_only_by_the_server():
    from analytics.sheets.reader import read_file

    with pytest.raises(FileUnreadable) as refused:
        read_file(b"a,b\n" + b"x" * (guard.MAX_UPLOAD_BYTES + 1), "big.csv")
    assert "超过了上限" in refused.value.message


def test_a_normal_workbook_still_reads_through_the_child(shared):
    rows = [corpus.POINTS, corpus.one_point(), corpus.one_point(name="李四", reason="第二条")]
    preview, _ = import_bytes(shared, corpus.points(rows[1:]), "正常.xlsx", Options(), dry_run=True)
    assert preview.ok, [p.text() for p in preview.errors]
    assert preview.rows_imported == 2


def test_a_file_that_kills_the_parsing_child_leaves_this_process_and_the_next_import_well(
    files, db_with_roster, tmp_path
):
    """far_cell_no_dimension.xlsx passes the zip check (it declares no extent) and makes calamine ask for 512 GiB:
    the warm child that reads it aborts. The clerk gets the Chinese message, this process and its database are as they
    were, and the next file is read by a fresh child."""
    from analytics.sheets import worker

    path = tmp_path / "killed.duckdb"
    path.write_bytes(db_with_roster.read_bytes())
    con = open_db(path)
    preview, _ = import_bytes(con, corpus.points([corpus.one_point()]), "预热.xlsx", Options(), dry_run=True)
    assert preview.ok, [p.text() for p in preview.errors]
    warm = [child.process for child in worker._idle]
    assert warm and all(p.poll() is None for p in warm)
    before = fingerprint(con)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    preview, batch_id = import_bytes(con, files["far_cell_no_dimension.xlsx"].read_bytes(), "far.xlsx")
    assert batch_id is None
    messages = [p.text() for p in preview.errors]
    assert any(corpus.UNSAFE in m for m in messages), messages
    for message in messages:
        assert_chinese(message)
    # The child died of the file itself (its own abort), not of a stop from here.
    assert warm[-1].wait(timeout=10) == -signal.SIGABRT
    assert fingerprint(con) == before
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024 < 100

    preview, batch_id = import_bytes(
        con, corpus.points([corpus.one_point(name="李四", reason="之后一条")]), "之后.xlsx"
    )
    assert batch_id is not None, [p.text() for p in preview.errors]
    assert {child.process.pid for child in worker._idle}.isdisjoint({p.pid for p in warm})
    con.close()
