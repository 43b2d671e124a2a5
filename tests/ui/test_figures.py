"""The figure builders and formats are pure functions of frames: they run without Streamlit, draw what the frame
holds, and keep user text inert in labels and hover."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from analytics.periods import Month
from ui import format as fmt
from ui.figures import points as point_figures
from ui.figures import tasks as task_figures

ROOT = Path(__file__).resolve().parents[2]


def test_figures_and_formats_never_import_streamlit():
    code = (
        "import sys\n"
        "import ui.figures.points, ui.figures.tasks, ui.figures.learning, ui.figures.arena, ui.format, ui.charts\n"
        "print(sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_flag_score_bars_are_the_parts_and_sections_are_escaped():
    frame = pd.DataFrame(
        {
            "section": ["<b>甲</b>", "乙科"],
            "veto": [False, True],
            "score": [80.0, 40.0],
            "part_points": [50.0, 30.0],
            "part_stars": [20.0, 10.0],
            "part_tasks": [10.0, 0.0],
        }
    )
    fig = point_figures.flag_score_figure(frame, None)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [list(t.x) for t in bars] == [[30.0, 50.0], [10.0, 20.0], [0.0, 10.0]]  # lowest score first
    labels = list(bars[0].y)
    assert "&lt;b&gt;甲&lt;/b&gt;" in labels and not any("<b>" in label for label in labels)


def test_month_axis_uses_the_short_label():
    series = pd.DataFrame(
        {"month": ["2022-11", "2022-12"], "net": [3.0, 4.5], "per_capita": [1, 2], "headcount": [3, 2]}
    )
    fig = point_figures.monthly_net_figure(series, "2022-12")
    assert list(fig.data[0].x) == ["11月", "12月"] == [Month(2022, 11).short_label, Month(2022, 12).short_label]
    assert list(fig.data[0].text) == ["3", "4.5"]


def test_lights_figure_counts_every_light_in_the_light_tables_order():
    frame = pd.DataFrame({"light": ["逾期", "已办结", "逾期"]})
    fig = task_figures.lights_figure(frame)
    shown = dict(zip(fig.data[0].y, fig.data[0].x))
    assert shown["逾期"] == 2 and shown["已办结"] == 1 and shown["正常"] == 0
    assert list(fig.data[0].y)[-1] == "已办结"  # precedence order, top down


def test_one_percent_and_one_signed():
    assert fmt.percent(0.854) == "85%" and fmt.percent(None) == "—" and fmt.percent(float("nan")) == "—"
    assert fmt.signed(12) == "+12" and fmt.signed(-3.5) == "-3.5" and fmt.signed(0) == "0"
    assert fmt.month_label("2022-07") == "2022年7月"


def test_the_section_bars_give_every_section_of_a_city_its_own_row():
    """100 sections: the chart grows 22 px a section (the page scrolls it), so no label is dropped for space."""
    section_bar_figure = point_figures.section_bar_figure
    sections = pd.DataFrame(
        {
            "section": [f"科室{i:03d}" for i in range(100)],
            "net_per_capita": [i / 10 for i in range(100)],
            "headcount": 50,
            "net": 100.0,
        }
    )
    fig = section_bar_figure(sections, "科室007")
    assert fig.layout.height >= 22 * 100
    assert list(fig.data[0].y) == [f"科室{i:03d}" for i in range(100)]
    assert section_bar_figure(sections.head(8), None).layout.height == 320


def test_the_heatmap_writes_values_in_while_there_are_few_sections():
    def frame(sections: int) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"section": f"第{s}科", "month": f"2022-{m:02d}", "net_per_capita": s + m / 10}
                for s in range(sections)
                for m in range(1, 13)
            ]
        )

    few = point_figures.heatmap_figure(frame(point_figures.WRITTEN_ROWS), None)
    assert few.data[0].texttemplate == "%{text}" and few.data[0].text[0][0] == fmt.points_text(0.1)
    assert few.layout.height == point_figures.ROW_PX * point_figures.WRITTEN_ROWS + 90
    # A city's hundred sections: colour and hover only, rows half as tall, every section still drawn.
    many = point_figures.heatmap_figure(frame(100), None)
    assert many.data[0].texttemplate is None and many.data[0].text is None
    assert len(many.data[0].y) == 100 and many.layout.height == point_figures.DENSE_ROW_PX * 100 + 90
    assert "%{z:.2f}" in many.data[0].hovertemplate
