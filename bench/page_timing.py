"""Page timing: every page of app.py's navigation run through Streamlit's AppTest on the work copy, cold (the first run
after the data version changes) and warm (the next run), beside an empty page (the floor of one AppTest run)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import Samples

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
ADMIN = "基准管理员"


def page_paths() -> dict[str, str]:
    """The pages of app.py's navigation, key → script, read from app.py itself so a new page is measured too."""
    text = APP.read_text(encoding="utf-8")
    return dict(re.findall(r'page\(\s*"([^"]+)",\s*"([^"]+\.py)"', text))


class Pages:
    """Every page of the navigation in its own AppTest, on the work copy, signed in as an administrator; cold = the first run after the data version
    changes (bumped through the database, as an import would), warm = the next run."""

    QUERY_KEYS = ("year",)

    def __init__(self, db: Path, facts: dict[str, Any], person: int | None, only: set[str] | None = None):
        import os

        os.environ["DASHBOARD_DB"] = str(db)
        os.environ["DASHBOARD_DEMO"] = "off"
        from streamlit import logger
        from streamlit.testing.v1 import AppTest

        # AppTest outside a server warns on every run that it has no script context; the figures are what we print.
        logger.set_log_level("error")

        self.AppTest = AppTest
        self.db = db
        self.token = self._admin_session(db)
        self.filters: dict[str, Any] = {"month": facts["month"], "quarter": facts["quarter"]}
        if person is not None:
            self.filters["person"] = person
        self.year = str(facts["year"])
        self.paths = page_paths()
        self.apps: dict[str, Any] = {}
        self.broken: dict[str, str] = {}
        t0 = time.perf_counter()
        AppTest.from_file(str(APP), default_timeout=600).run()
        self.first_app_s = time.perf_counter() - t0
        for key, path in self.paths.items():
            if only is not None and key not in only:
                continue
            if not (ROOT / path).exists():
                self.broken[key] = "页面文件不存在"
                continue
            try:
                self.apps[key] = self._open(key, path)
            except Exception as exc:
                self.broken[key] = f"{type(exc).__name__}: {str(exc)[:200]}"

    @staticmethod
    def _admin_session(db: Path) -> str:
        """A session of an administrator added to the work copy (as bench/browser_pages.py signs in): the pages that
        need an account (数据导入, 账号管理, 审计日志, 备份与恢复) are timed as their users see them, not as the
        sign-in notice."""
        from analytics import open_db
        from analytics.accounts import users
        from analytics.accounts.roles import Actor

        con = open_db(db)
        try:
            if users.actor_of(con.cursor(), ADMIN) is None:
                users.add(con, ADMIN, "admin", secrets.token_urlsafe(16), actor=Actor("基准准备", "admin"))
            return users.start_session(con, ADMIN)
        finally:
            con.close()

    def _open(self, key: str, path: str):
        at = self.AppTest.from_file(str(APP), default_timeout=600)
        at.session_state["auth_token"] = self.token
        at.query_params["year"] = self.year
        at.run()
        if key != next(iter(self.paths)):
            at.switch_page(path)
            at.run()
        for name, value in self.filters.items():
            widgets = [w for w in at.selectbox if w.key == name]
            if widgets and not widgets[0].disabled and widgets[0].value != value and value in widgets[0].options:
                widgets[0].set_value(value)
            elif widgets and not widgets[0].disabled and widgets[0].value != value:
                try:
                    widgets[0].set_value(value)
                except Exception:
                    pass
        at.run()
        self._check(at, key)
        return at

    @staticmethod
    def _check(at, key: str) -> None:
        if at.exception:
            raise RuntimeError(f"{key}: {[e.value for e in at.exception][:1]}")

    def bump(self) -> None:
        from analytics import open_db
        from analytics.store.db import transaction

        con = open_db(self.db)
        with transaction(con):
            pass
        con.close()

    def measure(self, samples: Samples, after: Callable[[str], None] | None = None) -> None:
        import streamlit as st

        for key, at in self.apps.items():
            if key in self.broken:
                continue
            self.bump()
            try:
                t0 = time.perf_counter()
                at.run()
                cold = time.perf_counter() - t0
                self._check(at, key)
                t0 = time.perf_counter()
                at.run()
                warm = time.perf_counter() - t0
                self._check(at, key)
            except Exception as exc:
                self.broken[key] = str(exc)[:200]
                continue
            samples.add(f"page:{key}:cold", cold)
            samples.add(f"page:{key}:warm", warm)
            if key == "present":
                self.turn_pages(at, samples)
            if after is not None:
                after(key)
        # Entries of older data versions are dead weight the app would also drop in time; keep the memory honest.
        st.cache_data.clear()

    def turn_pages(self, at, samples: Samples) -> None:
        """汇报模式 computes a topic when it is first shown: turn through every page of the meeting (cold: the first
        time each is shown for this data version; warm: the second time round) and keep the slowest turn of each
        round as the page 'present_turn'."""
        buttons = [b for b in at.button if b.key == "present_next"]
        if not buttons:
            return
        rounds: dict[str, list[float]] = {"cold": [], "warm": []}
        for kind in ("cold", "warm"):
            while True:
                t0 = time.perf_counter()
                at.button(key="present_next").click().run()
                rounds[kind].append(time.perf_counter() - t0)
                self._check(at, "present")
                counter = next((m.value for m in at.markdown if "/" in m.value and "页" in m.value), "")
                if counter.startswith("**第 1 /"):
                    break
                if len(rounds[kind]) > 40:
                    raise RuntimeError("present: the page counter never came back to the cover")
        samples.add("page:present_turn:cold", max(rounds["cold"]))
        samples.add("page:present_turn:warm", max(rounds["warm"]))

    def empty_page(self, samples: Samples) -> None:
        at = self.AppTest.from_string("import streamlit as st\n", default_timeout=60)
        at.run()
        t0 = time.perf_counter()
        at.run()
        samples.add("empty_page", time.perf_counter() - t0)
