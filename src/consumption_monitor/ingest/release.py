"""Read statistical release tables as NBS and local bureaus publish them (``official_stats``).

A release table is wide: one row per indicator, one column group per period, two measures per
group. For example 《2025年12月份社会消费品零售总额主要数据》::

    2025年12月份社会消费品零售总额主要数据              <- title: period (and region, if named)
    +--------------------------+---------------------------+---------------------------+
    | 指标                     |           12月            |          1-12月           |
    |                          +-------------+-------------+-------------+-------------+
    |                          | 绝对量(亿元)| 同比增长(%) | 绝对量(亿元)| 同比增长(%) |
    +--------------------------+-------------+-------------+-------------+-------------+
    | 社会消费品零售总额       |    45136    |     0.9     |   501202    |     3.7     |
    |   其中：限额以上单位…    |    …        |     …       |   …         |     …       |
    | 　　实物商品网上零售额   |             |             |   130923    |     5.2     |
    +--------------------------+-------------+-------------+-------------+-------------+

Rules:

- The title lines above the header give the period (``2025年12月份``, ``2025年1-11月``,
  ``2024年上半年``) and, when they name one, the region (``天津市…``, ``和平区…``, ``全国…``);
  ``--region`` supplies a region the title does not name (a clash is refused). The region may
  stand before or after the period (``2020年前三季度天津市…``).
- The group row names each period: ``12月``/``本月``/``当月`` is the single month (``month``),
  ``1-12月``/``1～12月``/``累计``/``上半年`` the cumulative figure (``ytd``); the year comes from
  the title. A table with one measure pair and no group row takes period and basis from the
  title (``2025年1-11月`` → ``ytd``). Merged cells are filled from their top-left cell; in a
  CSV, a group label stands over the blank cells to its right.
- A measure is a level (绝对量/总额/金额/数值/零售额, with a unit in the header or a
  ``单位：亿元`` title line) or a growth rate (同比增长/增长/增速 %).
- Row labels lose 其中：/#/full-width-space indentation and map to catalog indicators by code,
  official name or alias. Rows with no figure at all are section headings (按经营地分) or notes
  (注：…) and are skipped; blank or dash cells are "not published".
- Anything that cannot be placed (a row label the catalog does not know, a header that is
  neither a level nor a growth rate, a period or region that cannot be found, a cell that is
  not a number) refuses the whole file with the cell named: nothing is loaded.

The result is handed on in the long format, so the usual checks (units, basis, duplicates,
bounds) apply unchanged. A file whose header is already the long format (``指标, 时期, 数值…``)
is not a release table and is read by ``readers.py`` as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from consumption_monitor.catalog import Catalog
from consumption_monitor.errors import NotFoundError
from consumption_monitor.ingest.headers import HeaderIndex, split_unit, unit_from_title
from consumption_monitor.ingest.normalise import (
    NormaliseError,
    Period,
    clean_text,
    is_missing,
    parse_number,
    parse_period,
)
from consumption_monitor.ingest.problems import Problem, ProblemLog, refuse
from consumption_monitor.ingest.readers import SheetData, file_format
from consumption_monitor.ingest.release_grid import csv_grid, xlsx_grids

#: Rows searched for the measure row (title lines and group rows sit above it).
SEARCH_ROWS = 20
#: Output columns, in the long format's canonical names.
COLUMNS = ["region", "indicator", "period", "basis", "value", "unit", "yoy_pct", "source"]

_LEVEL = re.compile(r"^(绝对量|绝对值|总量|总额|金额|数值|数额|零售额|本期|本月数|累计数)$")
_GROWTH = re.compile(
    r"^(?:(?:比|较)(?:去|上)年(?:同月|同期)?|同比)?(?:增长|增速|增幅|增减|±)(?:率|速度)?$|^同比$"
)
_LABEL_HEAD = re.compile(r"^(指标|指标名称|项目|名称|分组|分类)$")
_PREFIX = re.compile(r"^(?:其中|内|#|＃|\*|：|:)+\s*[:：]?\s*")
_YEAR = re.compile(r"(\d{4})\s*年")
_RANGE = r"[-~～—–至到]"
_TITLE_PERIOD = re.compile(
    rf"(\d{{4}})\s*年\s*("
    rf"\d{{1,2}}\s*{_RANGE}\s*\d{{1,2}}\s*月份?|\d{{1,2}}\s*月份?|上半年|前三季度|全年"
    rf"|第?[一二三四1-4]\s*季度|1\s*{_RANGE}\s*[2-4]\s*季度)?"
)
#: A period at the start of a column header: ``12月``, ``1—12月``, ``本月``, ``1-本月``, ``累计``.
_PERIOD_HEAD = re.compile(
    rf"^(?P<p>(?:\d{{4}}年)?(?:1{_RANGE}(?:\d{{1,2}}|本)月份?(?:累计)?|\d{{1,2}}月份?"
    rf"|本月|当月|本期|本年累计|累计|上半年|前三季度|全年|第?[一二三四]季度))(?P<rest>.*)$"
)
_SINGLE = {"本月", "当月", "本期", "月度"}
_CUMULATIVE = {"累计", "本年累计", "1-本月", "1—本月", "1～本月", "年初至本月", "自年初累计"}
_NOTE = re.compile(r"^(注|说明|资料来源|数据来源)[:：\d]")


@dataclass(frozen=True, slots=True)
class Measure:
    """One data column: its group's period and basis, and whether it holds a level or growth."""

    column: int
    period: str
    basis: str
    growth: bool
    unit: str | None


