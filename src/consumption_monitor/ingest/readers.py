"""Read input files into a uniform stream: headers plus Arrow record batches of cells.

Every reader yields :class:`SheetData`: the file and sheet, the raw header labels, the 1-based
row number of the first data row (header rows counted, as a person sees it in the sheet) and an
iterator of ``(first_row, RecordBatch)`` whose columns ``c0…cN`` follow the header order.
CSV cells stay text (so codes such as MCC ``0742`` keep their zeros); Parquet keeps its types.
Large CSV and Parquet files stream in blocks, so memory stays bounded.

Formats: CSV/TXT (UTF-8, UTF-8 with BOM, GBK/GB18030), XLSX/XLSM/XLS (``spreadsheet.py``),
Parquet, JSON (a list of objects or ``{"data": [...]}``) and JSON Lines.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest.headers import HeaderIndex, unit_from_title
from consumption_monitor.ingest.pipeline import prefetch
from consumption_monitor.ingest.problems import Problem, refuse

Progress = Callable[[int], None]
Batches = Iterator[tuple[int, pa.RecordBatch]]

#: Rows per batch for spreadsheets and JSON (Python objects: kept small); CSV blocks are sized
#: in bytes. CSV blocks and Parquet batches are larger: at 10 M card rows, 16 MB blocks (~160 k
#: rows) and 256 k-row batches cut the per-batch kernel calls of validation and took ~0.5 s off
#: the W3 load against 4 MB and 64 k, for ~100 MB more peak memory.
BATCH_ROWS = 65_536
PARQUET_BATCH_ROWS = 262_144
CSV_BLOCK_BYTES = 16 << 20
#: Rows searched for the header row (title lines above it are skipped).
HEADER_SEARCH_ROWS = 30
#: JSON (not JSON Lines) is parsed whole; larger files must be JSON Lines.
MAX_JSON_BYTES = 200 << 20
SUFFIXES = {
    ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls",
    ".parquet": "parquet", ".pq": "parquet", ".json": "json", ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}  # fmt: skip


@dataclass
class SheetData:
    """One table read from a file (a CSV, or one sheet of a workbook)."""

    file: str
    sheet: str | None
    headers: list[str]
    first_row: int
    batches: Batches
    title_unit: str | None = None
    problems: list[Problem] = field(default_factory=list)


def file_format(path: Path) -> str:
    """The reader for ``path`` by its suffix; a refusal for unknown suffixes."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise refuse(
            Problem(
                f"unsupported file type {path.suffix or '(none)'!r}",
                f"不支持的文件类型 {path.suffix or '（无扩展名）'}",
                file=path.name,
                hint_en="send .xlsx, .csv, .parquet, .json or .jsonl",
                hint_zh="请提交 .xlsx、.csv、.parquet、.json 或 .jsonl 文件",
            )
        )
    return fmt


def read_file(
    path: Path, index: HeaderIndex, *, sheet: str | None = None, progress: Progress | None = None
) -> Iterator[SheetData]:
    """Open ``path`` and yield its tables. Raises :class:`DataValidationError` when unreadable."""
    fmt = file_format(path)
    if path.stat().st_size == 0:
        raise refuse(_empty(path.name))
    if fmt in ("xlsx", "xls"):
        from consumption_monitor.ingest.spreadsheet import read_workbook

        yield from read_workbook(path, index, sheet=sheet, progress=progress, fmt=fmt)
    elif fmt == "csv":
        yield read_csv(path, index, progress=progress)
    elif fmt == "parquet":
        yield read_parquet(path, progress=progress)
    elif fmt == "json":
        yield read_json(path, progress=progress)
    else:
        yield read_jsonl(path, progress=progress)


def _empty(file: str) -> Problem:
    return Problem(
        "the file is empty",
        "文件为空",
        file=file,
        hint_en="check that the right file was exported",
        hint_zh="请确认导出的文件是否正确",
    )


def no_data(file: str, sheet: str | None, row: int | None = None) -> Problem:
    """Problem: a header but no data rows."""
    return Problem(
        "the table has a header but no data rows",
        "表格只有表头，没有数据行",
        file=file,
        sheet=sheet,
        row=row,
        hint_en="fill in at least one row below the header",
        hint_zh="请在表头下方填写数据",
    )


# -- CSV --------------------------------------------------------------------------------------


