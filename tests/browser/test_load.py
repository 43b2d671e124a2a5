"""Load, bounded: 10 browser sessions click through every page of one server on 127.0.0.1 for 60 s, with zero
exceptions. Prints the median and p90 page time (click → script run over) for docs/performance.md; times are
reported, never asserted (the machine is shared). Marked browser: the normal suite skips it."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright, expect

from ui import texts
from ui.auth import PAGE_NEEDS

from .driving import ARGS, CHROMIUM, ROOT

pytestmark = pytest.mark.browser

# What an anonymous visitor can click in the menu (the default "viewing open" setting), as the app declares it;
# 汇报模式 hides the menu (a meeting-room screen), so a session would not find its way back.
PAGES = [texts.PAGES[key][0] for key, need in PAGE_NEEDS.items() if need is None and key not in ("login", "present")]
SESSIONS = 10
SECONDS = 60
GRACE = 10
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


async def _settle(tab) -> None:
    for _ in range(2):
        await tab.wait_for_selector(DONE, state="attached", timeout=90_000)
        await tab.wait_for_timeout(200)
    await tab.wait_for_selector(DONE, state="attached", timeout=90_000)


async def _session(
    browser, url: str, n: int, stop: float, times: list[float], problems: list[str], seen: set, slow: list[str]
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = await context.new_page()
    # Sessions arrive a moment apart, as people do; the first load of the app's scripts is not a page time.
    await asyncio.sleep(n * 0.3)
    await tab.goto(url, wait_until="commit", timeout=90_000)
    await _settle(tab)
    step = n  # each session starts on a different page
    while time.monotonic() < stop:
        title = PAGES[step % len(PAGES)]
        step += 1
        started = time.monotonic()
        try:
            await tab.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click(timeout=60_000)
        except PlaywrightTimeout:
            # An overloaded machine (the browsers share its cores with the server) is slow, not wrong: counted.
            slow.append(title)
            continue
        try:
            # The page has changed when its title shows and the script run is over.
            await expect(tab.locator("h1").first).to_contain_text(title, timeout=60_000)
            await _settle(tab)
        except AssertionError:
            problems.append(f"session {n}: asked for {title}, saw {await tab.locator('h1').first.inner_text()}")
            continue
        times.append(time.monotonic() - started)
        seen.add(title)
        if await tab.locator('[data-testid="stException"]').count():
            problems.append(f"session {n}: exception on {title}")
    await context.close()


async def _run(url: str) -> tuple[list[float], list[str], set[str], list[str]]:
    times: list[float] = []
    problems: list[str] = []
    seen: set[str] = set()
    slow: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        stop = time.monotonic() + SECONDS
        sessions = [
            asyncio.create_task(_session(browser, url, n, stop, times, problems, seen, slow)) for n in range(SESSIONS)
        ]
        # A page still loading when the minute is over gets a short grace, then is left uncounted: the test stays
        # bounded however slow the machine is.
        done, pending = await asyncio.wait(sessions, timeout=SECONDS + GRACE)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()
        await browser.close()
    return times, problems, seen, slow


def test_ten_sessions_click_through_every_page_for_a_minute(server):
    if not Path(CHROMIUM).exists():
        pytest.fail("没有找到 Debian 的 chromium：请先运行 bash scripts/setup.sh dev")
    started = time.monotonic()
    times, problems, seen, slow = asyncio.run(_run(server["url"]))
    print(f"负载测试用时 {time.monotonic() - started:.0f} s（其中点击 {SECONDS} s）")
    assert problems == []
    # Each session starts on a different page, so on a machine that keeps up together they open every one; on an
    # overloaded one some stay in flight at the cut. Reported, not asserted; a page view must still be had by each.
    assert len(times) >= SESSIONS, len(times)
    cuts = statistics.quantiles(times, n=10)
    report = {
        "sessions": SESSIONS,
        "seconds": SECONDS,
        "page_views": len(times),
        "median_s": round(statistics.median(times), 3),
        "p90_s": round(cuts[-1], 3),
        "max_s": round(max(times), 3),
        "clicks_timed_out": len(slow),
        "pages_not_reached": sorted(set(PAGES) - seen),
    }
    print("负载：" + json.dumps(report, ensure_ascii=False))
    out = ROOT / "artifacts"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