def looks_like_release(grid: list[list[str]], index: HeaderIndex) -> bool:
    """True when the sheet has a measure row (绝对量/同比增长…) and no long-format header.

    >>> from consumption_monitor.catalog import load_catalog
    >>> idx = HeaderIndex(load_catalog().dataset("official_stats"))
    >>> looks_like_release([["标题"], ["指标", "绝对量（亿元）", "同比增长（%）"]], idx)
    True
    >>> looks_like_release([["地区", "指标", "时期", "数值"]], idx)
    False
    """
    for row in grid[:SEARCH_ROWS]:
        names = {c.name for cell in row if cell and (c := index.match(cell)[0]) is not None}
        if "period" in names:
            return False
        if _measure_kind(row) is not None:
            return True
    return False


def _squash(label: str) -> str:
    return re.sub(r"\s+", "", clean_text(label))


def _classify(label: str) -> tuple[bool, str | None] | None:
    r"""``(is_growth, unit)`` of a measure header, None when it is not one.

    >>> _classify("绝对量（亿元）"), _classify("同比增长(%)"), _classify("比去年同月\n增长(%)")
    ((False, 'yi_yuan'), (True, 'percent'), (True, 'percent'))
    >>> _classify("12月") is None
    True
    """
    base, unit = split_unit(_squash(label))
    text = base.strip()
    if unit == "percent" or (text and _GROWTH.fullmatch(text)):
        return True, "percent"
    if not text and unit is not None:
        return False, unit
    if _LEVEL.fullmatch(text):
        return False, unit
    return None


def _column_spec(label: str) -> tuple[str | None, tuple[bool, str | None] | None]:
    r"""A header that may name its own period: ``12月(亿元)`` → ``("12月", (False, 亿元))``.

    >>> _column_spec("1-12月\n(亿元)"), _column_spec("本月")
    (('1-12月', (False, 'yi_yuan')), ('本月', (False, None)))
    >>> _column_spec("比去年同期增长(%)")
    (None, (True, 'percent'))
    """
    text = _squash(label)
    m = _PERIOD_HEAD.match(text)
    if m is None:
        return None, _classify(text)
    rest = m.group("rest")
    if not rest:
        return m.group("p"), (False, None)
    return m.group("p"), _classify(rest)


def _measure_kind(row: list[str]) -> list[int] | None:
    """Columns of ``row`` that are measure headers (at least one level or growth rate)."""
    cols = [i for i, c in enumerate(row) if c.strip() and _classify(c) is not None]
    if cols:
        return cols
    # One header row naming its own periods: 本月 | 1-本月 (and a growth column each).
    cols = [i for i, c in enumerate(row) if c.strip() and _column_spec(c)[0] is not None]
    cols = cols if len(cols) >= 2 and all(_column_spec(row[i])[1] for i in cols) else []
    return cols or None


def _title_period(title: str) -> Period | None:
    m = _TITLE_PERIOD.search(clean_text(title).replace(" ", ""))
    if not m or not m.group(2):
        return None
    try:
        return parse_period(f"{m.group(1)}年{m.group(2)}")
    except NormaliseError:
        return None