def detect_encoding(sample: bytes, file: str, *, complete: bool = True) -> str:
    """UTF-8 (with or without BOM) or GB18030 (a superset of GBK); refuse anything else.

    >>> detect_encoding("地区".encode("gbk"), "a.csv")
    'gb18030'
    >>> detect_encoding(b"\\xef\\xbb\\xbfa", "a.csv")
    'utf-8'
    """
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or sample[:200].count(b"\x00") > 0:
        kind = "UTF-16" if sample.startswith((b"\xff\xfe", b"\xfe\xff")) else "binary"
        if sample.startswith(b"PK\x03\x04"):
            kind = "a zip/xlsx archive"
        elif sample.startswith(b"PAR1"):
            kind = "a Parquet file"
        raise refuse(
            Problem(
                f"the file is not a UTF-8 or GBK text file (looks like {kind})",
                f"文件不是 UTF-8 或 GBK 编码的文本（看起来是 {kind}）",
                file=file,
                hint_en="save the table as CSV UTF-8 (or use the right file extension)",
                hint_zh="请另存为“CSV UTF-8（逗号分隔）”，或使用正确的文件扩展名",
            )
        )
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if not complete and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n")]  # never judge a character cut at the end
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample):
            try:
                sample.decode("gb18030")
            except UnicodeDecodeError:
                raise refuse(
                    Problem(
                        "the file's text encoding is not UTF-8 or GBK/GB18030",
                        "文件编码既不是 UTF-8 也不是 GBK/GB18030，无法读取",
                        file=file,
                        hint_en="save the table as CSV UTF-8",
                        hint_zh="请另存为“CSV UTF-8（逗号分隔）”",
                    )
                ) from exc
            return "gb18030"
    return "utf-8"


def detect_header(rows: list[list[str]], index: HeaderIndex) -> int:
    """0-based index of the header row: the first row with the most known headers.

    Rows above it are titles; with no known header at all, the first non-empty row.
    """
    scores = [index.score(r) for r in rows[:HEADER_SEARCH_ROWS]]
    best = max(scores, default=0)
    if best > 0:
        return scores.index(best)
    return next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), 0)


