"""Comparing two answers of the results layer (a rollup-based one and the direct computation, or two databases that
should agree): frames with the same columns, dtypes and values (floats to 1e-9), dataclasses field by field,
containers item by item, NaN equal to NaN."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest


def same(got, expected, path: str = "result", ignore_index: bool = False) -> None:
    """Assert equal answers; ``path`` names the part that differs. With ``ignore_index`` frames are compared by
    position (the row labels of two databases may differ)."""
    if isinstance(expected, pd.DataFrame):
        assert isinstance(got, pd.DataFrame), path
        if ignore_index:
            got, expected = got.reset_index(drop=True), expected.reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=0, atol=1e-9, obj=path)
    elif dataclasses.is_dataclass(expected):
        for f in dataclasses.fields(expected):
            same(getattr(got, f.name), getattr(expected, f.name), f"{path}.{f.name}", ignore_index)
    elif isinstance(expected, dict):
        assert got.keys() == expected.keys(), path
        for key in expected:
            same(got[key], expected[key], f"{path}[{key!r}]", ignore_index)
    elif isinstance(expected, list | tuple):
        assert len(got) == len(expected), path
        for n, (a, b) in enumerate(zip(got, expected)):
            same(a, b, f"{path}[{n}]", ignore_index)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got), path
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, abs=1e-9), path
    else:
        assert got == expected, path
