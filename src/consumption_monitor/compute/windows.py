"""Windows of an incremental refresh: which output periods a changed partition can affect,
and which partitions recomputing them needs, per indicator kind (``P`` a changed partition):

- card (``card_*``): periods ``fold(P)`` and, when a changed file may hold payments in the
  first two hours of the month (Parquet statistics of ``txn_ts``; the business day starts at
  02:00), the month before. Reads each period's months plus the next month.
- ``key_enterprise_sum``: ``fold(P)`` and the same month a year later (same-panel YoY). Reads
  those months and the months a year earlier.
- ``enterprise_sum`` / ``enterprise_share``: every period of ``P``'s year and of the next year
  (YTD sums; the next year's same-panel YoY). Reads the year before, the year and the next.
- ``official`` / ``official_ratio``: every period of ``P``'s year (derived months, quarters and
  years come from YTD releases of the same year). Reads that year.
- ``unit_report``: period ``P``. Reads ``P``.
- any other kind (registries, whose natural key is not the period, so a revision in one
  partition can replace a row in another): no window, the whole indicator from the whole
  dataset.

``fold`` maps January to the Jan–Feb period ``YYYY-02``. A label a rule does not expect (the
``none`` partition of rows without a period, say) also means no window.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from consumption_monitor.catalog import Dataset
from consumption_monitor.compute.card import NIGHT_END_HOUR

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")


def _add_months(label: str, n: int) -> str:
    k = int(label[:4]) * 12 + int(label[5:7]) - 1 + n
    return f"{k // 12}-{k % 12 + 1:02d}"


def _fold(label: str) -> str:
    """January belongs to the Jan–Feb period ``YYYY-02``."""
    return label[:5] + "02" if label[5:7] == "01" else label


def _unfold(period: str) -> list[str]:
    """The calendar months of a monthly period (``YYYY-02`` is January and February)."""
    return [period[:5] + "01", period] if period[5:7] == "02" else [period]


def _shift_year(label: str, years: int) -> str:
    return f"{int(label[:4]) + years}{label[4:]}"


def year_labels(year: int) -> set[str]:
    """Every partition label a year can have: ``YYYY``, its quarters and months.

    >>> len(year_labels(2024)), sorted(year_labels(2024))[:3]
    (17, ['2024', '2024-01', '2024-02'])
    """
    y = str(year)
    return {y} | {f"{y}-Q{q}" for q in range(1, 5)} | {f"{y}-{m:02d}" for m in range(1, 13)}


@dataclass
class Window:
    """Output periods to recompute (exact ``periods`` or whole ``years``) and the partition
    labels to read for them."""

    periods: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    inputs: set[str] = field(default_factory=set)

    def covers(self, period: pd.Series) -> np.ndarray:
        """Boolean mask of the ``period`` values inside the window (null: outside)."""
        p = period.astype(object)
        exact = p.isin(self.periods).to_numpy(bool)
        years = p.str[:4].isin([str(y) for y in self.years]).to_numpy(bool)
        return exact | years

    def predicate(self, t: ir.Table) -> ir.BooleanValue:
        """The same test as an Ibis predicate on ``t.period``."""
        cond: ir.BooleanValue = t.period.isin(sorted(self.periods) or [""])
        if self.years:
            cond = cond | t.period.substr(0, 4).isin(sorted(str(y) for y in self.years))
        return cond


Rule = Callable[[set[str], set[str]], Window | None]


def _card(labels: set[str], early: set[str]) -> Window | None:
    """Card periods of changed months (``early``: months with payments before 02:00 on the 1st).

    >>> w = _card({"2024-01", "2024-05"}, early={"2024-05"})
    >>> sorted(w.periods)
    ['2024-02', '2024-04', '2024-05']
    >>> sorted(w.inputs)
    ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06']
    """
    if not all(_MONTH.match(p) for p in labels):
        return None
    periods = {_fold(p) for p in labels} | {_fold(_add_months(p, -1)) for p in early}
    inputs: set[str] = set()
    for m in periods:
        months = _unfold(m)
        inputs |= {*months, _add_months(months[-1], 1)}
    return Window(periods=periods, inputs=inputs)


def _key_panel(labels: set[str], early: set[str]) -> Window | None:
    """Same-panel monthly series: the month and the same month a year later.

    >>> w = _key_panel({"2024-01"}, set())
    >>> sorted(w.periods), sorted(w.inputs)
    (['2024-02', '2025-02'], ['2023-01', '2023-02', '2024-01', '2024-02', '2025-01', '2025-02'])
    """
    if not all(_MONTH.match(p) for p in labels):
        return None
    periods = {q for p in labels for q in (_fold(p), _shift_year(_fold(p), 1))}
    inputs = {m for q in periods for m in (*_unfold(q), *_unfold(_shift_year(q, -1)))}
    return Window(periods=periods, inputs=inputs)


def _years(span: tuple[int, ...], reads: tuple[int, ...]) -> Rule:
    def rule(labels: set[str], early: set[str]) -> Window | None:
        if not all(_PERIOD.match(p) for p in labels):
            return None
        years = {int(p[:4]) for p in labels}
        out = {y + d for y in years for d in span}
        inputs = {lab for y in years for d in reads for lab in year_labels(y + d)}
        return Window(years=out, inputs=inputs)

    return rule


def _same_period(labels: set[str], early: set[str]) -> Window | None:
    if not all(_PERIOD.match(p) for p in labels):
        return None
    return Window(periods=set(labels), inputs=set(labels))


#: Indicator kind → window rule (module docstring). Kinds not listed are recomputed whole.
RULES: dict[str, Rule] = {
    "card_sum": _card,
    "card_count": _card,
    "card_night_share": _card,
    "key_enterprise_sum": _key_panel,
    "enterprise_sum": _years((0, 1), (-1, 0, 1)),
    "enterprise_share": _years((0, 1), (-1, 0, 1)),
    "official": _years((0,), (0,)),
    "official_ratio": _years((0,), (0,)),
    "unit_report": _same_period,
}


def may_start_early(path: PurePath, ds: Dataset, filesystem: Any = None) -> bool:
    """Whether a file of a timestamp-partitioned dataset may hold rows in the first hours of
    its month, which the card business day (``txn_ts - 2 h``) gives to the month before.

    Decided from the Parquet min statistics (only the footer is read); True when unsure (no
    statistics, file gone). ``filesystem``: the lake's ``pyarrow`` filesystem when ``path`` is
    on an object store (``Store.arrow_filesystem``).
    """
    col = next((c for c in ds.columns if c.name == ds.period_column), None)
    if col is None or col.type != "timestamp":
        return False
    try:
        meta = pq.read_metadata(str(path), filesystem=filesystem)
        idx = meta.schema.to_arrow_schema().get_field_index(ds.period_column)
        lows = [meta.row_group(i).column(idx).statistics for i in range(meta.num_row_groups)]
    except (OSError, ValueError):
        return True
    if any(s is None or not s.has_min_max for s in lows):
        return True
    first: datetime = min(s.min for s in lows)
    month_start = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return first < month_start + timedelta(hours=NIGHT_END_HOUR)


__all__ = ["RULES", "Rule", "Window", "may_start_early", "year_labels"]
