"""The cycle collector held off for bulk work (analytics.collector): on while nobody holds it, off while anybody
does, whatever the order in which holders come and go, and never switched on where it was off."""

from __future__ import annotations

import gc
import threading

import pytest

from analytics import collector
from analytics.sheets.ingest import dry_run, write


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_off_inside_and_on_after_even_when_the_block_raises():
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("失败")
    assert gc.isenabled()


def test_nested_holders_keep_it_off_until_the_outermost_leaves():
    with collector.paused():
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_threads_leaving_in_any_order():
    inside, leave = threading.Barrier(3), [threading.Event(), threading.Event()]
    seen = []

    def hold(n: int) -> None:
        with collector.paused():
            inside.wait()
            leave[n].wait()
        seen.append(gc.isenabled())

    threads = [threading.Thread(target=hold, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    inside.wait()
    assert not gc.isenabled()
    leave[1].set()  # the second to come leaves first: the first still holds it
    threads[1].join()
    assert seen == [False] and not gc.isenabled()
    leave[0].set()
    threads[0].join()
    assert gc.isenabled()


def test_a_process_that_keeps_it_off_keeps_it_off():
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_import_holds_it_and_gives_it_back(tmp_path, monkeypatch):
    from analytics import open_db

    states = []
    real = dry_run.read_file

    def read_file(content, name):
        states.append(gc.isenabled())
        return real(content, name)

    monkeypatch.setattr(dry_run, "read_file", read_file)
    db = open_db(tmp_path / "x.duckdb")
    try:
        _, batch = write.import_bytes(db, "姓名,科室\n张三,办公室\n".encode(), "名单.csv")
    finally:
        db.close()
    assert batch is not None
    assert states == [False]
    assert gc.isenabled()
