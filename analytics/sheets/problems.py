"""A problem found in an upload: where it is (sheet, Excel row, column), the value, and what to do about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"
LEVEL_LABELS = {ERROR: "错误", WARNING: "提醒"}
MAX_LISTED = 8  # rows or batches named in one message, before 等


@dataclass
class Problem:
    level: str
    sheet: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def text(self) -> str:
        """The whole sentence, as the error workbook and the CLI print it."""
        where = f"「{self.sheet}」" if self.sheet else ""
        if self.row:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」列"
        return f"{where}：{self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("level")
        return data


def show_value(value: Any) -> str | None:
    """A cell value as the clerk would recognise it in the message."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return f"{value:g}"
    text = str(value).strip()
    return text if len(text) <= 60 else text[:57] + "…"


def names_list(names: list[str], limit: int = 5) -> str:
    shown = "、".join(names[:limit])
    return shown + ("等" if len(names) > limit else "")
