"""How a result was reached, as data: the rule version and parameters, the formula in words, the inputs, who was
excluded and why, how ties were settled, and the source rows (batch, file, sheet, Excel row) behind a number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics.rules.rulebook import PARAM_BY_KEY, RuleBook
from analytics.sheets import kinds
from analytics.store.db import Con, fetch_df

FACT_TABLES = set(kinds.FACT_TABLES)


@dataclass
class Trace:
    subject: str  # what was decided, e.g. 2022年3月 月度之星
    rule_version: int | None
    effective_from: date | None
    params: dict[str, float]  # only the parameters this result used
    formula: str  # the rule in words, as the page shows it
    inputs: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded: list[dict[str, Any]] = field(default_factory=list)  # {"name", "reason"}
    ties: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def for_book(cls, subject: str, book: RuleBook, keys: list[str], formula: str, **rest) -> Trace:
        return cls(subject, book.version_id, book.effective_from, {k: book.param(k) for k in keys}, formula, **rest)

    def param_rows(self) -> list[dict[str, Any]]:
        """Parameters with their Chinese labels, for display."""
        return [
            {
                "参数": PARAM_BY_KEY[k].label if k in PARAM_BY_KEY else k,
                "取值": v,
                "说明": PARAM_BY_KEY[k].help if k in PARAM_BY_KEY else "",
            }
            for k, v in self.params.items()
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "rule_version": self.rule_version,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "params": self.params,
            "formula": self.formula,
            "inputs": _records(self.inputs),
            "excluded": self.excluded,
            "ties": self.ties,
            "notes": self.notes,
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif out[col].dtype == object:
            out[col] = out[col].map(lambda v: v.isoformat() if isinstance(v, (date, datetime)) else v)
    return out.astype(object).where(out.notna(), None).to_dict("records")


def source_rows(cur: Con, table: str, fact_ids: list[int]) -> pd.DataFrame:
    """Where each fact came from: one row per fact with batch, file, sheet and Excel row, plus the batch time, and
    the cells corrected in the browser before commit (corrected: 姓名：“原值”→“改正值”, else None)."""
    if table not in FACT_TABLES:
        raise ValueError(table)
    if not fact_ids:
        return pd.DataFrame(
            columns=["fact_id", "batch_id", "source_file", "sheet", "row_no", "imported_at", "corrected"]
        )
    return fetch_df(
        cur,
        f"""
        select f.fact_id, f.batch_id, f.source_file, f.sheet, f.row_no, b.imported_at,
               (select string_agg(c.header || '：“' || coalesce(c.original, '') || '”→“' || c.corrected || '”', '；')
                from import_correction c
                where c.batch_id = f.batch_id and c.sheet = f.sheet and c.row_no = f.row_no) as corrected
        from {table} f join import_batch b using (batch_id)
        where f.fact_id in (select unnest($fact_ids))
        order by f.batch_id, f.sheet, f.row_no
        """,
        {"fact_ids": [int(x) for x in fact_ids]},
    )
