"""Load files into the lake: read, normalise, validate, then write one all-or-nothing batch.

``ingest(paths, dataset)`` is the whole pipeline. By default a load with any problem is refused
and nothing is written (:class:`~consumption_monitor.errors.DataValidationError`, CLI exit 3).
With ``quarantine=True`` the valid rows load and the rejected rows are written beside the lake
(recorded in the batch manifest). File-level problems (unreadable or unsafe file, unknown or
missing columns, header only) refuse the load in both modes. The content hash is the SHA-256
over the dataset name and the SHA-256 of every input file (sorted, so order does not matter);
loading the same content again is a no-op that names the batch it was loaded as.

By default validated rows stream straight into the store's staged write while their key
columns go to a temporary Arrow IPC file; after the last row DuckDB searches that file for
duplicate keys, and any problem raises inside the store's write, which discards what it staged.
With quarantine, rows are first spilled whole (duplicates must be removed before writing) and
written in a second pass. Either way memory stays bounded for large files.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, Field

from consumption_monitor import clock
from consumption_monitor.catalog import Catalog, Dataset, load_catalog
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import ConfigError, NotFoundError
from consumption_monitor.ingest.headers import (
    MONEY,
    HeaderIndex,
    map_headers,
    missing_required,
)
from consumption_monitor.ingest.official import official_rules
from consumption_monitor.ingest.pipeline import prefetch
from consumption_monitor.ingest.problems import Problem, ProblemLog, refuse
from consumption_monitor.ingest.readers import Progress, SheetData, no_data, read_file
from consumption_monitor.ingest.release import read_release
from consumption_monitor.ingest.spill import (
    Validated,
    find_duplicates,
    good_batches,
    quarantine_table,
    spill_schema,
)
from consumption_monitor.ingest.validate import (
    ROW_COLUMN,
    SOURCE_COLUMN,
    Context,
    RowRule,
    SheetValidator,
    canonical_schema,
    money_factor,
)
from consumption_monitor.ingest.vintages import check_not_future, shadow_check

#: Required columns that may be derived instead of given (basis from the period label).
INFERABLE = {"official_stats": frozenset({"basis"})}


class IngestResult(BaseModel):
    """What a load did. ``duplicate`` means the same content was already loaded (no-op)."""

    dataset: str
    batch_id: int
    duplicate: bool = False
    rows_loaded: int = 0
    rows_rejected: int = 0
    content_hash: str
    vintage: date
    files: list[str]
    quarantine_file: str | None = None
    problems: list[dict[str, Any]] = Field(default_factory=list)
    problems_total: int = 0
    message_zh: str
    message_en: str


class ValidationReport(BaseModel):
    """A dry run: what a load would accept and reject, without writing anything."""

    dataset: str
    rows_valid: int
    rows_rejected: int
    problems: list[dict[str, Any]]
    problems_total: int
    content_hash: str


def content_hash(
    paths: Sequence[Path], dataset: str, sheet: str | None = None, region: str | None = None
) -> str:
    """SHA-256 over the dataset name, the chosen sheet, ``--region`` (when given: the same
    release table loaded for another region is another load) and each file's SHA-256."""
    digests = []
    for path in paths:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        digests.append(h.hexdigest())
    top = hashlib.sha256(f"cmon-ingest-v1\n{dataset}\n{sheet or ''}\n".encode())
    if region is not None:
        top.update(f"region={region}\n".encode())
    for d in sorted(digests):
        top.update(d.encode() + b"\n")
    return top.hexdigest()


def _resolve(paths: Sequence[str | Path] | str | Path) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if not p.is_file():
            raise NotFoundError(
                f"input file {p} does not exist", f"输入文件 {p} 不存在",
                hint_en="check the path", hint_zh="请检查文件路径",
            )  # fmt: skip
        out.append(p)
    if not out:
        raise ConfigError("no input files given", "未指定输入文件")
    return out


