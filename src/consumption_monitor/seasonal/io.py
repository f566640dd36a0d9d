"""Read a ``period,value`` CSV into a series ready for :func:`~.adjust.adjust`.

Accepted periods: ``2024-03`` (month), ``2024-01..02`` (NBS Jan–Feb total: stored in February
with January left empty), ``2024Q1`` (quarter). Extra columns are ignored.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from consumption_monitor.errors import DataValidationError, Location

__all__ = ["cut", "read_period_csv"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_JANFEB = re.compile(r"^(\d{4})-01\s*(?:\.\.|-|–)\s*0?2$")
_QUARTER = re.compile(r"^(\d{4})\s*-?Q([1-4])$", re.IGNORECASE)


def read_period_csv(path: Path, *, value_column: str = "value") -> pd.Series:
    """Monthly (or quarterly) series from ``path``; every bad row is reported at once."""
    problems: list[DataValidationError] = []
    monthly: dict[pd.Period, float] = {}
    quarterly: dict[pd.Period, float] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if (
            reader.fieldnames is None
            or "period" not in reader.fieldnames
            or value_column not in reader.fieldnames
        ):
            raise DataValidationError(
                f"{path.name}: need columns 'period' and '{value_column}'",
                f"{path.name}：需要 period 和 {value_column} 两列",
                where=Location(file=str(path)),
            )
        for row_no, row in enumerate(reader, start=2):
            text = (row.get("period") or "").strip()
            raw = (row.get(value_column) or "").strip()
            where = Location(file=path.name, row=row_no, column="period", value=text)
            try:
                value = float(raw) if raw else float("nan")
            except ValueError:
                problems.append(
                    DataValidationError(
                        "not a number",
                        "不是数字",
                        where=Location(file=path.name, row=row_no, column=value_column, value=raw),
                    )
                )
                continue
            if m := _JANFEB.match(text):
                year = int(m.group(1))
                monthly[pd.Period(year=year, month=1, freq="M")] = float("nan")
                monthly[pd.Period(year=year, month=2, freq="M")] = value
            elif m := _MONTH.match(text):
                monthly[pd.Period(year=int(m.group(1)), month=int(m.group(2)), freq="M")] = value
            elif m := _QUARTER.match(text):
                quarterly[pd.Period(year=int(m.group(1)), quarter=int(m.group(2)), freq="Q")] = (
                    value
                )
            else:
                problems.append(
                    DataValidationError(
                        "unrecognised period (use 2024-03, 2024-01..02 or 2024Q1)",
                        "无法识别的期间（应为 2024-03、2024-01..02 或 2024Q1）",
                        where=where,
                    )
                )
    if monthly and quarterly:
        problems.append(
            DataValidationError(
                "monthly and quarterly periods mixed in one file",
                "同一文件混用了月度和季度期间",
                where=Location(file=path.name),
            )
        )
    if problems:
        raise DataValidationError(
            f"{path.name}: {len(problems)} problem(s)",
            f"{path.name}：发现 {len(problems)} 处问题",
            problems=list(problems),
        )
    data = monthly or quarterly
    if not data:
        raise DataValidationError(f"{path.name}: no rows", f"{path.name}：没有数据行")
    index = pd.PeriodIndex(sorted(data))
    return pd.Series(np.array([data[p] for p in index], dtype=float), index=index, name=path.stem)


def _bound(text: str, freq: str, side: str, option: str) -> pd.Period:
    raw = text.strip()
    m = _QUARTER.match(raw)
    try:
        if m:
            period = pd.Period(year=int(m.group(1)), quarter=int(m.group(2)), freq="Q")
        elif re.fullmatch(r"\d{4}", raw):
            period = pd.Period(year=int(raw), freq="Y")
        elif _MONTH.match(raw):
            period = pd.Period(raw, freq="M")
        else:
            raise ValueError(raw)
    except ValueError:
        raise DataValidationError(
            f"{option} {text!r}: expected a year (2018), a month (2018-03) or a quarter (2018Q1)",
            f"{option} {text!r}：应为年份（2018）、月份（2018-03）或季度（2018Q1）",
            where=Location(column=option, value=text),
        ) from None
    return period.asfreq(freq, "start" if side == "start" else "end")


def cut(series: pd.Series, start: str | None = None, end: str | None = None) -> pd.Series:
    """``series`` (monthly or quarterly PeriodIndex) from ``start`` to ``end`` inclusive.

    Bounds are a year, month or quarter (``--from 2018 --to 2025-06``). On a monthly series a
    start in February also keeps January, so a Jan–Feb total is never cut in half.

    >>> s = pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2024-01", periods=3, freq="M"))
    >>> cut(s, "2024-02").tolist()
    [1.0, 2.0, 3.0]
    """
    idx = series.index
    assert isinstance(idx, pd.PeriodIndex)
    freq = idx.freqstr[0]
    out = series
    if start:
        first = _bound(start, freq, "start", "--from")
        if freq == "M" and first.month == 2:
            first = first - 1
        out = out[out.index >= first]
    if end:
        out = out[out.index <= _bound(end, freq, "end", "--to")]
    if out.empty:
        raise DataValidationError(
            f"no values between {start or '…'} and {end or '…'}",
            f"{start or '…'} 至 {end or '…'} 之间没有数值",
        )
    return out
