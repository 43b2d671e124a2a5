"""The task lights stated once: key, label (the value the engine writes), colour, mark, Markdown icon and the order
of precedence. The engine (tasks.py), the charts and the components all read this table; nobody keys the Chinese
labels again."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Light:
    key: str  # English name, for widget keys and code
    label: str  # the light as the engine writes it and a user reads it
    color: str  # chart colour
    mark: str  # a plain-text mark for tables
    icon: str  # a Streamlit Markdown badge for captions and headers
    attention: bool  # listed under 需要关注 (an open task that is not 正常)


# In precedence order: the first light that applies wins.
LIGHTS: tuple[Light, ...] = (
    Light("closed", "已办结", "#548235", "✔", ":green[●]", False),
    Light("overdue", "逾期", "#C8102E", "■", ":red[■]", True),
    Light("behind", "滞后", "#C55A11", "▲", ":orange[▲]", True),
    Light("stale", "久未反馈", "#8E44AD", "◆", ":violet[◆]", True),
    Light("due_soon", "临期", "#D4A017", "◔", ":orange[●]", True),
    Light("normal", "正常", "#2F5597", "●", ":blue[●]", False),
)
BY_LABEL: dict[str, Light] = {light.label: light for light in LIGHTS}
BY_KEY: dict[str, Light] = {light.key: light for light in LIGHTS}
LABELS: tuple[str, ...] = tuple(light.label for light in LIGHTS)
CLOSED = BY_KEY["closed"].label
OVERDUE = BY_KEY["overdue"].label
STALE = BY_KEY["stale"].label
# The 需要关注 tabs, most urgent first (久未反馈 is also a flag carried beside another light).
ATTENTION: tuple[Light, ...] = tuple(BY_KEY[k] for k in ("overdue", "stale", "behind", "due_soon"))
UNKNOWN_MARK = "●"
UNKNOWN_COLOR = "#7F7F7F"


def mark_text(label: str) -> str:
    """A light written for a table: its mark and its label (✔ 已办结)."""
    light = BY_LABEL.get(label)
    return f"{light.mark if light else UNKNOWN_MARK} {label}"


def color_of(label: str, default: str = UNKNOWN_COLOR) -> str:
    light = BY_LABEL.get(label)
    return light.color if light else default
