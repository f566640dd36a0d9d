"""Keeping uploaded files: streamed to ``<data_dir>/uploads/<yyyy-mm-dd>/`` under a random
prefix, with a size cap. The file is kept after loading as the submission's evidence."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from fastapi import UploadFile

from consumption_monitor.config import Settings
from consumption_monitor.errors import DataValidationError, Location

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


async def save_upload(settings: Settings, upload: UploadFile) -> Path:
    """Stream ``upload`` to disk; :class:`DataValidationError` for a wrong type or size."""
    name = safe_name(upload.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise DataValidationError(
            f"file type {suffix or '(none)'} is not accepted; use "
            f"{', '.join(sorted(ALLOWED_SUFFIXES))}",
            f"不支持的文件类型 {suffix or '（无）'}；可用：{'、'.join(sorted(ALLOWED_SUFFIXES))}",
            where=Location(file=name),
        )
    folder = settings.data_dir / "uploads" / datetime.now(UTC).strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{secrets.token_hex(6)}_{name}"
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(_CHUNK):
            size += len(chunk)
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
