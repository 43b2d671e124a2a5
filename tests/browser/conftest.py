"""The browser tests' fixtures: one real server per test module (`streamlit run` on a free loopback port, on a copy
of the demo database with an admin account), Debian's chromium through Playwright, and a fresh tab per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bench import served

from .driving import ADMIN, ADMIN_PASSWORD, ARGS, CHROMIUM


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """A real server on a copy of the demo database, stopped after the module: {"url": …, "db": the file}."""
    folder = tmp_path_factory.mktemp("browser")
    db = served.copy_with_admin(demo_db, folder, ADMIN, ADMIN_PASSWORD)
    with served.server(db, folder / "server.log") as url:
        yield {"url": url, "db": db}


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
