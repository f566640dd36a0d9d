"""Uploaded files: streamed to ``<data_dir>/uploads/<yyyy-mm-dd>/<user>/`` under a random prefix,
with a size cap and a per-user quota (``CMON_UPLOAD_QUOTA_MB``), and kept after loading as the
submission's evidence; a refused upload is deleted and only its problem report
(``<file>.refused.json``) stays (:func:`discard_refused`). And the owner-unit check
(:func:`check_owner`): a department or district may only submit rows of its own unit."""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import UploadFile

from consumption_monitor.auth.roles import HasRoleAndUnit, Role
from consumption_monitor.catalog import Dataset, load_catalog
from consumption_monitor.config import Settings
from consumption_monitor.errors import (
    ConsumptionMonitorError,
    DataValidationError,
    Location,
    QuotaExceededError,
)
from consumption_monitor.ingest.api import iter_valid
from consumption_monitor.ingest.problems import Problem, ProblemLog
from consumption_monitor.ingest.spill import Validated
from consumption_monitor.ingest.validate import ROW_COLUMN, SOURCE_COLUMN, canonical_schema
from consumption_monitor.store.faults import storage_error

#: Largest accepted upload (bytes). Daily card files are the big ones; split larger loads.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
ALLOWED_SUFFIXES = frozenset({".csv", ".txt", ".xlsx", ".xls", ".json", ".parquet"})
_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_name(filename: str | None) -> str:
    """The base name with path parts and unusual characters removed.

    >>> safe_name("../../etc/passwd.csv"), safe_name("报表 2025-03.xlsx"), safe_name(None)
    ('passwd.csv', '报表_2025-03.xlsx', 'upload')
    """
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._")
    return cleaned[:120] or "upload"


#: Suffix of the problem report kept in place of a refused upload.
REFUSED_SUFFIX = ".refused.json"


def user_folder(username: str) -> str:
    """The folder name of a user's uploads (inside each day's folder)."""
    return safe_name(username)


def quota_used(settings: Settings, username: str) -> int:
    """Bytes of ``username``'s kept uploads (problem reports included) on every day."""
    root = settings.data_dir / "uploads"
    if not root.is_dir():
        return 0
    return sum(f.stat().st_size for f in root.glob(f"*/{user_folder(username)}/*") if f.is_file())


def _over_quota(name: str, quota: int, used: int) -> QuotaExceededError:
    mib = 2**20
    return QuotaExceededError(
        f"the upload would exceed your upload quota of {quota // mib} MiB "
        f"({used / mib:.1f} MiB already used by your kept uploads)",
        f"上传后将超出您的上传空间配额 {quota // mib} MiB"
        f"（已保留的上传文件占用 {used / mib:.1f} MiB）",
        where=Location(file=name),
        hint_en="ask an administrator to archive old uploads or raise CMON_UPLOAD_QUOTA_MB",
        hint_zh="请联系管理员归档旧的上传文件，或调高 CMON_UPLOAD_QUOTA_MB",
    )