def read_csv(path: Path, index: HeaderIndex, *, progress: Progress | None = None) -> SheetData:
    """Stream a CSV file in blocks, every cell as text."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        sample = fh.read(256 << 10)
    if not sample.strip(b"\xef\xbb\xbf \r\n\t,"):
        raise refuse(_empty(path.name))
    encoding = detect_encoding(sample, path.name, complete=len(sample) < 256 << 10)
    text = sample.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="ignore")
    lines = text.splitlines()
    if len(sample) == 256 << 10 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a partial sample may be cut
    rows = list(csv.reader(lines[: HEADER_SEARCH_ROWS + 1]))
    h = detect_header(rows, index)
    headers = rows[h] if h < len(rows) else []
    title_unit = next((u for r in rows[:h] for c in r if (u := unit_from_title(c))), None)
    # A unit line may also sit in the header row's neighbours, e.g. "单位：亿元" as the last cell.
    names = [f"c{i}" for i in range(len(headers))]
    invalid: list[Problem] = []

    def on_invalid(row: Any) -> str:
        invalid.append(
            Problem(
                f"the row has {row.actual_columns} cells but the header has {row.expected_columns}",
                f"该行有 {row.actual_columns} 个单元格，与表头的 {row.expected_columns} 列不一致",
                file=path.name,
                row=row.number,
                value=row.text,
                hint_en="check for unquoted commas inside cells",
                hint_zh="请检查单元格内是否有未加引号的逗号",
            )
        )
        return "skip"

    def batches() -> Batches:
        # A native file (no Python in the read path); progress follows its read position.
        raw = pa.OSFile(str(path))
        done = 0
        try:
            reader = pacsv.open_csv(
                raw,
                read_options=pacsv.ReadOptions(
                    column_names=names,
                    skip_rows=h + 1,
                    encoding="utf8" if encoding == "utf-8" else encoding,
                    block_size=CSV_BLOCK_BYTES,
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
                ),
            )
            row = h + 2
            for batch in reader:
                if progress:
                    pos = min(raw.tell(), size)
                    progress(pos - done)
                    done = pos
                yield row, batch
                row += batch.num_rows
            if progress:
                progress(size - done)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise refuse(
                Problem(
                    f"the CSV file cannot be read: {exc}",
                    f"CSV 文件无法读取：{exc}",
                    file=path.name,
                    hint_en="check the encoding (UTF-8 or GBK) and that the file is complete",
                    hint_zh="请检查编码（UTF-8 或 GBK）以及文件是否完整",
                )
            ) from exc
        finally:
            raw.close()

    # The parser runs ahead in its own thread while the previous block is validated.
    return SheetData(
        path.name, None, headers, h + 2, prefetch(batches(), name="cmon-csv"), title_unit, invalid
    )


# -- Parquet ----------------------------------------------------------------------------------


def read_parquet(path: Path, *, progress: Progress | None = None) -> SheetData:
    """Stream a Parquet file by record batches; column names are its headers."""
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise refuse(
            Problem(
                f"the Parquet file is corrupt or truncated ({exc})",
                "Parquet 文件已损坏或不完整",
                file=path.name,
                hint_en="export the file again",
                hint_zh="请重新导出该文件",
            )
        ) from exc
    total_rows = max(pf.metadata.num_rows, 1)
    size = path.stat().st_size

    def batches() -> Batches:
        row = 2
        try:
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                yield row, batch.rename_columns([f"c{i}" for i in range(batch.num_columns)])
                row += batch.num_rows
                if progress:
                    progress(int(size * batch.num_rows / total_rows))
        except (pa.ArrowInvalid, OSError) as exc:
            raise refuse(
                Problem(
                    f"the Parquet file is corrupt ({exc})",
                    "Parquet 文件已损坏",
                    file=path.name,
                    row=row,
                    hint_en="export the file again",
                    hint_zh="请重新导出该文件",
                )
            ) from exc

    names = list(pf.schema_arrow.names)
    return SheetData(path.name, None, names, 2, prefetch(batches(), name="cmon-parquet"))


# -- JSON -------------------------------------------------------------------------------------


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return (
            repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
        )
    return json.dumps(value, ensure_ascii=False)


def records_to_sheet(
    records: list[dict[str, Any]], file: str, first_row: int
) -> tuple[list[str], Batches]:
    """Headers (keys in order of first appearance) and batches of text cells."""
    headers: list[str] = list(dict.fromkeys(k for r in records for k in r))

    def batches() -> Batches:
        for start in range(0, len(records), BATCH_ROWS):
            chunk = records[start : start + BATCH_ROWS]
            arrays = [pa.array([_cell(r.get(h)) for r in chunk], pa.string()) for h in headers]
            yield (
                first_row + start,
                pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(len(headers))]),
            )

    return headers, batches()


def _bad_json(file: str, exc: Exception, row: int | None = None) -> DataValidationError:
    return refuse(
        Problem(
            f"the JSON is malformed or truncated ({exc})",
            "JSON 格式错误或文件不完整",
            file=file,
            row=row,
            hint_en="send a list of objects, one object per row",
            hint_zh="请提交对象数组，每行数据一个对象",
        )
    )


def read_json(path: Path, *, progress: Progress | None = None) -> SheetData:
    """A JSON array of objects, or an object with a ``data`` array. Row = record number."""
    if path.stat().st_size > MAX_JSON_BYTES:
        raise refuse(
            Problem(
                "the JSON file is too large to parse whole",
                "JSON 文件过大，无法整体解析",
                file=path.name,
                hint_en="send large data as JSON Lines (.jsonl), CSV or Parquet",
                hint_zh="大文件请改用 JSON Lines（.jsonl）、CSV 或 Parquet",
            )
        )
    raw = path.read_bytes()
    if progress:
        progress(len(raw))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad_json(path.name, exc) from exc
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise _bad_json(path.name, TypeError("expected a list of objects"))
    if not data:
        raise refuse(no_data(path.name, None))
    headers, batches = records_to_sheet(data, path.name, 1)
    return SheetData(path.name, None, headers, 1, batches)


def read_jsonl(path: Path, *, progress: Progress | None = None) -> SheetData:
    """JSON Lines: one object per line, streamed. Row = line number."""
    # Headers come from the first lines; later keys not seen there are an unknown column.
    first: list[Any] = []
    with path.open("rb") as fh:
        for lineno, line in enumerate((fh.readline() for _ in range(1000)), start=1):
            if not line.strip():
                continue
            try:
                first.append(json.loads(line))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _bad_json(path.name, exc, lineno) from exc
    if not first:
        raise refuse(_empty(path.name))
    headers: list[str] = list(dict.fromkeys(k for r in first if isinstance(r, dict) for k in r))

    def batches() -> Batches:
        chunk: list[dict[str, Any]] = []
        start = 1
        with path.open("rb") as fh:
            for lineno, line in enumerate(fh, start=1):
                if progress:
                    progress(len(line))
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise _bad_json(path.name, exc, lineno) from exc
                if not isinstance(rec, dict) or set(rec) - set(headers):
                    raise _bad_json(
                        path.name, TypeError("not an object with the first lines' keys"), lineno
                    )
                if not chunk:
                    start = lineno
                chunk.append(rec)
                if len(chunk) >= BATCH_ROWS:
                    yield from _records(chunk, headers, start)
                    chunk = []
        if chunk:
            yield from _records(chunk, headers, start)

    return SheetData(path.name, None, headers, 1, batches())


def _records(chunk: list[dict[str, Any]], headers: list[str], start: int) -> Batches:
    arrays = [pa.array([_cell(r.get(h)) for r in chunk], pa.string()) for h in headers]
    yield start, pa.RecordBatch.from_arrays(arrays, names=[f"c{i}" for i in range(len(headers))])