def _unit_problems(
    ds: Dataset, sheet: SheetData, mapped: list[Any]
) -> tuple[dict[str, float], dict[str, str | None], list[Problem]]:
    """Money factors per column, header units, and problems of units in headers."""
    factors: dict[str, float] = {}
    units: dict[str, str | None] = {}
    problems: list[Problem] = []
    for m in mapped:
        col = m.column
        if col is None:
            continue
        unit = m.unit
        units[col.name] = unit
        where = {"file": sheet.file, "sheet": sheet.sheet, "column": m.raw}
        if col.unit in MONEY and sheet.title_unit in MONEY and unit and unit != sheet.title_unit:
            problems.append(Problem(
                "mixed units: the sheet title and this header give different money units",
                "单位混用：表格标题与该列表头的金额单位不一致", **where,
                hint_en="use one unit for the whole sheet", hint_zh="请全表统一使用一种金额单位",
            ))  # fmt: skip
            continue
        unit = unit or (sheet.title_unit if col.unit in MONEY else None)
        if unit is None or col.unit is None or unit == col.unit:
            continue
        if col.unit in MONEY and unit in MONEY:
            factors[col.name] = money_factor(col, unit)
        else:
            problems.append(Problem(
                f"the header's unit ({unit}) does not fit column {col.name} ({col.unit})",
                f"表头单位（{unit}）与字段 {col.zh} 的单位（{col.unit}）不符", **where,
            ))  # fmt: skip
    return factors, units, problems


def iter_valid(
    paths: Sequence[Path],
    ds: Dataset,
    cat: Catalog,
    out: Validated,
    *,
    sheet: str | None = None,
    keep_rejected: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
    region: str | None = None,
) -> Iterator[pa.RecordBatch]:
    """Read and validate every input, yielding good rows (with ``_row``/``_src``).

    Counts, problems and rejected rows accumulate in ``out``; file-level problems are recorded
    (the file is skipped) rather than raised, so one report lists them all. ``official_stats``
    inputs laid out as published release tables are read by ``release.py`` (``region`` is the
    region for a table whose title names none).
    """
    now = clock.now_local()
    index = HeaderIndex(ds)
    rules: list[RowRule] = official_rules(ds.name)  # type: ignore[assignment]
    for path in paths:
        release = (
            read_release(path, index, cat, region=region, sheet=sheet)
            if ds.name == "official_stats" and path.is_file()
            else None
        )
        for data in release or read_file(path, index, sheet=sheet, progress=progress):
            mapped, problems = map_headers(index, data.headers, file=data.file, sheet=data.sheet)
            problems += missing_required(
                index, mapped, file=data.file, sheet=data.sheet,
                inferable=INFERABLE.get(ds.name, frozenset()),
            )  # fmt: skip
            factors, units, unit_problems = _unit_problems(ds, data, mapped)
            problems += unit_problems
            if problems:
                out.file_problems.extend(problems)
                continue
            ctx = Context(ds, cat, today or now.date(), now, units, data.title_unit)
            source_id = len(out.sources)
            out.sources.append((data.file, data.sheet))
            validator = SheetValidator(
                ctx, mapped, out.log, file=data.file, sheet=data.sheet, source_id=source_id,
                keep_rejected=keep_rejected, factors=factors, rules=rules,
            )  # fmt: skip
            seen = 0
            for first_row, batch in data.batches:
                result = validator.run(first_row, batch)
                seen += result.good.num_rows + result.n_rejected
                out.rows_valid += result.good.num_rows
                out.rows_rejected += result.n_rejected
                if result.rejected is not None:
                    out.rejected.append(result.rejected)
                if result.good.num_rows:
                    yield result.good
            for p in data.problems:  # CSV rows with the wrong number of cells
                out.log.add(p)
                out.rows_rejected += 1
            if seen == 0 and not data.problems:
                out.file_problems.append(no_data(data.file, data.sheet, data.first_row - 1))


def validate_files(
    paths: Sequence[Path],
    ds: Dataset,
    cat: Catalog,
    *,
    settings: Settings,
    spill: Path,
    sheet: str | None = None,
    keep_rejected: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
    region: str | None = None,
) -> Validated:
    """Validate every input; good rows are written to ``spill`` (Arrow IPC) for a second pass."""
    schema = canonical_schema(ds)
    out = Validated(spill, schema, 0, 0, ProblemLog(limit=settings.max_errors), [])
    with pa.OSFile(str(spill), "wb") as sink, pa.ipc.new_file(sink, spill_schema(schema)) as w:
        for good in iter_valid(paths, ds, cat, out, sheet=sheet, keep_rejected=keep_rejected,
                               progress=progress, today=today, region=region):  # fmt: skip
            w.write_batch(good)
    return out


