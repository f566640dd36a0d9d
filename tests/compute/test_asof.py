"""Vintages: computing as of an old date reproduces what was computed then."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from consumption_monitor.compute import FrameSource, compute, read_result, write_result
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
from consumption_monitor.errors import NotFoundError

from .conftest import V1, V2, lake_frames  # type: ignore[import-not-found]

CODES = ["retail_sales", "catering_contribution", "catering_revenue"]


def test_as_of_reproducibility(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=tmp_path)
    con = connect(load_settings(engine="duckdb", duckdb_threads=1))
    source = FrameSource(lake_frames())
    with pytest.raises(NotFoundError):
        read_result(settings)
    first = compute(settings, as_of=V1, con=con, source=source, codes=CODES)
    write_result(settings, first)
    later = compute(settings, as_of=V2, con=con, source=source, codes=CODES)
    write_result(settings, later)

    def may(df: pd.DataFrame) -> float:
        row = df[(df.indicator == "retail_sales") & (df.period == "2024-05") & (df.basis == "ytd")]
        return float(row.value.iloc[0])

    assert may(first.table) == 2520.0 and may(later.table) == 2530.0  # the revision
    again = compute(settings, as_of=V1, con=con, source=source, codes=CODES)
    cols = [c for c in first.table.columns if c != "computed_at"]
    pd.testing.assert_frame_equal(again.table[cols], first.table[cols])
    stored = read_result(settings, as_of=date(2024, 6, 1))  # between the vintages → V1
    pd.testing.assert_frame_equal(
        stored[cols].reset_index(drop=True),
        first.table[cols].reset_index(drop=True),
        check_dtype=False,
    )
    assert may(read_result(settings)) == 2530.0
    assert set(stored.vintage) == {V1}
