"""The wall around python-calamine: workbooks are parsed in a child process that is started once and kept warm.

python-calamine aborts the whole process on some hostile files (an allocation it cannot make is not an exception), so
it never runs in the server. A child (`python -m analytics.sheets.worker`: a fresh interpreter, not a fork of a server
that holds a database and threads) reads one workbook after another from its stdin and answers each on its stdout as
an analytics.sheets.wire frame. Its address space is capped at CHILD_MEMORY and every file has CHILD_SECONDS.

A child is reused while it stays healthy: after a file it could not read, a death, a timeout, or when its memory has
grown past RETIRE_BYTES it is ended and the next file gets a fresh one. At most MAX_CHILDREN parse at once (ten
clerks uploading together must not ask for ten times CHILD_MEMORY); idle children are kept for the next upload and
leave when the server does (their stdin closes). Whatever a child does, the server gets a Chinese message."""

from __future__ import annotations

import atexit
import fcntl
import gc
import json
import os
import resource
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analytics.errors import FileUnreadable
from analytics.sheets import halves, wire
from analytics.store import allocator

# The child that parses a workbook may use this much address space; a 300,000-row sheet needs about 1 GB.
CHILD_MEMORY = 2 * 1024**3
# And this long per file, on a slow shared machine: a 100,000-row sheet takes about 2 s.
CHILD_SECONDS = 120
# A child whose resident memory after a file stays above this is replaced (the heap of a big parse is not all given
# back); an idle child holds about 40 MB.
RETIRE_BYTES = 300 * 1024**2
MAX_CHILDREN = 2
# Each pipe to and from a child holds this much (Linux allows up to 1 MB without privileges; 64 KB otherwise).
PIPE_BYTES = 1024**2

DIED = (
    "文件超出了可以安全读取的范围（读取时所需内存过大），已拒绝读取，系统未受影响。"
    "请在 Excel/WPS 中删除多余的行、列和工作表，另存为新的 .xlsx 后再上传；如仍不行，请拆分成几个文件。"
)
NO_CHILD = "服务器暂时无法开始读取文件（系统资源不足），请稍后再上传；如持续出现，请联系管理员。"
TIMED_OUT = "读取文件超过了 {seconds} 秒仍未完成，已停止读取。请删除多余的行、列和工作表，或拆分成几个文件后再上传。"
_ROOT = Path(__file__).resolve().parents[2]
_HEAD = 16  # a reply starts with its length and the child's resident bytes after the file, 8 bytes each


class _Gone(Exception):
    """The child ended or stopped answering before its reply was complete."""


class _Late(Exception):
    """The child did not answer within its time."""


