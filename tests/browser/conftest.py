"""The browser tests' fixtures: one real server per test module (`streamlit run` on a free loopback port, on a copy
of the demo database with an admin account), Debian's chromium through Playwright, and a fresh tab per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from analytics import open_db
from analytics.accounts import users

from .driving import ADMIN, ADMIN_PASSWORD, ARGS, CHROMIUM, ROOT, free_port


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """A real server on a copy of the demo database, stopped after the module: {"url": …, "db": the file}."""
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "dashboard.duckdb"
    shutil.copy(demo_db, db)
    con = open_db(db)
    try:
        users.add(con, ADMIN, "admin", ADMIN_PASSWORD)
    finally:
        con.close()
    port = free_port()
    env = {**os.environ, "DASHBOARD_DB": str(db), "DASHBOARD_DEMO": "off", "DASHBOARD_DAILY_BACKUP": "off"}
    # The server's output goes to a file, not a pipe: a pipe nobody reads fills up and stalls a busy server.
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError(log.read_text(errors="replace"))
    yield {"url": url, "db": db}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("没有找到 Debian 的 chromium：请先运行 bash scripts/setup.sh dev（README 的测试命令会自动安装）")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()
