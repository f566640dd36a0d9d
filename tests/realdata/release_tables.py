"""Release tables rebuilt in the published layout from ``data/published_figures.csv``.

Each builder writes one table the way NBS or the Tianjin bureau lays it out: a title row, the
two-row merged header (指标 | 12月 → 绝对量（亿元）, 同比增长（%） | 1-12月 → the same pair),
其中：/full-width indented labels and blank cells where nothing is published. The figures come
from the fixture (each row names its source), never from the code under test.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

DATA = Path(__file__).parent / "data" / "published_figures.csv"

#: Row labels as the releases print them (the official names, indented as published).
LABELS = {
    "retail_sales": "社会消费品零售总额",
    "retail_sales_above_size": "  其中：限额以上单位消费品零售额",
    "retail_goods": "商品零售",
    "catering_revenue": "餐饮收入",
    "online_retail": "全国网上零售额",
    "online_retail_goods": "\u3000\u3000其中：实物商品网上零售额",
}
ORDER = list(LABELS)

Key = tuple[str, str, str, str]  # region, indicator, period, basis
Figure = tuple[float | None, float | None]  # value, yoy_pct


@dataclass
class Release:
    """The figures of one published release: one period, one region."""

    source: str
    region: str
    period: str  # YYYY-MM
    figures: dict[tuple[str, str], Figure] = field(default_factory=dict)  # (indicator, basis)

    @property
    def year(self) -> int:
        return int(self.period[:4])

    @property
    def month(self) -> int:
        return int(self.period[5:])


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def releases(region: str = "全国") -> list[Release]:
    """The fixture's releases of ``region`` (one per source and period)."""
    found: dict[tuple[str, str], Release] = {}
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["region"] != region:
                continue
            rel = found.setdefault(
                (row["source_title"], row["period"]),
                Release(row["source_title"], region, row["period"]),
            )
            rel.figures[(row["indicator"], row["basis"])] = (
                _num(row["value"]),
                _num(row["yoy_pct"]),
            )
    return list(found.values())


def expected(rels: list[Release], region_code: str) -> dict[Key, Figure]:
    return {
        (region_code, ind, rel.period, basis): fig
        for rel in rels
        for (ind, basis), fig in rel.figures.items()
    }


def _groups(rel: Release) -> list[tuple[str, str]]:
    """(group label, basis) of the column groups: 12月 then 1-12月 (Jan–Feb: 1-2月 only)."""
    m = rel.month
    groups = []
    if any(b == "month" for _, b in rel.figures):
        groups.append((f"{m}月", "month"))
    if any(b == "ytd" for _, b in rel.figures):
        groups.append((f"1-{m}月", "ytd"))
    return groups


def title(rel: Release) -> str:
    m = rel.month
    span = f"1—{m}" if m == 2 else f"{m}"
    return f"{rel.year}年{span}月份社会消费品零售总额主要数据"


def grid(rel: Release, *, growth_only: bool = False) -> list[list[object]]:
    """The table as rows of cells (None = blank), title and two header rows first."""
    groups = _groups(rel)
    pair = ["同比增长（%）"] if growth_only else ["绝对量（亿元）", "同比增长（%）"]
    rows: list[list[object]] = [[title(rel)] + [None] * (len(groups) * len(pair))]
    head1: list[object] = ["指标"]
    head2: list[object] = [None]
    for label, _ in groups:
        head1 += [label] + [None] * (len(pair) - 1)
        head2 += pair
    rows += [head1, head2]
    inds = [i for i in ORDER if any(i == k for k, _ in rel.figures)]
    for ind in inds:
        line: list[object] = [LABELS[ind]]
        for _, basis in groups:
            value, growth = rel.figures.get((ind, basis), (None, None))
            line += [growth] if growth_only else [value, growth]
        rows.append(line)
    return rows


def write_xlsx(path: Path, rows: list[list[object]], *, merged_label: bool = True) -> Path:
    """Write ``rows`` with the title merged across the table and the group labels merged."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "表1"
    for row in rows:
        ws.append(row)
    width = len(rows[1])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    if merged_label:
        ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    col = 2
    while col <= width:
        end = col
        while end + 1 <= width and rows[1][end] is None:
            end += 1
        if end > col:
            ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=end)
        col = end + 1
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "gbk") -> Path:
    """The same layout as a CSV: a group label over the blank cells to its right."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        for row in rows:
            writer.writerow(["" if c is None else (f"{c:g}" if isinstance(c, float) else c)
                             for c in row])  # fmt: skip
    return path
