"""Streamlit names its own controls in English for screen readers and tooltips ("Help for 本月净得分" on every help
icon). Every page carries the script that puts Chinese over them (ui/shell.chrome_words); the browser test
tests/browser/test_browser_guard.py checks it at work in chromium."""

from __future__ import annotations

import re

import pytest
from apptest import no_exception, open_page

from ui import texts


def ours(label: str) -> str | None:
    """What the script makes of a label, read the same way (a whole label, else the first pattern that matches)."""
    if label in texts.CHROME_LABELS:
        return texts.CHROME_LABELS[label]
    for pattern, to in texts.CHROME_PATTERNS.items():
        if re.search(pattern, label, re.S):
            return re.sub(pattern, to.replace("$1", r"\1"), label, flags=re.S)
    return None


@pytest.mark.parametrize("page", ["overview", "stars", "present", "login", "import"])
def test_every_page_carries_the_script(demo_db, page):
    at = open_page(page, demo_db)
    no_exception(at)
    scripts = [h.proto.body for h in at.get("html") if "__chromeWords" in h.proto.body]
    assert len(scripts) == 1
    assert json_of(texts.CHROME_PATTERNS) in scripts[0]


def json_of(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def test_help_labels_read_in_chinese():
    assert ours("Help for 本月净得分") == "本月净得分的说明"
    assert ours("Help for 两行\n标签") == "两行\n标签的说明"
    assert ours("Help") == "说明"
    assert ours("Remove 组织科") == "移除 组织科"
    assert ours("science icon") == "图标"
    assert ours("Download") is None  # the raw CSV download stays absent, and named as Streamlit names it
