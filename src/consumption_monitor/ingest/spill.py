"""The spill of a load: validated rows (or their keys) on disk, duplicate keys, quarantine.

Good rows (or, when streaming, only their key columns) go to a temporary Arrow IPC file with
``_row``/``_src`` columns naming their sheet row and source. DuckDB groups the memory-mapped file
to find keys that repeat an earlier row, across all files of the load.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from consumption_monitor.catalog import Dataset
from consumption_monitor.ingest.problems import Problem, ProblemLog
from consumption_monitor.ingest.validate import ROW_COLUMN, SOURCE_COLUMN

#: Memory for the hash pass of the duplicate search. DuckDB spills the distinct-hash table to
#: the load's temporary folder beyond it; measured on 10 M keys, 256 MB was no slower than 4 GB
#: (1.0 s against 2.0 s wall, peak RSS 423 MB against 680 MB), so a large load does not hold
#: its keys in memory.
DUPLICATE_SEARCH_MEMORY = "256MB"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)I?B?\s*$", re.IGNORECASE)


def _smaller(limit: str, cap: str) -> str:
    """The smaller of two DuckDB memory sizes (``"4GB"``, ``"512MB"``); ``limit`` if unreadable.

    >>> _smaller("4GB", "256MB"), _smaller("100MB", "256MB"), _smaller("80%", "256MB")
    ('256MB', '100MB', '80%')
    """

    def size(text: str) -> float | None:
        m = _SIZE.match(text)
        if m is None:
            return None
        power = " KMGT".index(m.group(2).upper() or " ")
        return float(m.group(1)) * float(1 << (10 * power))

    a, b = size(limit), size(cap)
    return cap if a is not None and b is not None and b < a else limit


@dataclass
class Validated:
    """The outcome of validation: spilled good rows, rejected rows, problems, duplicates."""

    spill: Path
    schema: pa.Schema
    rows_valid: int
    rows_rejected: int
    log: ProblemLog
    file_problems: list[Problem]
    rejected: list[pa.Table] = field(default_factory=list)
    sources: list[tuple[str, str | None]] = field(default_factory=list)
    duplicate_ids: pa.Array | None = None


def spill_schema(schema: pa.Schema, columns: Sequence[str] | None = None) -> pa.Schema:
    fields = [f for f in schema if columns is None or f.name in columns]
    return pa.schema(
        [*fields, pa.field(ROW_COLUMN, pa.int64()), pa.field(SOURCE_COLUMN, pa.int32())]
    )


def find_duplicates(validated: Validated, ds: Dataset, *, memory_limit: str = "4GB") -> None:
    """Rows repeating an earlier row's key (across all files) become problems.

    DuckDB groups the keys of the memory-mapped spill; beyond ``memory_limit`` it spills to
    the load's temporary folder, so memory stays bounded for any number of rows.
    """
    import duckdb

    key = [k for k in ds.key if k in validated.schema.names]
    if not key or validated.rows_valid == 0:
        return
    con = duckdb.connect(
        config={
            "memory_limit": _smaller(memory_limit, DUPLICATE_SEARCH_MEMORY),
            "temp_directory": str(validated.spill.parent),
        }
    )
    try:
        cols = ", ".join(f'"{k}"' for k in key)
        if _all_hashes_distinct(con, validated.spill, cols):
            return
        # Some hashes repeat: real duplicates, or (rarely) a hash collision. Compare keys.
        con.execute(f"SET memory_limit = '{memory_limit}'")
        table = pa.ipc.open_file(pa.memory_map(str(validated.spill))).read_all()
        con.register("spill", table)
        dups: pa.Table = con.sql(
            f"""SELECT {cols}, {SOURCE_COLUMN}, {ROW_COLUMN}, f_src, f_row FROM (
                  SELECT *, row_number() OVER w AS rn,
                         first_value({SOURCE_COLUMN}) OVER w AS f_src,
                         first_value({ROW_COLUMN}) OVER w AS f_row
                  FROM spill
                  WINDOW w AS (PARTITION BY {cols} ORDER BY {SOURCE_COLUMN}, {ROW_COLUMN})
                ) WHERE rn > 1 ORDER BY {SOURCE_COLUMN}, {ROW_COLUMN}"""
        ).to_arrow_table()
    finally:
        con.close()
    log = validated.log
    n = dups.num_rows
    shown = min(log.room, n)
    for rec in dups.slice(0, shown).to_pylist():
        file, sheet = validated.sources[rec[SOURCE_COLUMN]]
        first_file, _ = validated.sources[rec["f_src"]]
        where = f"{first_file} row {rec['f_row']}" if first_file != file else f"row {rec['f_row']}"
        where_zh = (
            f"{first_file} 第 {rec['f_row']} 行" if first_file != file else f"第 {rec['f_row']} 行"
        )
        log.add(Problem(
            f"duplicate key ({', '.join(key)}): same as {where}",
            f"主键重复（{'、'.join(key)}）：与{where_zh}相同",
            file=file, sheet=sheet, row=rec[ROW_COLUMN], column=", ".join(key),
            value=" | ".join(str(rec[k]) for k in key),
            hint_en="remove the repeated row, or correct its key",
            hint_zh="请删除重复行或更正其主键",
        ))  # fmt: skip
    log.count("duplicate key", n - shown)
    ids = pc.add(pc.multiply(pc.cast(dups[SOURCE_COLUMN], pa.int64()), 1 << 32), dups[ROW_COLUMN])
    validated.duplicate_ids = ids.combine_chunks()
    validated.rows_valid -= n
    validated.rows_rejected += n
    reject = dups.select([*key, SOURCE_COLUMN, ROW_COLUMN])
    files = pa.array([validated.sources[i][0] for i in dups[SOURCE_COLUMN].to_pylist()])
    sheets = pa.array(
        [validated.sources[i][1] for i in dups[SOURCE_COLUMN].to_pylist()], pa.string()
    )
    out: dict[str, Any] = {k: pc.cast(reject[k], pa.string()) for k in key}
    out.update(_file=files, _sheet=sheets, _row=reject[ROW_COLUMN])
    out["_reason"] = pa.array(["duplicate key / 主键重复"] * n, pa.string())
    validated.rejected.append(pa.table(out))


def _all_hashes_distinct(con: Any, spill: Path, cols: str) -> bool:
    """Whether every row's key has its own 64-bit hash (then no key repeats; exact).

    Counting distinct hashes (fixed-width integers) is about half the work and memory of
    grouping the key texts; the spill is streamed once, never loaded whole.
    """
    # Read (not memory-mapped): each batch is freed once DuckDB has hashed it.
    with pa.OSFile(str(spill)) as source:
        reader = pa.ipc.open_file(source)
        stream = pa.RecordBatchReader.from_batches(
            reader.schema, (reader.get_batch(i) for i in range(reader.num_record_batches))
        )
        con.register("spill_stream", stream)
        ((rows, distinct),) = con.sql(
            f"SELECT count(*), count(DISTINCT hash({cols})) FROM spill_stream"
        ).fetchall()
        con.unregister("spill_stream")
    return bool(rows == distinct)


def good_batches(validated: Validated) -> Iterator[pa.RecordBatch]:
    reader = pa.ipc.open_file(pa.memory_map(str(validated.spill)))
    names = validated.schema.names
    for i in range(reader.num_record_batches):
        batch = reader.get_batch(i)
        if validated.duplicate_ids is not None:
            ids = pc.add(
                pc.multiply(pc.cast(batch.column(SOURCE_COLUMN), pa.int64()), 1 << 32),
                batch.column(ROW_COLUMN),
            )
            batch = batch.filter(pc.invert(pc.is_in(ids, validated.duplicate_ids)))
        yield batch.select(names)


def quarantine_table(validated: Validated, schema: pa.Schema) -> pa.Table | None:
    if not validated.rejected:
        return None
    names = [*schema.names, "_file", "_sheet", ROW_COLUMN, "_reason"]
    tables = []
    for t in validated.rejected:
        cols = [t[n] if n in t.column_names else pa.nulls(t.num_rows, pa.string()) for n in names]
        typed = [
            pc.cast(c, pa.int64() if n == ROW_COLUMN else pa.string())
            for n, c in zip(names, cols, strict=True)
        ]
        tables.append(pa.table(typed, names=names))
    return pa.concat_tables(tables)
