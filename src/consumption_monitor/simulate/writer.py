"""File writers (CSV, XLSX, Parquet) that give byte-identical output for the same input, and the
manifest of written files (``files.json``: dataset → files with vintage, format and rows).

Reproducibility: CSV is plain text with ``\\n`` line ends; XLSX fixes the workbook's created
time (XlsxWriter stamps zip members with a constant date, so only ``created`` varies);
Parquet is written by pyarrow without pandas metadata, with fixed row-group sizes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import xlsxwriter

from consumption_monitor import clock
from consumption_monitor.catalog import load_catalog

#: Fixed document timestamp of every generated workbook.
FIXED_CREATED = dt.datetime(2025, 1, 1, 0, 0, 0)


def headers(dataset: str, *, chinese: bool) -> list[str]:
    """The header row of a dataset's file: Chinese (``zh``) or canonical names, schema order."""
    ds = load_catalog().dataset(dataset)
    return [c.zh if chinese else c.name for c in ds.columns]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = repr(round(float(value), 6))
        return text[:-2] if text.endswith(".0") else text
    text = str(value)
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], *, encoding: str = "utf-8"
) -> int:
    """Write rows as CSV (``utf-8-sig`` or ``gbk`` for spreadsheet-era exports). Returns rows.

    ``None`` becomes an empty cell; floats print without a trailing ``.0``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(_cell(v) for v in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return len(rows)


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    sheet: str = "Sheet1",
    title_row: str | None = None,
) -> int:
    """One-sheet workbook the way a department fills it in; an optional title row above the header.

    Dates are written as ``YYYY-MM-DD`` text (what most 填报 templates hold); ``None`` is blank.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": FIXED_CREATED, "author": "cmon simulate"})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    r0 = 0
    if title_row:
        ws.write(0, 0, title_row, bold)
        r0 = 1
    ws.write_row(r0, 0, list(header), bold)
    for i, row in enumerate(rows, start=r0 + 1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_string(i, j, value.isoformat())
            elif isinstance(value, int | float):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, str(value))
    wb.close()
    return len(rows)


def write_parquet(path: Path, table: pa.Table, *, row_group_size: int = 1_000_000) -> int:
    """Write an Arrow table to Parquet (zstd, no pandas metadata). Returns rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table.replace_schema_metadata(None), path, compression="zstd", row_group_size=row_group_size
    )
    return int(table.num_rows)


def write_arrow_csv(path: Path, table: pa.Table) -> int:
    """Write an Arrow table as UTF-8 CSV with canonical headers (machine feeds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    opts = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    pacsv.write_csv(table, path, write_options=opts)
    return int(table.num_rows)


@dataclass
class FileEntry:
    """One written file as listed in ``files.json``."""

    path: str
    dataset: str
    vintage: str | None
    format: str
    encoding: str | None
    rows: int


@dataclass
class Manifest:
    """Everything written by a run, relative to its output folder."""

    root: Path
    entries: list[FileEntry] = field(default_factory=list)

    def add(
        self,
        path: Path,
        dataset: str,
        rows: int,
        *,
        vintage: dt.date | None = None,
        encoding: str | None = None,
    ) -> None:
        """Record ``path`` (absolute or relative to root) as a file of ``dataset``.

        A vintage is never after today (the platform's clock): a simulated release that would
        come out later is dated today, as ingest refuses future vintages."""
        if vintage is not None:
            vintage = min(vintage, clock.today())
        rel = path.relative_to(self.root) if path.is_absolute() else path
        fmt = path.suffix.lstrip(".")
        self.entries.append(
            FileEntry(
                rel.as_posix(),
                dataset,
                vintage.isoformat() if vintage else None,
                fmt,
                encoding,
                rows,
            )
        )

    def files(self) -> dict[str, list[Path]]:
        """dataset → absolute paths, in write order."""
        out: dict[str, list[Path]] = {}
        for e in self.entries:
            out.setdefault(e.dataset, []).append(self.root / e.path)
        return out

    def to_json(self, extra: dict[str, Any]) -> str:
        """The ``files.json`` text: ``{"datasets": {name: [entry…]}, …extra}``."""
        datasets: dict[str, list[dict[str, Any]]] = {}
        for e in self.entries:
            datasets.setdefault(e.dataset, []).append(
                {
                    "path": e.path,
                    "vintage": e.vintage,
                    "format": e.format,
                    "encoding": e.encoding,
                    "rows": e.rows,
                }
            )
        return json.dumps({**extra, "datasets": datasets}, ensure_ascii=False, indent=2) + "\n"
