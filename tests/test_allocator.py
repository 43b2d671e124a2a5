"""The process that opens the database gives large freed blocks back to the system (analytics.store.allocator)."""

from __future__ import annotations

import ctypes.util
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.store import allocator

ROOT = Path(__file__).resolve().parent.parent

# A child process frees one 16 MiB block (glibc then raises its threshold to 16 MiB), takes fifty 2 MiB blocks, each
# followed by a small one it keeps, frees the fifty and prints how much of them stayed resident, in MiB.
CHILD = """
import sys
if sys.argv[1] == "open":
    from analytics.store.db import connect
    connect(":memory:").close()

def anonymous():
    for line in open("/proc/self/smaps_rollup"):
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024

big = bytearray(16 << 20)
del big
base = anonymous()
blocks, pins = [], []
for _ in range(50):
    blocks.append(bytearray(2 << 20))
    pins.append(bytearray(64 << 10))
del blocks
print(round(anonymous() - base))
"""

glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or not Path("/proc/self/smaps_rollup").exists(),
    reason="the setting is glibc's",
)


def _kept_mib(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return int(done.stdout.strip())


@glibc
def test_freed_large_blocks_go_back_once_the_database_is_opened():
    assert _kept_mib("bare") >= 80  # what the process keeps without the setting: the test can tell
    assert _kept_mib("open") <= 10


@glibc
def test_the_setting_is_made_once_and_reports_it():
    assert ctypes.util.find_library("c")
    assert allocator.give_back_large_blocks() is True
    assert allocator.give_back_large_blocks() is True
    allocator.trim()
