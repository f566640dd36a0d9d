"""Read Excel workbooks with python-calamine, after the safety checks of ``safety.py``.

The header row is found among the first rows (title lines above it are skipped; a line such as
``单位：万元`` there sets the money unit). Merged cells are filled from their top-left cell,
in the header and in the data (a district merged down over its rows). A two-row header (merged
cells in the header row) is joined as ``upper|lower``: ``零售额|本月``. Formula cells, cells
longer than 32,767 characters, zip bombs and corrupt archives are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import python_calamine

from consumption_monitor.ingest.headers import HeaderIndex, fold, unit_from_title
from consumption_monitor.ingest.problems import Problem, refuse
from consumption_monitor.ingest.readers import (
    BATCH_ROWS,
    HEADER_SEARCH_ROWS,
    Batches,
    Progress,
    SheetData,
    detect_header,
    no_data,
)
from consumption_monitor.ingest.safety import (
    MAX_CELL_CHARS,
    check_zip,
    find_formulas,
    find_huge_cells,
)

#: Sheets skipped when no sheet is chosen (instructions and the template's lists).
SKIPPED_SHEETS = frozenset({"说明", "填写说明", "instructions", "readme", "lists", "下拉列表"})


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based index.

    >>> column_letter(0), column_letter(27)
    ('A', 'AB')
    """
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_text(value: Any) -> str:
    """A calamine cell as text: whole floats without ``.0``, dates in ISO form."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def read_workbook(
    path: Path, index: HeaderIndex, *, sheet: str | None, progress: Progress | None, fmt: str
) -> Iterator[SheetData]:
    """Yield one :class:`SheetData` per chosen sheet (all visible data sheets by default)."""
    if fmt == "xlsx":
        problems = check_zip(path, path.name)
        if problems:
            raise refuse(problems[0])
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own untyped errors
        raise refuse(
            Problem(
                f"the workbook cannot be read (corrupt or truncated: {exc})",
                "工作簿无法读取（文件损坏或不完整）",
                file=path.name,
                hint_en="open it in Excel/WPS and save it again",
                hint_zh="请用 Excel/WPS 打开后重新保存",
            )
        ) from exc
    visible = [
        m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")
    ] or wb.sheet_names
    if sheet is not None:
        if sheet not in wb.sheet_names:
            raise refuse(
                Problem(
                    f"the workbook has no sheet {sheet!r}",
                    f"工作簿中没有名为“{sheet}”的工作表",
                    file=path.name,
                    sheet=sheet,
                    hint_en="sheets: " + ", ".join(wb.sheet_names),
                    hint_zh="现有工作表：" + "、".join(wb.sheet_names),
                )
            )
        chosen = [sheet]
    else:
        chosen = [s for s in visible if fold(s) not in SKIPPED_SHEETS]
    if fmt == "xlsx":
        unsafe = find_formulas(path, path.name, chosen) or find_huge_cells(path, path.name, chosen)
        if unsafe:
            raise refuse(unsafe[0])
    if progress:
        progress(path.stat().st_size)
    tables: list[SheetData] = []
    for name in chosen:
        data = _read_sheet(wb, name, path.name, index, skip_unknown=len(chosen) > 1)
        if data is not None:
            tables.append(data)
    if not tables:
        raise refuse(
            Problem(
                "no sheet has data with recognisable headers",
                "没有任何工作表含有可识别表头的数据",
                file=path.name,
                hint_en=f"use the headers: {index.expected()}",
                hint_zh=f"请使用以下表头：{index.expected()}",
            )
        )
    yield from tables


def _read_sheet(
    wb: python_calamine.CalamineWorkbook,
    name: str,
    file: str,
    index: HeaderIndex,
    *,
    skip_unknown: bool,
) -> SheetData | None:
    try:
        sh = wb.get_sheet_by_name(name)
        rows: list[list[Any]] = sh.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own untyped errors (XmlError, …)
        raise refuse(
            Problem(
                f"the sheet cannot be read (its XML is malformed or truncated: {exc})",
                "工作表无法读取（其内部 XML 格式错误或不完整）",
                file=file,
                sheet=name,
                hint_en="open it in Excel/WPS and save it again",
                hint_zh="请用 Excel/WPS 打开后重新保存",
            )
        ) from exc
    if not any(any(cell_text(c) for c in r) for r in rows):
        return None
    width = max(len(r) for r in rows)
    grid = [[cell_text(c) for c in r] + [""] * (width - len(r)) for r in rows]
    for r, line in enumerate(grid):
        for c, text in enumerate(line):
            if len(text) > MAX_CELL_CHARS:
                raise refuse(
                    Problem(
                        f"a cell holds {len(text)} characters (Excel's limit is {MAX_CELL_CHARS})",
                        f"单元格内容长达 {len(text)} 个字符，超过 Excel 上限 {MAX_CELL_CHARS}",
                        file=file,
                        sheet=name,
                        row=r + 1,
                        column=column_letter(c),
                        value=text[:40],
                        hint_en="shorten the cell or move long text to an attachment",
                        hint_zh="请缩短该单元格内容，长文本请作为附件提交",
                    )
                )
    merged = list(sh.merged_cell_ranges or [])
    for (r0, c0), (r1, c1) in merged:
        top = grid[r0][c0] if r0 < len(grid) and c0 < width else ""
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                grid[r][c] = top
    h = detect_header(grid, index)
    if skip_unknown and all(index.score(r) == 0 for r in grid[:HEADER_SEARCH_ROWS]):
        return None  # one of several sheets, with nothing we know: not a data sheet
    if h > 0 and _upper_header(grid, h, merged, index):
        h -= 1  # the detected row is the lower half of a two-row header
    headers = list(grid[h])
    header_rows = 1
    if h + 1 < len(grid) and _two_row_header(grid, h, merged, index):
        lower = grid[h + 1]
        headers = [
            top if not low or low == top else (low if not top else f"{top}|{low}")
            for top, low in zip(headers, lower, strict=True)
        ]
        header_rows = 2
    title_unit = next((u for r in grid[:h] for c in r if (u := unit_from_title(c))), None)
    data = grid[h + header_rows :]
    while data and not any(data[-1]):
        data.pop()
    first_row = h + header_rows + 1
    if not data:
        raise refuse(no_data(file, name, first_row - 1))

    def batches() -> Batches:
        for start in range(0, len(data), BATCH_ROWS):
            chunk = data[start : start + BATCH_ROWS]
            arrays = [
                pa.array([row[c] or None for row in chunk], pa.string()) for c in range(width)
            ]
            yield (
                first_row + start,
                pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(width)]),
            )

    return SheetData(file, name, headers, first_row, batches(), title_unit)


def _two_row_header(grid: list[list[str]], h: int, merged: list[Any], index: HeaderIndex) -> bool:
    """A header spans two rows when a merged range starts in the header row and spans rows or
    columns, or when the next row fills blanks of the header row and holds no numbers."""
    for (r0, c0), (r1, c1) in merged:
        if r0 == h and (r1 > r0 or c1 > c0):
            return True
    upper, lower = grid[h], grid[h + 1]
    fills_blank = any(not u and low for u, low in zip(upper, lower, strict=True))
    numeric = any(_looks_numeric(x) for x in lower)
    return fills_blank and not numeric and index.score(lower) <= index.score(upper)


def _upper_header(grid: list[list[str]], h: int, merged: list[Any], index: HeaderIndex) -> bool:
    """Row ``h - 1`` is the upper half of a header when a merged cell runs down from it into
    row ``h``, or when it names known columns and has merged cells spanning columns."""
    for (r0, c0), (r1, c1) in merged:
        if r0 == h - 1 and r1 >= h:
            return True
        if r0 == h - 1 and c1 > c0 and index.score(grid[h - 1]) > 0:
            return True
    return False


def _looks_numeric(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True