def _group_period(label: str, year: int | None, title: Period | None) -> Period | None:
    """The period of a column group label (``12月``, ``1-12月``, ``本月``, ``累计``).

    >>> t = parse_period("2025年12月")
    >>> [(p.code, p.basis) for p in (_group_period(x, 2025, t) for x in ("12月", "1—12月", "累计"))]
    [('2025-12', 'month'), ('2025-12', 'ytd'), ('2025-12', 'ytd')]
    """
    raw = _squash(label)
    if not raw:
        return title
    cumulative = raw.endswith("累计") or raw in _CUMULATIVE
    text = raw.removesuffix("累计").removesuffix("份")
    if raw in _SINGLE or raw in _CUMULATIVE or not text:
        if title is None or title.kind != "month":
            return title
        return Period(title.code, "month", "ytd" if cumulative else "month", title.jan_feb)
    try:
        p = parse_period(text if _YEAR.match(text) else f"{year}年{text}")
    except NormaliseError:
        return None
    if year is None and not _YEAR.match(text):
        return None
    if cumulative and p.kind == "month":
        return Period(p.code, "month", "ytd", p.jan_feb)
    return p


def _region(title: str, cat: Catalog) -> str | None:
    """The region a title names: 全国, the city (天津市) or a district (和平区); None if none.

    The region may follow the period: ``2020年前三季度天津市…`` as well as ``天津市2020年…``.

    >>> from consumption_monitor.catalog import load_catalog
    >>> cat = load_catalog()
    >>> titles = ("天津市2019年12月份社零", "2020年前三季度天津市社零", "2025年12月份社零")
    >>> [_region(t, cat) for t in titles]
    ['120000', '120000', None]
    """
    text = clean_text(title).replace(" ", "")
    lead = _TITLE_PERIOD.match(text)
    if lead is not None and lead.group(2):
        text = text[lead.end() :]
    if text.startswith(("全国", "国家")):
        return "100000"
    for d in cat.districts:
        if text.startswith((d.name_zh, d.name_zh.removesuffix("区"))) and len(d.name_zh) > 1:
            return d.code
    names = {cat.city.name_zh, cat.city.name_zh.removesuffix("市"), *cat.city.aliases}
    if any(n and text.startswith(n) for n in names):
        return cat.city.code
    return None


def _letter(c: int) -> str:
    out, n = "", c + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _label(text: str) -> str:
    """A row label without indentation and "of which" marks: ``　　其中：限上…`` → ``限上…``."""
    t = clean_text(text.replace("\u3000", " "))
    t = _PREFIX.sub("", t).strip()
    t = re.sub(r"^\d+[.、．]\s*", "", t)  # "1. 城镇"
    base, _ = split_unit(t)  # "社会消费品零售总额（亿元）"
    return base.strip()


