"""Every page in a real browser on a copy of a database: `streamlit run app.py` on a free loopback port, Debian's
chromium through Playwright, signed in as an administrator, each page opened through the menu twice (the first time
after the server opened the file, then again), timed from the click until the script run is over and stays over, the
page's text checked for an error box. Prints one line a page and, with --json, one object.

    python bench/browser_pages.py DB [--rounds 2] [--json]

The server runs on a copy, so the file given is never changed. Times are a browser's (websocket, rendering), beside
the AppTest script times of `python -m analytics bench`."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import served  # noqa: E402 - run as a script from the repository

DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ADMIN, PASSWORD = "基准管理员", "基准测试密码-123456"


def _settle(tab) -> None:
    for _ in range(2):
        tab.wait_for_selector(DONE, state="attached", timeout=120_000)
        tab.wait_for_timeout(150)
    tab.wait_for_selector(DONE, state="attached", timeout=120_000)


def measure(source: Path, rounds: int = 2, only: set[str] | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    from ui import texts

    with tempfile.TemporaryDirectory(prefix="browser_bench_") as tmp:
        folder = Path(tmp)
        db = served.copy_with_admin(source, folder, ADMIN, PASSWORD)
        times: dict[str, list[float]] = {}
        errors: dict[str, str] = {}
        sizes: dict[str, list[int]] = {}
        with served.server(db, folder / "server.log") as url:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=served.CHROMIUM, args=served.ARGS)
                tab = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
                received = [0]

                def _socket(ws) -> None:
                    ws.on("framereceived", lambda frame: received.__setitem__(0, received[0] + len(frame)))

                tab.on("websocket", _socket)
                t0 = time.perf_counter()
                tab.goto(f"{url}/login")
                _settle(tab)
                first = time.perf_counter() - t0
                tab.get_by_label("账号").fill(ADMIN)
                tab.get_by_label("密码").fill(PASSWORD)
                tab.get_by_role("button", name="登录").click()
                tab.locator('[data-testid="stMain"]').get_by_text("已登录").first.wait_for(timeout=60_000)
                _settle(tab)
                nav = tab.locator('[data-testid="stSidebarNav"]')
                keys = [k for k in texts.PAGES if k not in ("login", "present") and (not only or k in only)]
                for _ in range(rounds):
                    for key in keys:
                        title = texts.PAGES[key][0]
                        link = nav.get_by_role("link", name=title, exact=True)
                        if link.count() == 0:
                            errors.setdefault(key, "菜单里没有这一页")
                            continue
                        t0, before = time.perf_counter(), received[0]
                        link.first.click()
                        _settle(tab)
                        times.setdefault(key, []).append(time.perf_counter() - t0)
                        sizes.setdefault(key, []).append(received[0] - before)
                        if tab.locator('[data-testid="stException"]').count():
                            errors.setdefault(key, tab.locator('[data-testid="stException"]').first.inner_text()[:200])
                browser.close()
    pages = {
        key: {
            "first_s": round(values[0], 3),
            "again_s": round(statistics.median(values[1:]), 3) if values[1:] else None,
            "kb": round(max(sizes[key]) / 1024),
        }
        for key, values in times.items()
    }
    return {"db": str(source), "first_open_s": round(first, 3), "pages": pages, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description="每一页在真实浏览器里的打开时间（数据库副本上）")
    parser.add_argument("db", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pages", default="", help="只测这些页，逗号分隔（如 trends,stars）")
    args = parser.parse_args()
    if not args.db.is_file():
        parser.error(f"找不到数据库：{args.db}")
    only = {k.strip() for k in args.pages.split(",") if k.strip()} or None
    result = measure(args.db, max(1, args.rounds), only)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    print(f"首次打开（登录页，含服务器打开数据库）：{result['first_open_s']:.2f} s")
    for key, entry in result["pages"].items():
        again = "—" if entry["again_s"] is None else f"{entry['again_s']:.2f} s"
        print(f"  {key:<10} 第一次 {entry['first_s']:.2f} s   再次 {again}   收到 {entry['kb']:,} KB")
    for key, text in result["errors"].items():
        print(f"  出错 {key}：{text}")


if __name__ == "__main__":
    main()