def _streamed(
    paths: Sequence[Path], ds: Dataset, cat: Catalog, out: Validated, *, sheet: str | None,
    progress: Progress | None, memory_limit: str, region: str | None = None,
) -> Iterator[pa.RecordBatch]:  # fmt: skip
    """Good rows straight to the store (no spill); only key columns are kept for the duplicate
    search. Any problem stops the feed and, once everything is checked, raises inside the store's
    write, which then discards what it staged: nothing is committed."""
    names = out.schema.names
    key = [k for k in ds.key if k in names]
    with (
        pa.OSFile(str(out.spill), "wb") as sink,
        pa.ipc.new_file(sink, spill_schema(out.schema, key)) as w,
    ):
        for good in iter_valid(paths, ds, cat, out, sheet=sheet, progress=progress,
                               region=region):  # fmt: skip
            w.write_batch(good.select([*key, ROW_COLUMN, SOURCE_COLUMN]))
            if not (out.log or out.file_problems):
                yield good.select(names)
    if out.file_problems:
        _refuse_file(out, ds)
    find_duplicates(out, ds, memory_limit=memory_limit)
    if out.log or out.rows_valid == 0:
        raise out.log.error(ds.name, rows_rejected=out.rows_rejected)


def _prepare(
    paths: Sequence[str | Path] | str | Path, dataset: str, settings: Settings | None
) -> tuple[list[Path], Dataset, Catalog, Settings]:
    settings = settings or get_settings()
    cat = load_catalog(settings.city)
    ds = cat.dataset(dataset)
    return _resolve(paths), ds, cat, settings


def check(
    paths: Sequence[str | Path] | str | Path,
    dataset: str,
    *,
    settings: Settings | None = None,
    sheet: str | None = None,
    region: str | None = None,
) -> ValidationReport:
    """Check files against a dataset without loading them (the submission page's feedback).

    File-level problems raise :class:`DataValidationError`; row problems are reported.
    """
    files, ds, cat, settings = _prepare(paths, dataset, settings)
    with tempfile.TemporaryDirectory(prefix="cmon-ingest-") as tmp:
        v = validate_files(files, ds, cat, settings=settings, spill=Path(tmp) / "spill.arrow",
                           sheet=sheet, region=region)  # fmt: skip
        if v.file_problems:
            _refuse_file(v, ds)
        find_duplicates(v, ds, memory_limit=settings.duckdb_memory_limit)
    return ValidationReport(
        dataset=ds.name, rows_valid=v.rows_valid, rows_rejected=v.rows_rejected,
        problems=[p.to_dict() for p in v.log.sorted()], problems_total=v.log.total,
        content_hash=content_hash(files, ds.name, sheet, region),
    )  # fmt: skip


def _refuse_file(v: Validated, ds: Dataset) -> None:
    log = ProblemLog(limit=v.log.limit)
    for p in v.file_problems:
        log.add(p)
    for p in v.log.problems:
        log.add(p)
    if len(v.file_problems) == 1 and not v.log:
        raise refuse(v.file_problems[0])
    raise log.error(ds.name)