async def save_upload(settings: Settings, upload: UploadFile, username: str = "anonymous") -> Path:
    """Stream ``upload`` to disk; :class:`DataValidationError` for a wrong type or size,
    :class:`QuotaExceededError` (413) when the user's kept uploads would exceed the quota."""
    name = safe_name(upload.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise DataValidationError(
            f"file type {suffix or '(none)'} is not accepted; use "
            f"{', '.join(sorted(ALLOWED_SUFFIXES))}",
            f"不支持的文件类型 {suffix or '（无）'}；可用：{'、'.join(sorted(ALLOWED_SUFFIXES))}",
            where=Location(file=name),
        )
    quota = settings.upload_quota_mb * 2**20
    used = quota_used(settings, username) if quota else 0
    if quota and used >= quota:
        raise _over_quota(name, quota, used)
    day = settings.data_dir / "uploads" / datetime.now(UTC).strftime("%Y-%m-%d")
    folder = day / user_folder(username)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{secrets.token_hex(6)}_{name}"
    try:
        return await _stream(upload, target, name, quota, used)
    except OSError as exc:  # a full or read-only disk: nothing of the upload stays
        target.unlink(missing_ok=True)
        raise storage_error(exc) or exc from exc


async def _stream(upload: UploadFile, target: Path, name: str, quota: int, used: int) -> Path:
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
            if quota and used + size > quota:
                out.close()
                target.unlink(missing_ok=True)
                raise _over_quota(name, quota, used)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                raise DataValidationError(
                    f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MiB",
                    f"文件超过 {MAX_UPLOAD_BYTES // 2**20} MiB",
                    where=Location(file=name),
                    hint_en="split it by period and upload the parts",
                    hint_zh="请按时期拆分后分别上传",
                )
            out.write(chunk)
    return target


def discard_refused(path: Path, exc: ConsumptionMonitorError) -> Path:
    """Delete a refused upload, keeping its problem report beside where it was; returns the
    report's path. The report holds the refusal as the API returns it (both languages)."""
    report = path.with_name(path.name + REFUSED_SUFFIX)
    body = {"file": path.name, "size": path.stat().st_size if path.exists() else None,
            "refused_at": datetime.now(UTC).isoformat(), "error": exc.to_dict()}  # fmt: skip
    path.unlink(missing_ok=True)  # first: a full disk must not keep the upload either
    try:
        report.write_text(json.dumps(body, ensure_ascii=False, indent=1, default=str), "utf-8")
    except OSError:
        report.unlink(missing_ok=True)
    return report


# --------------------------------------------------------------------------- owner-unit check

#: Datasets whose rows name the reporting unit; a department or district may only submit its own.
UNIT_OWNED = {"unit_reports": "reporting_unit", "task_progress": "reporting_unit"}
#: Column naming the district of a row; a district user may only submit rows of its district.
DISTRICT_COLUMN = "district_code"


def owner_column(dataset: Dataset, user: HasRoleAndUnit) -> str | None:
    """The column whose every value must be the user's unit, or ``None`` (no restriction).

    Administrators, the office and data providers submit for anyone; departments are bound on
    ``reporting_unit``; districts on ``reporting_unit`` and, for district-scoped datasets
    (registries, projects), on ``district_code``.
    """
    role = Role(user.role)
    if role not in (Role.DEPARTMENT, Role.DISTRICT):
        return None
    if dataset.name in UNIT_OWNED:
        return UNIT_OWNED[dataset.name]
    if role is Role.DISTRICT and any(c.name == DISTRICT_COLUMN for c in dataset.columns):
        return DISTRICT_COLUMN
    return None


def _resolver(settings: Settings) -> Callable[[object], tuple[str | None, str]]:
    """Maps a validated cell (unit code, name or alias; district code) to (code, label)."""
    from consumption_monitor.plan import load_plan

    units = load_plan(settings=settings).units

    def resolve(value: object) -> tuple[str | None, str]:
        text = str(value or "").strip()
        found = units.find(text)
        if found is None:
            return (text or None), text
        return found.code, f"{found.name_zh}（{found.code}）"

    return resolve


def check_owner(settings: Settings, dataset: str, path: Path, user: HasRoleAndUnit) -> None:
    """Refuse the whole file (:class:`DataValidationError` with located bilingual problems)
    when any valid row names another unit than the user's in the owner column.

    Rows that fail validation are left to the ingest report; a file with file-level problems
    passes here and is refused by the ingest with those problems.
    """
    cat = load_catalog(settings.city)
    ds = cat.dataset(dataset)
    column = owner_column(ds, user)
    if column is None:
        return
    resolve = _resolver(settings)
    own = resolve(user.unit)[1]
    log = ProblemLog(limit=settings.max_errors)
    with tempfile.TemporaryDirectory(prefix="cmon-owner-") as tmp:
        out = Validated(Path(tmp) / "unused.arrow", canonical_schema(ds), 0, 0, log, [])
        wrong = ProblemLog(limit=settings.max_errors)
        for batch in iter_valid([path], ds, cat, out):
            values = batch.column(column).to_pylist()
            rows = batch.column(ROW_COLUMN).to_pylist()
            sources = batch.column(SOURCE_COLUMN).to_pylist()
            for value, row, src in zip(values, rows, sources, strict=True):
                code, label = resolve(value)
                if code == user.unit:
                    continue
                file, sheet = out.sources[src]
                wrong.add(
                    Problem(
                        f"this row belongs to {label}, but you may only submit rows of your "
                        f"own unit {own}",
                        f"该行属于“{label}”，您只能报送本单位“{own}”的数据",
                        file=file,
                        sheet=sheet,
                        row=row,
                        column=column,
                        value=value,
                        hint_en=f"remove other units' rows or set {column} to your unit",
                        hint_zh="请删除其他单位的数据行，或将该列改为本单位",
                    )
                )
    if wrong.total:
        raise wrong.error(ds.name)