class _Builder:
    """Turn one release grid into long-format records, collecting every unplaceable cell."""

    def __init__(self, grid: list[list[str]], cat: Catalog, *, file: str, sheet: str | None,
                 region: str | None) -> None:  # fmt: skip
        self.grid = grid
        self.cat = cat
        self.file = file
        self.sheet = sheet
        self.region_opt = region
        self.log = ProblemLog(limit=50)

    def problem(self, en: str, zh: str, *, row: int | None = None, col: int | None = None,
                value: Any = None, hint_en: str, hint_zh: str) -> None:  # fmt: skip
        self.log.add(
            Problem(en, zh, file=self.file, sheet=self.sheet, row=row,
                    column=None if col is None else _letter(col), value=value,
                    hint_en=hint_en, hint_zh=hint_zh)
        )  # fmt: skip

    def build(self) -> tuple[list[tuple[int, dict[str, Any]]], str]:
        grid = self.grid
        strict = [i for i, r in enumerate(grid[:SEARCH_ROWS])
                  if any(c.strip() and _classify(c) for c in r)]  # fmt: skip
        m = (
            strict[0]
            if strict
            else next(i for i, r in enumerate(grid[:SEARCH_ROWS]) if _measure_kind(r))
        )
        label_col = next(
            (c for r in grid[max(0, m - 2) : m + 1] for c, x in enumerate(r)
             if _LABEL_HEAD.fullmatch(clean_text(x).replace(" ", ""))),
            0,
        )  # fmt: skip
        group_row = m - 1 if m > 0 and self._is_group_row(grid[m - 1], label_col) else None
        top = group_row if group_row is not None else m
        title_rows = [r for r in grid[:top] if any(c.strip() for c in r)]
        # A merged title cell is filled across its range: keep each text once.
        title = " ".join(dict.fromkeys(clean_text(c) for r in title_rows for c in r if c.strip()))
        title_unit = next((u for r in title_rows for c in r if (u := unit_from_title(c))), None)
        title_period = _title_period(title)
        year_m = _YEAR.search(clean_text(title))
        year = int(year_m.group(1)) if year_m else None
        region = self._region(title)
        measures = self._measures(m, group_row, label_col, year, title_period, title_unit)
        records: list[tuple[int, dict[str, Any]]] = []
        if region is None or not measures:
            return records, title
        for r in range(m + 1, len(grid)):
            records.extend(self._row(r, label_col, measures, region, title))
        return records, title

    def _is_group_row(self, row: list[str], label_col: int) -> bool:
        cells = [c for i, c in enumerate(row) if i != label_col and c.strip()]
        return bool(cells) and not any(_classify(c) is not None for c in cells)

    def _region(self, title: str) -> str | None:
        found = _region(title, self.cat)
        given = None
        if self.region_opt is not None:
            try:
                given = self.cat.region_code(self.region_opt)
            except NotFoundError:
                self.problem(
                    f"unknown region {self.region_opt!r} (--region)",
                    f"无法识别的地区“{self.region_opt}”（--region）",
                    value=self.region_opt,
                    hint_en="use 全国, 天津市 or a district name such as 和平区",
                    hint_zh="请填写“全国”“天津市”或区名，如“和平区”",
                )
                return None
        if found and given and found != given:
            self.problem(
                f"the title names region {found} but --region says {given}",
                f"表题中的地区（{self.cat.region_name(found)}）与 --region"
                f"（{self.cat.region_name(given)}）不一致",
                row=1, value=title,
                hint_en="drop --region or correct it", hint_zh="请去掉或改正 --region",
            )  # fmt: skip
            return None
        if not (found or given):
            self.problem(
                "the title does not name a region and no --region was given",
                "表题未写明地区，且未指定 --region",
                row=1, value=title or None,
                hint_en="pass --region 全国 (or 天津市, 和平区…)",
                hint_zh="请加上 --region 全国（或 天津市、和平区等）",
            )  # fmt: skip
        return found or given

    def _measures(
        self, m: int, group_row: int | None, label_col: int, year: int | None,
        title_period: Period | None, title_unit: str | None,
    ) -> list[Measure]:  # fmt: skip
        grid = self.grid
        out: list[Measure] = []
        unplaced: set[str] = set()  # a group without a period is reported once, at its first cell
        group = ""
        for c, head in enumerate(grid[m]):
            if c == label_col:
                continue
            if group_row is not None:
                above = grid[group_row][c] if c < len(grid[group_row]) else ""
                group = above.strip() or group  # a merged/spanning label covers blanks
            if not head.strip():
                if any(r[c].strip() for r in grid[m + 1 :] if c < len(r)):
                    self.problem(
                        "a column with figures has no header", "该列有数据但没有表头",
                        row=m + 1, col=c,
                        hint_en="add 绝对量（亿元） or 同比增长（%） above the figures",
                        hint_zh="请在数据上方写明“绝对量（亿元）”或“同比增长（%）”",
                    )  # fmt: skip
                continue
            own, kind = _column_spec(head)
            if group_row is None and own is not None:
                group = own  # 12月(亿元) | 比去年同月增长(%): growth takes the level's period
            if kind is None:
                self.problem(
                    f"header {head!r} is neither a level nor a growth rate",
                    f"表头“{head}”既不是绝对量也不是同比增长",
                    row=m + 1, col=c, value=head,
                    hint_en="use 绝对量（亿元） or 同比增长（%）",
                    hint_zh="请写作“绝对量（亿元）”或“同比增长（%）”",
                )  # fmt: skip
                continue
            growth, unit = kind
            period = _group_period(group, year, title_period)
            if period is None or period.basis is None:
                if group in unplaced:
                    continue
                unplaced.add(group)
                self.problem(
                    f"the period of column group {group or '(none)'!r} cannot be determined",
                    f"无法确定列组“{group or '（无）'}”的时期",
                    row=(group_row if group_row is not None else m) + 1, col=c,
                    value=group or None,
                    hint_en="name the year and month in the title (2025年12月份…) "
                    "and the group (12月 / 1-12月)",
                    hint_zh="请在表题中写明年份月份（如“2025年12月份”），列组写明“12月”或“1-12月”",
                )  # fmt: skip
                continue
            out.append(Measure(c, period.code, period.basis, growth,
                               unit or (None if growth else title_unit)))  # fmt: skip
        return out

    def _row(self, r: int, label_col: int, measures: list[Measure], region: str,
             title: str) -> Iterator[tuple[int, dict[str, Any]]]:  # fmt: skip
        row = self.grid[r]
        raw_label = row[label_col] if label_col < len(row) else ""
        figures: list[tuple[Measure, float]] = []
        for ms in measures:
            text = row[ms.column] if ms.column < len(row) else ""
            if is_missing(text):
                continue
            try:
                value = parse_number(text, percent=ms.growth)
            except NormaliseError as exc:
                self.problem(exc.en, exc.zh, row=r + 1, col=ms.column, value=text,
                             hint_en="write a number, or leave the cell blank",
                             hint_zh="请填写数字，未公布的留空")  # fmt: skip
                continue
            if value is not None:
                figures.append((ms, value))
        label = _label(raw_label)
        label_unit = split_unit(_PREFIX.sub("", clean_text(raw_label.replace("\u3000", ""))))[1]
        if not figures:
            return  # a section heading (按经营地分), a note (注：…) or an empty line
        if _NOTE.match(clean_text(raw_label)):
            return
        try:
            code = self.cat.indicator_name(label).code if label else None
        except NotFoundError:
            code = None
        if code is None:
            self.problem(
                f"row label {raw_label.strip() or '(empty)'!r} is not a catalog indicator",
                f"行标题“{raw_label.strip()}”不是指标目录中的指标",
                row=r + 1, col=label_col, value=raw_label.strip() or None,
                hint_en="use the official name (社会消费品零售总额, 限额以上单位消费品零售额…) "
                "or delete the row; see docs/catalog.md",
                hint_zh="请使用指标目录中的官方名称（如“社会消费品零售总额”），或删去该行",
            )  # fmt: skip
            return
        by_group: dict[tuple[str, str], dict[str, Any]] = {}
        for ms, value in figures:
            rec = by_group.setdefault(
                (ms.period, ms.basis),
                {"region": region, "indicator": code, "period": ms.period, "basis": ms.basis,
                 "value": None, "unit": None, "yoy_pct": None, "source": title or None},
            )  # fmt: skip
            if ms.growth:
                rec["yoy_pct"] = value
            else:
                rec["value"] = value
                rec["unit"] = ms.unit or (label_unit if label_unit != "percent" else None)
        for rec in by_group.values():
            yield r + 1, rec


