"""Normalisation rules: numbers, missing markers, dates and every period label form."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumption_monitor.ingest.headers import HeaderIndex, split_unit, unit_from_title
from consumption_monitor.ingest.normalise import (
    NormaliseError,
    Period,
    is_missing,
    map_distinct,
    parse_date,
    parse_number,
    parse_period,
    to_float,
)

PERIODS = [
    ("2024-10", Period("2024-10", "month", None)),
    ("2024-1", Period("2024-01", "month", None)),
    ("2024/10", Period("2024-10", "month", None)),
    ("2024.10", Period("2024-10", "month", None)),
    ("202410", Period("2024-10", "month", None)),
    ("2024年10月", Period("2024-10", "month", "month")),
    ("2024年10月份", Period("2024-10", "month", "month")),
    ("２０２４年１０月", Period("2024-10", "month", "month")),
    ("2024年2月", Period("2024-02", "month", "month", jan_feb=True)),
    ("2024年1-2月", Period("2024-02", "month", "ytd", jan_feb=True)),
    ("2024年1—2月", Period("2024-02", "month", "ytd", jan_feb=True)),
    ("2024年1~2月", Period("2024-02", "month", "ytd", jan_feb=True)),
    ("2024年1至10月", Period("2024-10", "month", "ytd")),
    ("2024年1-10月", Period("2024-10", "month", "ytd")),
    ("2024年1－12月", Period("2024-12", "month", "ytd")),
    ("2024年上半年", Period("2024-06", "month", "ytd")),
    ("2024年前三季度", Period("2024-09", "month", "ytd")),
    ("2024年1-3季度", Period("2024-09", "month", "ytd")),
    ("2024年一至二季度", Period("2024-06", "month", "ytd")),
    ("2024年1-4季度", Period("2024-12", "month", "ytd")),  # was read as September
    ("2024年一季度", Period("2024-Q1", "quarter", "quarter")),
    ("2024年第二季度", Period("2024-Q2", "quarter", "quarter")),
    ("2024年第3季度", Period("2024-Q3", "quarter", "quarter")),
    ("2024Q4", Period("2024-Q4", "quarter", "quarter")),
    ("2024-Q1", Period("2024-Q1", "quarter", "quarter")),
    ("2024q2", Period("2024-Q2", "quarter", "quarter")),
    ("2024年", Period("2024", "year", "year")),
    ("2024", Period("2024", "year", "year")),
    ("2024年全年", Period("2024", "year", "year")),
    ("2024-10-01", Period("2024-10", "month", None)),
    ("2024-10-01 00:00:00", Period("2024-10", "month", None)),
]


@pytest.mark.parametrize(("label", "expected"), PERIODS, ids=[p[0] for p in PERIODS])
def test_period_labels(label: str, expected: Period) -> None:
    assert parse_period(label) == expected


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("2024年13月", "month 13 does not exist"),
        ("2024年3-5月", "must run from January"),
        ("2024-10-15", "a date is not a period"),
        ("1800年", "out of range"),
        ("去年", "unrecognised period"),
        ("2024Q5", "unrecognised period"),
    ],
)
def test_bad_period_labels(label: str, reason: str) -> None:
    with pytest.raises(NormaliseError) as info:
        parse_period(label)
    assert reason in info.value.en and info.value.zh


def test_jan_feb_period_starts_in_january() -> None:
    assert parse_period("2024年1-2月").start.isoformat() == "2024-01-01"
    assert parse_period("2024年三季度").start.isoformat() == "2024-07-01"


@pytest.mark.parametrize(
    ("text", "value"),
    [("4,123.5", 4123.5), ("１２．３", 12.3), ("-0.5", -0.5), (" 7 ", 7.0), ("1 234", 1234.0),
     ("1e3", 1000.0), ("—", None), ("-", None), ("/", None), ("", None), ("N/A", None),
     ("４，１２３．５", 4123.5)],
)  # fmt: skip
def test_numbers(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_percent_only_in_percent_columns() -> None:
    assert parse_number("12.3%", percent=True) == 12.3
    with pytest.raises(NormaliseError, match="percent sign"):
        parse_number("12.3%")


def test_missing_markers() -> None:
    assert all(is_missing(x) for x in ["", " ", "—", "——", "-", "--", "/", "－", "NA", None])
    assert not any(is_missing(x) for x in ["0", "0.0", "无锡"])


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2024-10-01", "2024-10-01"), ("2024/1/5", "2024-01-05"), ("2024年2月29日", "2024-02-29"),
     ("20241001", "2024-10-01"), ("2024.3.7", "2024-03-07")],
)  # fmt: skip
def test_dates(text: str, iso: str) -> None:
    assert parse_date(text).isoformat() == iso


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "2024-13-01", "十月一日"])
def test_impossible_dates(text: str) -> None:
    with pytest.raises(NormaliseError):
        parse_date(text)


_cells = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: f"{x:,.3f}"),
    st.integers(-10**9, 10**9).map(str),
    st.sampled_from(["—", "-", "/", "", "abc", "12%", "1,2,3", "１２", "3.5e2", ". ", "+4",
                     "nan", "NaN", "inf"]),
    st.text(alphabet="0123456789,.-%元 ", max_size=8),
)  # fmt: skip


@settings(deadline=None, max_examples=150)
@given(st.lists(_cells, max_size=30))
def test_vectorised_numbers_match_the_scalar_rule(cells: list[str]) -> None:
    values, bad = to_float(pa.array(cells, pa.string()))
    for cell, v, b in zip(cells, values.to_pylist(), bad.to_pylist(), strict=True):
        try:
            expected = parse_number(cell)
        except NormaliseError:
            assert b and v is None, cell
        else:
            assert not b, cell
            assert (v is None and expected is None) or math.isclose(v, expected), cell


def test_map_distinct_parses_each_distinct_value_once() -> None:
    calls: list[str] = []

    def fn(x: str) -> str:
        calls.append(x)
        return parse_period(x).code

    values, bad, errors = map_distinct(
        pa.array(["2024年3月"] * 1000 + ["bad", None, "—"]), fn, pa.string()
    )
    assert sorted(calls) == ["2024年3月", "bad"]
    assert values.to_pylist()[:2] == ["2024-03", "2024-03"] and values[1001].as_py() is None
    assert bad.to_pylist()[-3:] == [True, False, False]
    assert "bad" in errors


def test_headers_with_units_and_two_rows() -> None:
    from consumption_monitor.catalog import load_catalog

    assert split_unit("零售额（亿元）") == ("零售额", "yi_yuan")
    assert split_unit("同比增长(%)") == ("同比增长", "percent")
    assert unit_from_title("表1  单位：万元") == "wan_yuan"
    index = HeaderIndex(load_catalog().dataset("enterprise_monthly"))
    cases = [("零售额(亿元)", "retail_sales"), ("销售情况|零售额", "retail_sales"),
             ("Retail_Sales", "retail_sales"), ("所在区", "district_code"),
             ("企业信息|统一社会信用代码", "enterprise_id"), ("USCC", "enterprise_id")]  # fmt: skip
    for label, name in cases:
        col, _ = index.match(label)
        assert col is not None and col.name == name, label
    assert index.match("颜色")[0] is None
