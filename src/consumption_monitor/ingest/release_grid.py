"""The cells of a release table as text: xlsx/xls with merged ranges filled, CSV in any encoding.

Used by ``release.py``; the workbook goes through the same zip and formula checks as every other
spreadsheet input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from consumption_monitor.ingest.normalise import clean_text
from consumption_monitor.ingest.problems import refuse
from consumption_monitor.ingest.readers import detect_encoding


def xlsx_grids(path: Path, sheet: str | None) -> Iterator[tuple[str, list[list[str]]]]:
    """Cells of each chosen sheet as text, merged ranges filled from their top-left cell."""
    import python_calamine

    from consumption_monitor.ingest.safety import check_zip, find_formulas
    from consumption_monitor.ingest.spreadsheet import SKIPPED_SHEETS, cell_text

    if path.suffix.lower() != ".xls":
        problems = check_zip(path, path.name)
        if problems:
            raise refuse(problems[0])
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # unreadable: the ordinary reader reports it
        return
    names = [sheet] if sheet in wb.sheet_names else [
        s for s in wb.sheet_names if clean_text(s).lower() not in SKIPPED_SHEETS
    ]  # fmt: skip
    if path.suffix.lower() != ".xls":
        unsafe = find_formulas(path, path.name, names)
        if unsafe:
            raise refuse(unsafe[0])
    for name in names:
        sh = wb.get_sheet_by_name(name)
        rows: list[list[Any]] = sh.to_python(skip_empty_area=False)
        width = max((len(r) for r in rows), default=0)
        grid = [[cell_text(c) for c in r] + [""] * (width - len(r)) for r in rows]
        for (r0, c0), (r1, c1) in list(sh.merged_cell_ranges or []):
            top = grid[r0][c0] if r0 < len(grid) and c0 < width else ""
            for rr in range(r0, min(r1, len(grid) - 1) + 1):
                for cc in range(c0, min(c1, width - 1) + 1):
                    grid[rr][cc] = top
        yield name, grid


def csv_grid(path: Path) -> list[list[str]]:
    """The rows of a CSV (UTF-8, BOM or GBK), padded to one width; quoted line breaks kept."""
    raw = path.read_bytes()
    encoding = detect_encoding(raw, path.name)
    text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]