def ingest(
    paths: Sequence[str | Path] | str | Path,
    dataset: str,
    *,
    vintage: date | str | None = None,
    quarantine: bool = False,
    settings: Settings | None = None,
    loaded_by: str = "cli",
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
    region: str | None = None,
    allow_future: bool = False,
    allow_shadowed: bool = False,
    published: bool = True,
    owner_unit: str | None = None,
) -> IngestResult:
    """Load ``paths`` into ``dataset`` as one batch; see the module docstring for the rules.

    ``vintage`` is the release (as-of) date, default today in Asia/Shanghai. ``progress`` is
    called with the number of bytes read as reading advances (for a progress bar). Raises
    :class:`DataValidationError` when refused (nothing written), :class:`NotFoundError` for an
    unknown dataset or a missing file. ``region`` is the region of an ``official_stats``
    release table whose title names none (``全国`` for NBS tables). A vintage after today
    is refused unless ``allow_future``; a load that a later vintage would shadow is refused
    unless ``allow_shadowed`` (:mod:`consumption_monitor.ingest.vintages`).
    ``published=False`` stores a unit's submission that only ``owner_unit`` and the office read
    until it is published (``cmon batches publish``, the submissions page).
    """
    from consumption_monitor.store import EVERY_BATCH, Store

    files, ds, cat, settings = _prepare(paths, dataset, settings)
    if isinstance(vintage, str):
        try:
            vintage = date.fromisoformat(vintage)
        except ValueError as exc:
            raise ConfigError(
                f"vintage {vintage!r} is not a date (YYYY-MM-DD)",
                f"版本日期 {vintage!r} 不是有效日期（年-月-日）",
            ) from exc
    vintage = vintage or clock.today()
    check_not_future(vintage, allow_future=allow_future)
    digest = content_hash(files, ds.name, sheet, region)
    names = [f.name for f in files]
    # The loader's checks (duplicates, shadowing vintages) see every batch, published or not.
    with Store(settings, viewer=EVERY_BATCH) as store:
        existing = store.find_batch_by_hash(ds.name, digest)
        if existing is not None:
            return _duplicate(existing.id, ds.name, digest, existing.vintage, names)
        shadowed = None if allow_shadowed else shadow_check(store, ds, vintage)
        with tempfile.TemporaryDirectory(prefix="cmon-ingest-") as tmp:
            spill = Path(tmp) / "spill.arrow"
            if quarantine:
                # Two passes: duplicates must be known before the good rows are written.
                v = validate_files(files, ds, cat, settings=settings, spill=spill, sheet=sheet,
                                   keep_rejected=True, progress=progress,
                                   region=region)  # fmt: skip
                if v.file_problems:
                    _refuse_file(v, ds)
                find_duplicates(v, ds, memory_limit=settings.duckdb_memory_limit)
                if v.rows_valid == 0:
                    raise v.log.error(ds.name, rows_rejected=v.rows_rejected)
                data: Iterator[pa.RecordBatch] = good_batches(v)
                qtable = quarantine_table(v, v.schema)
            else:
                v = Validated(spill, canonical_schema(ds), 0, 0,
                              ProblemLog(limit=settings.max_errors), [])  # fmt: skip
                data = _streamed(files, ds, cat, v, sheet=sheet, progress=progress,
                                 memory_limit=settings.duckdb_memory_limit,
                                 region=region)  # fmt: skip
                qtable = None
            # Validation runs ahead in its own thread while the store encodes Parquet.
            data = prefetch(data, name="cmon-validate")
            info = store.write_batch(
                ds.name, data, vintage=vintage, content_hash=digest, source=", ".join(names),
                loaded_by=loaded_by, schema=v.schema, quarantine=qtable,
                rows_rejected=v.rows_rejected, precommit=shadowed,
                published=published, owner_unit=owner_unit,
                note=f"{v.log.total} problems set aside in quarantine" if v.log else "",
            )  # fmt: skip
    if info.duplicate:
        return _duplicate(info.id, ds.name, digest, info.vintage, names)
    q = (
        f"; {info.rows_rejected} rows set aside in {info.quarantine_file}"
        if info.rows_rejected
        else ""
    )
    qz = (
        f"，{info.rows_rejected} 行问题数据已隔离至 {info.quarantine_file}"
        if info.rows_rejected
        else ""
    )
    return IngestResult(
        dataset=ds.name, batch_id=info.id, rows_loaded=info.rows_loaded,
        rows_rejected=info.rows_rejected, content_hash=digest, vintage=info.vintage, files=names,
        quarantine_file=info.quarantine_file, problems=[p.to_dict() for p in v.log.sorted()],
        problems_total=v.log.total,
        message_en=f"loaded {info.rows_loaded} rows into {ds.name} as batch {info.id}{q}",
        message_zh=f"已导入 {info.rows_loaded} 行到 {ds.name_zh}，批次号 {info.id}{qz}",
    )  # fmt: skip


def _duplicate(
    batch_id: int, dataset: str, digest: str, vintage: date, names: list[str]
) -> IngestResult:
    return IngestResult(
        dataset=dataset, batch_id=batch_id, duplicate=True, content_hash=digest, vintage=vintage,
        files=names,
        message_en=f"already loaded as batch {batch_id}; nothing to do",
        message_zh=f"该内容已作为批次 {batch_id} 导入，无需重复导入",
    )  # fmt: skip