#: Release tables are small; a larger CSV is a long-format file and is not inspected.
MAX_RELEASE_BYTES = 4 << 20


def read_release(
    path: Path, index: HeaderIndex, cat: Catalog, *, region: str | None = None,
    sheet: str | None = None,
) -> list[SheetData] | None:  # fmt: skip
    """The release tables of ``path`` in long form; None when it is not a release table.

    Raises :class:`~consumption_monitor.errors.DataValidationError` naming every cell that
    cannot be placed (nothing is loaded then).
    """
    fmt = file_format(path)
    if fmt not in ("csv", "xlsx", "xls") or path.stat().st_size > MAX_RELEASE_BYTES:
        return None
    if path.stat().st_size == 0:
        return None
    grids = list(xlsx_grids(path, sheet)) if fmt != "csv" else [(None, csv_grid(path))]
    found = [(name, g) for name, g in grids if looks_like_release(g, index)]
    if not found:
        return None
    out: list[SheetData] = []
    log = ProblemLog(limit=50)
    for name, grid in found:
        b = _Builder(grid, cat, file=path.name, sheet=name, region=region)
        records, _ = b.build()
        for p in b.log.problems:
            log.add(p)
        if not records and not b.log:
            log.add(
                Problem("the release table holds no figures", "发布表中没有任何数据",
                        file=path.name, sheet=name,
                        hint_en="check that the right file was exported",
                        hint_zh="请确认导出的文件是否正确")
            )  # fmt: skip
        out.append(_sheet(path.name, name, records))
    if log:
        if len(log.problems) == 1:
            raise refuse(log.problems[0])
        raise log.error("official_stats")
    return out


def _sheet(file: str, sheet: str | None, records: list[tuple[int, dict[str, Any]]]) -> SheetData:
    """Records as a long-format sheet; each record keeps its source row number."""

    def batches() -> Iterator[tuple[int, pa.RecordBatch]]:
        for row, rec in records:
            arrays = [
                pa.array([None if rec[c] is None else str(rec[c])], pa.string()) for c in COLUMNS
            ]
            yield row, pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(8)])

    first = records[0][0] if records else 1
    return SheetData(file, sheet, list(COLUMNS), first, batches())
