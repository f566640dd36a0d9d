"""Turn a table of raw cells into canonical, typed Arrow columns and located problems.

Each batch is checked column by column with ``pyarrow.compute``: types (numbers, dates, date-
times, periods), ranges (``min``/``max`` of the schema, so money is never negative), catalog
codes (district, 商圈, MCC, industry, category, indicator, region, enum labels), the USCC
checksum, required values and periods or dates in the future. A row with any problem is
rejected; rows whose every cell is empty are skipped silently. Only the first
``settings.max_errors`` problems are described cell by cell (a Python loop over at most that
many rows); the rest are counted. Duplicate keys are found across the whole load in ``api.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from consumption_monitor.catalog import Catalog, Column, Dataset
from consumption_monitor.catalog.models import ARROW_TYPES
from consumption_monitor.ingest.checks import canonical_codes, check_for
from consumption_monitor.ingest.headers import MONEY, MappedColumn
from consumption_monitor.ingest.normalise import (
    NormaliseError,
    as_text,
    map_distinct,
    missing_mask,
    parse_date,
    parse_number,
    parse_period,
    to_float,
)
from consumption_monitor.ingest.problems import Problem, ProblemLog
from consumption_monitor.ingest.safety import MAX_CELL_CHARS

ROW_COLUMN = "_row"
SOURCE_COLUMN = "_src"
#: Date columns that may lie in the future (registries of planned events and milestones).
FUTURE_ALLOWED = frozenset({"events.start_date", "events.end_date"})
_TS_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
               "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S")  # fmt: skip

Describe = Callable[[str], tuple[str, str]]


def canonical_schema(ds: Dataset) -> pa.Schema:
    """The Arrow schema of rows under validation: :meth:`Dataset.arrow_schema`, every field
    nullable (a missing required cell is a located problem, reported before storage)."""
    return ds.arrow_schema(relaxed=True)


@dataclass
class Finding:
    """Cells of one column that failed one check: a mask, a generic reason, a precise one."""

    column: str
    bad: pa.Array
    en: str
    zh: str
    describe: Describe | None = None


@dataclass
class Context:
    """What checks need besides the cells: the dataset, catalog, today, units from headers."""

    dataset: Dataset
    catalog: Catalog
    today: date
    now: datetime
    units: dict[str, str | None] = field(default_factory=dict)
    title_unit: str | None = None
    #: Canonical codes per column (see :func:`canonical_codes`), filled on first use.
    canonical: dict[str, pa.Array | None] = field(default_factory=dict)


RowRule = Callable[[Context, dict[str, pa.Array], dict[str, pa.Array]], list[Finding]]


def _reason_of(exc_map: dict[str, NormaliseError]) -> Describe:
    def describe(raw: str) -> tuple[str, str]:
        exc = exc_map.get(raw)
        return (exc.en, exc.zh) if exc else ("invalid value", "取值无效")

    return describe


def _number_reason(percent: bool) -> Describe:
    def describe(raw: str) -> tuple[str, str]:
        try:
            parse_number(raw, percent=percent)
        except NormaliseError as exc:
            return exc.en, exc.zh
        return "not a finite number", "不是有效数字"

    return describe


def coerce(
    col: Column, arr: pa.Array, ctx: Context, factor: float = 1.0
) -> tuple[pa.Array, list[Finding], pa.Array]:
    """One column to its canonical type: (values, findings for unreadable cells, missing mask).

    Missing cells (null or a missing marker) are null values and not findings; each branch
    finds them as a by-product of its own parse, so no column is scanned twice for them.
    """
    name = col.name
    if not _is_text(arr) and col.type not in ("int", "float", "date", "timestamp"):
        arr = as_text(arr)
    if col.type in ("int", "float"):
        values, bad = to_float(arr, percent=col.unit == "percent")
        missing = pc.and_(pc.is_null(values), pc.invert(bad))
        found = [
            Finding(
                name, bad, "not a number", "不是有效数字", _number_reason(col.unit == "percent")
            )
        ]
        if factor != 1.0:
            values = pc.multiply(values, factor)
        if col.type == "int":
            frac = pc.fill_null(pc.not_equal(pc.floor(values), values), False)
            found.append(Finding(name, frac, "not a whole number", "应为整数"))
            values = pc.cast(pc.if_else(frac, None, values), pa.int64())
        return values, found, missing
    if col.type == "date":
        return _coerce_date(col, arr)
    if col.type == "timestamp":
        return _coerce_timestamp(col, arr)
    if col.type == "period":
        return _coerce_period(col, arr, ctx)
    check = check_for(col, ctx.catalog)
    if check is not None:
        if name not in ctx.canonical:
            codes = canonical_codes(col, ctx.catalog)
            ctx.canonical[name] = None if codes is None else pa.array(codes, pa.string())
        canon = ctx.canonical[name]
        if canon is not None and _is_text(arr) and arr.null_count == 0:
            # Machine exports usually hold the codes exactly (empty cells as ""): one hash probe
            # per cell instead of a look-up per distinct value and a gather.
            text = arr.cast(pa.string())
            empty = pc.equal(text, "")
            if pc.is_in(text, value_set=canon).true_count + empty.true_count == len(text):
                values = pc.if_else(empty, None, text) if empty.true_count else text
                return values, [], empty
        values, bad, errors = map_distinct(arr, check, pa.string())
        finding = Finding(name, bad, "invalid code", "代码无效", _reason_of(errors))
        return values, [finding], pc.and_(pc.is_null(values), pc.invert(bad))
    text = as_text(arr)
    trimmed = pc.utf8_trim_whitespace(text)
    missing = missing_mask(text, trimmed=trimmed)
    long = pc.fill_null(pc.greater(pc.binary_length(text), MAX_CELL_CHARS), False)
    if long.true_count:  # bytes over the limit: count characters to be exact
        long = pc.fill_null(pc.greater(pc.utf8_length(text), MAX_CELL_CHARS), False)
    dropped = pc.or_(missing, long)
    # The usual column has no missing or over-long cell: keep the trimmed text as it is.
    values = pc.if_else(dropped, None, trimmed) if dropped.true_count else trimmed
    finding = Finding(
        name,
        long,
        f"the cell is longer than {MAX_CELL_CHARS} characters",
        f"单元格超过 {MAX_CELL_CHARS} 个字符",
    )
    return values, [finding], missing


def _coerce_date(col: Column, arr: pa.Array) -> tuple[pa.Array, list[Finding], pa.Array]:
    if pa.types.is_temporal(arr.type):
        values = pc.cast(arr, pa.date32())
        return values, [], pc.is_null(values)
    text = as_text(arr)
    try:
        values = pc.cast(text, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values, bad, errors = map_distinct(text, parse_date, pa.date32())
        finding = Finding(col.name, bad, "not a date", "不是有效日期", _reason_of(errors))
        return values, [finding], pc.and_(pc.is_null(values), pc.invert(bad))
    return values, [], pc.is_null(values)


def _coerce_timestamp(col: Column, arr: pa.Array) -> tuple[pa.Array, list[Finding], pa.Array]:
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is not None:
            arr = pc.local_timestamp(pc.cast(arr, pa.timestamp(arr.type.unit, "Asia/Shanghai")))
        values = pc.cast(arr, pa.timestamp("us"))
        return values, [], pc.is_null(values)
    if pa.types.is_date(arr.type):
        values = pc.cast(pc.cast(arr, pa.date32()), pa.timestamp("us"))
        return values, [], pc.is_null(values)
    text = as_text(arr)
    try:
        values = pc.cast(text, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        return values, [], pc.is_null(values)
    missing = missing_mask(text)
    text = pc.if_else(missing, None, pc.utf8_trim_whitespace(text))
    values = pa.nulls(len(text), pa.timestamp("us"))
    for fmt in _TS_FORMATS:
        parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
        values = pc.coalesce(values, parsed)
    bad = pc.and_(pc.invert(missing), pc.is_null(values))
    finding = Finding(
        col.name,
        bad,
        "not a date-time (expected YYYY-MM-DD HH:MM:SS)",
        "不是有效的日期时间（应为 年-月-日 时:分:秒）",
    )
    return values, [finding], missing


def _coerce_period(
    col: Column, arr: pa.Array, ctx: Context
) -> tuple[pa.Array, list[Finding], pa.Array]:
    jan_feb = ctx.dataset.jan_feb_combined

    def check(raw: str) -> str:
        period = parse_period(raw)
        if jan_feb and period.kind == "month" and period.code.endswith("-01"):
            raise NormaliseError(
                "January is reported together with February: use the Jan–Feb period (1-2月)",
                "1 月与 2 月合并统计，请填写“1-2月”",
            )
        if period.start > ctx.today:
            raise NormaliseError(
                f"the period {period.code} is in the future", f"时期 {period.code} 尚未到来"
            )
        return period.code

    values, bad, errors = map_distinct(arr, check, pa.string())
    finding = Finding(col.name, bad, "invalid period", "时期无效", _reason_of(errors))
    return values, [finding], pc.and_(pc.is_null(values), pc.invert(bad))


def range_findings(col: Column, values: pa.Array) -> list[Finding]:
    """Findings for values below ``min`` / above ``max`` of the schema (money ≥ 0)."""
    out: list[Finding] = []
    if col.min is not None:
        low = pc.fill_null(pc.less(values, col.min), False)
        what = "negative" if col.min == 0 else f"below the minimum {col.min:g}"
        what_zh = "不能为负数" if col.min == 0 else f"低于下限 {col.min:g}"
        out.append(Finding(col.name, low, f"the value is {what}", f"数值{what_zh}"))
    if col.max is not None:
        high = pc.fill_null(pc.greater(values, col.max), False)
        out.append(
            Finding(col.name, high, f"the value is above the maximum {col.max:g}",
                    f"数值超过上限 {col.max:g}")
        )  # fmt: skip
    return out


def future_findings(ctx: Context, col: Column, values: pa.Array) -> list[Finding]:
    """Dates/date-times after today (Asia/Shanghai) are refused, except planned-event dates."""
    if f"{ctx.dataset.name}.{col.name}" in FUTURE_ALLOWED:
        return []
    if col.type == "date" and col.name == ctx.dataset.period_column:
        bad = pc.fill_null(pc.greater(values, pa.scalar(ctx.today, pa.date32())), False)
    elif col.type == "timestamp":
        bad = pc.fill_null(pc.greater(values, pa.scalar(ctx.now, pa.timestamp("us"))), False)
    else:
        return []
    return [Finding(col.name, bad, "the date is in the future", "日期晚于今天")]


def required_finding(col: Column, values: pa.Array, bad_so_far: pa.Array) -> Finding:
    """Required cells that are empty (and not already bad for another reason)."""
    empty = pc.and_(pc.is_null(values), pc.invert(bad_so_far))
    return Finding(col.name, empty, "a required value is missing", "必填项为空")


@dataclass
class BatchResult:
    """Canonical good rows (with ``_row``/``_src``), and the raw cells of rejected rows."""

    good: pa.RecordBatch
    rejected: pa.Table | None
    n_rejected: int


class SheetValidator:
    """Validates the batches of one table (a CSV or one sheet) against a dataset schema."""

    def __init__(
        self,
        ctx: Context,
        mapped: list[MappedColumn],
        log: ProblemLog,
        *,
        file: str,
        sheet: str | None,
        source_id: int,
        keep_rejected: bool,
        factors: dict[str, float],
        rules: list[RowRule],
    ) -> None:
        self.ctx = ctx
        self.log = log
        self.file = file
        self.sheet = sheet
        self.source_id = source_id
        self.keep_rejected = keep_rejected
        self.factors = factors
        self.rules = rules
        self.sources = {m.column.name: m for m in mapped if m.column is not None}
        self.schema = canonical_schema(ctx.dataset)

    def run(self, first_row: int, batch: pa.RecordBatch) -> BatchResult:
        """Check one batch; problems go to the log, good rows to the result."""
        n = batch.num_rows
        values: dict[str, pa.Array] = {}
        raws: dict[str, pa.Array] = {}
        findings: list[Finding] = []
        empty = pa.repeat(bool(self.sources), n)
        for col in self.ctx.dataset.columns:
            m = self.sources.get(col.name)
            if m is None:
                values[col.name] = pa.nulls(n, ARROW_TYPES[col.type])
                continue
            raw = batch.column(m.index)
            raws[col.name] = raw
            vals, found, missing = coerce(col, raw, self.ctx, self.factors.get(col.name, 1.0))
            empty = pc.and_(empty, pc.fill_null(missing, True))
            values[col.name] = vals
            findings.extend(found)
            if col.type in ("int", "float"):
                findings.extend(range_findings(col, vals))
            findings.extend(future_findings(self.ctx, col, vals))
        if self.rules:
            texts = {name: as_text(raw) for name, raw in raws.items()}
            for rule in self.rules:
                findings.extend(rule(self.ctx, values, texts))
        for col in self.ctx.dataset.columns:
            if col.required and col.name in self.sources:
                col_bad = _any([f.bad for f in findings if f.column == col.name], n)
                findings.append(required_finding(col, values[col.name], col_bad))
        keep = pc.invert(empty)
        bad = pc.and_(_any([f.bad for f in findings], n), keep)
        n_bad = pc.sum(bad).as_py() or 0
        if n_bad:
            self._describe(findings, keep, first_row, raws)
        good_mask = pc.and_(keep, pc.invert(bad))
        rows = pa.arange(first_row, first_row + n).cast(pa.int64())
        arrays = [pc.cast(values[f.name], f.type) for f in self.schema]
        arrays += [rows, pa.repeat(pa.scalar(self.source_id, pa.int32()), n)]
        names = [*self.schema.names, ROW_COLUMN, SOURCE_COLUMN]
        full = pa.RecordBatch.from_arrays(arrays, names=names)
        # Filtering copies every column; a batch without bad or empty rows is kept as it is.
        good = full if n_bad == 0 and keep.false_count == 0 else full.filter(good_mask)
        rejected = None
        if n_bad and self.keep_rejected:
            rejected = self._rejected(findings, bad, rows, raws)
        return BatchResult(good, rejected, n_bad)

    def _describe(
        self, findings: list[Finding], keep: pa.Array, first_row: int, raws: dict[str, pa.Array]
    ) -> None:
        for f in findings:
            mask = pc.and_(f.bad, keep)
            count = pc.sum(mask).as_py() or 0
            if not count:
                continue
            room = min(self.log.room, count)
            idx = pc.indices_nonzero(mask).slice(0, room).to_pylist() if room else []
            header = self.sources[f.column].raw if f.column in self.sources else f.column
            cells = raws.get(f.column)
            for i in idx:
                raw = _cell_str(cells[i].as_py()) if cells is not None else None
                en, zh = f.describe(raw) if (f.describe and raw is not None) else (f.en, f.zh)
                self.log.add(
                    Problem(en, zh, file=self.file, sheet=self.sheet, row=first_row + i,
                            column=header, value=raw)
                )  # fmt: skip
            self.log.count(f.en, count - room)

    def _rejected(
        self, findings: list[Finding], bad: pa.Array, rows: pa.Array, raws: dict[str, pa.Array]
    ) -> pa.Table:
        reason = pa.nulls(len(bad), pa.string())
        for f in findings:
            label = pa.scalar(f"{f.column}: {f.zh} / {f.en}", pa.string())
            reason = pc.if_else(pc.and_(f.bad, pc.is_null(reason)), label, reason)
        n = pc.sum(bad).as_py() or 0
        cols = {
            name: as_text(raws[name].filter(bad)) if name in raws else pa.nulls(n, pa.string())
            for name in self.schema.names
        }
        cols["_file"] = pa.repeat(pa.scalar(self.file, pa.string()), n)
        cols["_sheet"] = pa.repeat(pa.scalar(self.sheet, pa.string()), n)
        cols[ROW_COLUMN] = rows.filter(bad)
        cols["_reason"] = reason.filter(bad)
        return pa.table(cols)


def _is_text(arr: pa.Array) -> bool:
    return bool(pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))


def _cell_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


def _any(masks: list[pa.Array], n: int) -> pa.Array:
    out: pa.Array | None = None
    for mask in masks:
        if mask.null_count == 0 and mask.true_count == 0:
            continue  # the common case: a check that found nothing costs nothing more
        filled = pc.fill_null(mask, False)
        out = filled if out is None else pc.or_(out, filled)
    return out if out is not None else pa.repeat(False, n)


def money_factor(col: Column, header_unit: str | None) -> float:
    """Multiplier from a header's money unit to the column's canonical unit (1.0 if same/none)."""
    if header_unit is None or col.unit is None or header_unit == col.unit:
        return 1.0
    return MONEY[header_unit] / MONEY[col.unit]
