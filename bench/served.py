"""The app served for a real browser, as the browser tests and bench/browser_pages.py drive it: `streamlit run app.py`
on a free loopback port against a given database file, and Debian's chromium with the flags it needs here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def copy_with_admin(source: Path, folder: Path, name: str, password: str) -> Path:
    """A copy of the database in folder, with an administrator account to sign in as; the source is never changed."""
    from analytics import open_db
    from analytics.accounts import users

    db = folder / "dashboard.duckdb"
    shutil.copyfile(source, db)
    con = open_db(db)
    try:
        users.add(con, name, "admin", password)
    finally:
        con.close()
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(db: Path, log: Path) -> Iterator[str]:
    """A server on db (demo data off, no daily backup) until the block ends; yields its URL. Its output goes to log,
    a file rather than a pipe: a pipe nobody reads fills up and stalls a busy server."""
    port = free_port()
    env = {**os.environ, "DASHBOARD_DB": str(db), "DASHBOARD_DEMO": "off", "DASHBOARD_DAILY_BACKUP": "off"}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(log.read_text(errors="replace")[-2000:]) from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