class Child:
    """One warm child process and the pipes to it."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "analytics.sheets.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=_ROOT,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        os.set_blocking(self._in, False)
        for pipe in (self._in, self._out):
            try:  # a bigger pipe: fewer wake-ups while a frame of several megabytes passes
                fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
            except (OSError, AttributeError):
                pass
        self.files = 0
        self.resident = 0

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, data: bytes, seconds: float, half: tuple[str, int] | None = None) -> bytearray:
        """Send one workbook, wait for its frame. ``half`` = (worksheet part, 0 or 1): read that half of the part's
        rows (analytics.sheets.halves)."""
        deadline = time.monotonic() + seconds
        request = json.dumps({"part": half[0], "half": half[1]} if half else {}).encode("utf-8")
        self._send(len(request).to_bytes(8, "little") + request + len(data).to_bytes(8, "little"), deadline)
        self._send(data, deadline)
        head = self._receive(_HEAD, deadline)
        size = int.from_bytes(head[:8], "little")
        self.resident = int.from_bytes(head[8:], "little")
        self.files += 1
        return self._receive(size, deadline)

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            _, ready, _ = select.select([], [self._in], [], _left(deadline))
            if not ready:
                raise _Late
            try:
                sent = os.write(self._in, view[: 1 << 20])
            except BlockingIOError:
                continue
            except OSError as exc:  # the child has gone: its end of the pipe is closed
                raise _Gone from exc
            view = view[sent:]

    def _receive(self, size: int, deadline: float) -> bytearray:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            ready, _, _ = select.select([self._out], [], [], _left(deadline))
            if not ready:
                raise _Late
            n = os.readv(self._out, [view[got:]])
            if n == 0:
                raise _Gone
            got += n
        return buffer

    def stop(self) -> None:
        """End the child: politely (its stdin closes and it leaves), then for sure."""
        try:
            self.process.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]
        try:
            self.process.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


_slots = threading.BoundedSemaphore(MAX_CHILDREN)
_lock = threading.Lock()
_idle: list[Child] = []
_reading = 0  # slots held now: children out of the pool, reading a file


@contextmanager
def _slot_in_use() -> Iterator[None]:
    """Count a held slot, so that warm() does not start children for slots whose children are out reading."""
    global _reading
    with _lock:
        _reading += 1
    try:
        yield
    finally:
        with _lock:
            _reading -= 1


def _take() -> tuple[Child, bool]:
    """(a child, whether it has read files before): an idle live one, else a new one."""
    with _lock:
        while _idle:
            child = _idle.pop()
            if child.alive:
                return child, child.files > 0
            child.kill()
    return Child(), False


def warm() -> None:
    """Start idle children up to MAX_CHILDREN, so that the next upload (and the second half of a big sheet) does not
    wait for an interpreter to start; the import page calls this when it opens. A child that cannot be started now
    is left for the upload to start and report. Children out reading a file count: they come back to the pool."""
    with _lock:
        missing = MAX_CHILDREN - len(_idle) - _reading
    for _ in range(missing):
        try:
            child = Child()
        except OSError:
            return
        _give_back(child)


def _give_back(child: Child) -> None:
    with _lock:
        if len(_idle) < MAX_CHILDREN:
            _idle.append(child)
            return
    child.stop()


@atexit.register
def stop_all() -> None:
    """End the idle children (also done by the operating system when the server's pipes close)."""
    with _lock:
        children, _idle[:] = list(_idle), []
    for child in children:
        child.stop()


# A parsed sheet: (name, grid, merged ranges, cells as one array (see wire.unpack), holds formulas over other sheets,
# the Excel rows hidden in it).
Sheet = tuple[str, list[list[Any]], list, Any, bool, list[int]]


def parse(data: bytes, part: str | None = None) -> list[Sheet]:
    """Parse a workbook in a child: its visible worksheets, or FileUnreadable in Chinese. ``part`` names a big
    worksheet to read in two halves at once, when the second child is free (analytics.sheets.halves)."""
    with _slots, _slot_in_use():
        if part is not None and _slots.acquire(blocking=False):
            try:
                with _slot_in_use():
                    both = _parse_halves(data, part)
            finally:
                _slots.release()
            if both is not None:
                return both
        try:
            child, used = _take()
        except OSError as exc:  # no process could be started (the machine is out of processes or memory)
            raise FileUnreadable(NO_CHILD) from exc
        try:
            frame = child.ask(data, CHILD_SECONDS)
        except _Late as exc:
            child.kill()
            raise FileUnreadable(TIMED_OUT.format(seconds=CHILD_SECONDS)) from exc
        except _Gone as exc:
            child.kill()
            if not used:
                # A fresh child died on this file (an allocation refused by its cap aborts it): the file is refused,
                # the server lives.
                raise FileUnreadable(DIED) from exc
            # A reused child may have ended for reasons of its own while idle: the file gets a fresh one.
            return _parse_fresh(data)
        return _answer(child, frame)


def _parse_fresh(data: bytes) -> list[Sheet]:
    try:
        child = Child()
    except OSError as exc:
        raise FileUnreadable(NO_CHILD) from exc
    try:
        frame = child.ask(data, CHILD_SECONDS)
    except _Late as exc:
        child.kill()
        raise FileUnreadable(TIMED_OUT.format(seconds=CHILD_SECONDS)) from exc
    except _Gone as exc:
        child.kill()
        raise FileUnreadable(DIED) from exc
    return _answer(child, frame)


def _answer(child: Child, frame: bytearray) -> list[Sheet]:
    try:
        status, payload, notes = wire.unpack_notes(frame, arrays=True)
    except wire.Broken as exc:
        child.kill()
        raise FileUnreadable(DIED) from exc
    if status != "ok":
        child.stop()  # after any file it could not read, the next file gets a fresh child
        raise FileUnreadable(payload)
    _keep_or_retire(child)
    return [(*sheet, sheet[0] in notes.summaries, notes.hidden.get(sheet[0], [])) for sheet in payload]


def _parse_halves(data: bytes, part: str) -> list[Sheet] | None:
    """Two children read the two halves of `part` at once; the sheets as one child would have read them, or None
    when anything went otherwise (a child died, refused the file or disagreed with the other): the caller then
    reads the file whole in one child, which gives the file's own answer or message."""
    pair: list[tuple[Child, bool]] = []
    try:
        pair.extend((_take(), _take()))
    except OSError:
        for child, _ in pair:
            _give_back(child)
        return None
    answers: list[tuple | wire.Broken | None] = [None, None]
    late = [False, False]

    def ask(n: int) -> None:
        """Ask child n for its half and decode its frame as soon as it comes: whichever child finishes first, its
        frame is decoded while the other may still be parsing."""
        try:
            frame = pair[n][0].ask(data, CHILD_SECONDS, (part, n))
        except _Late:
            late[n] = True
            return
        except _Gone:
            return
        try:
            answers[n] = wire.unpack_notes(frame, arrays=True)
        except wire.Broken as exc:
            answers[n] = exc

    second = threading.Thread(target=ask, args=(1,), name="parse_second_half")
    second.start()
    ask(0)
    second.join()
    if any(late):
        for child, _ in pair:
            child.kill()
        raise FileUnreadable(TIMED_OUT.format(seconds=CHILD_SECONDS))
    try:
        first, rest = answers
        if first is None or rest is None:
            raise wire.Broken("no answer")
        if isinstance(first, wire.Broken):
            raise first
        if isinstance(rest, wire.Broken):
            raise rest
        sheets = _joined(first, rest)
    except wire.Broken:
        for child, _ in pair:
            child.kill()
        return None
    for child, _ in pair:
        _keep_or_retire(child)
    return sheets


def _joined(first: tuple[str, Any, wire.Notes], second: tuple[str, Any, wire.Notes]) -> list[Sheet]:
    """The two children's answers as one; Broken when they are not two halves of one sheet."""
    (status_a, sheets, notes_a), (status_b, rest, notes_b) = first, second
    if status_a != "ok" or status_b != "ok":
        raise wire.Broken("refused")
    summaries = notes_a.summaries | notes_b.summaries
    # Each child found the hidden rows of its own half (every row of the second half states its number).
    hidden = {
        name: sorted(set(notes_a.hidden.get(name, [])) | set(notes_b.hidden.get(name, [])))
        for name in notes_a.hidden.keys() | notes_b.hidden.keys()
    }
    whole = [(*sheet, sheet[0] in summaries, hidden.get(sheet[0], [])) for sheet in sheets]
    cut_a, cut_b = notes_a.split, notes_b.split
    if cut_a is None and cut_b is None and not rest:
        return whole  # the sheet could not be cut: the first child read the whole workbook
    if cut_a is None or cut_b is None or cut_a["half"] != 0 or cut_b["half"] != 1 or cut_a["sheet"] != cut_b["sheet"]:
        raise wire.Broken("halves")
    name = cut_a["sheet"]
    if len(rest) > 1 or (rest and rest[0][0] != name):
        raise wire.Broken("halves")
    if not rest:
        return whole  # the cut sheet is not a visible worksheet: neither child read it
    at = [n for n, sheet in enumerate(sheets) if sheet[0] == name]
    if len(at) != 1:
        raise wire.Broken("halves")
    cells = halves.join(sheets[at[0]][3], rest[0][3], cut_b["origin"])
    if cells is None:
        raise wire.Broken("rows out of order")
    grid = halves.join_rows(cells, sheets[at[0]][1], rest[0][1], cut_b["origin"])
    whole[at[0]] = (name, grid, sheets[at[0]][2], cells, name in summaries, hidden.get(name, []))
    return whole


def _keep_or_retire(child: Child) -> None:
    if child.resident > RETIRE_BYTES:
        child.stop()
    else:
        _give_back(child)


# The child's side ---------------------------------------------------------------------------------------------------


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _read_exactly(stream, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            return b""
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _reply(data: bytes, request: dict) -> bytes:
    from analytics.sheets.reader import read_workbook_here

    part, half = request.get("part"), request.get("half")
    mine = halves.cut(data, part, half) if isinstance(part, str) and half in (0, 1) else None
    sheets, split = None, None
    if mine is not None:
        name = mine.sheet
        try:
            sheets = read_workbook_here(mine.book, only=name if half == 1 else None, cut=name, summary=mine.summary)
            split = {"sheet": name, "half": half, "origin": sheets[0].origin if half == 1 and sheets else (0, 0)}
        except halves.Declined:
            sheets = None
    if sheets is None:  # a whole workbook; for the second of two children, a sheet that cannot be cut: nothing
        sheets = [] if half == 1 else read_workbook_here(data)
    summaries = frozenset(s.name for s in sheets if s.summary)
    hidden = {s.name: s.hidden for s in sheets if s.hidden}
    return wire.pack([(s.name, s.grid, s.merged) for s in sheets], wire.Notes(split, summaries, hidden))


def child_main() -> None:
    """Read requests from stdin until it closes, each an 8-byte length and a JSON object (which half of which part
    to read, or {} for the whole workbook), then an 8-byte length and the workbook; answer each with a frame."""
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
    from analytics.sheets import guard
    from analytics.sheets import reader as _loaded  # noqa: F401 - loaded before the first file arrives

    # The grid is a few hundred thousand lists and no cycle: the collector would walk them again and again.
    gc.disable()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = _read_exactly(source, 8)
        if not head:
            return
        request = _read_exactly(source, int.from_bytes(head, "little"))
        data = _read_exactly(source, int.from_bytes(_read_exactly(source, 8), "little"))
        try:
            frame = _reply(data, json.loads(request or b"{}"))
        except FileUnreadable as exc:
            frame = wire.refusal(exc.message)
        except MemoryError:
            frame = wire.refusal(DIED)
        except Exception:  # noqa: BLE001 - whatever the parser raises, the server shows a Chinese message
            frame = wire.refusal(guard.CORRUPT)
        del data
        gc.collect()
        allocator.trim()
        sink.write(len(frame).to_bytes(8, "little") + _resident_bytes().to_bytes(8, "little"))
        sink.write(frame)
        sink.flush()
        del frame


if __name__ == "__main__":
    child_main()
