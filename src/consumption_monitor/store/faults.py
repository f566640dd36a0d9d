"""Storage faults as one bilingual error: a full disk, a read-only or corrupt metadata database,
a corrupt Parquet file of the lake or of the stored results become a :class:`StorageError`
(HTTP 503, CLI exit 1) instead of a raw traceback.

:func:`storage_error` translates one exception (``None`` when it is not a storage fault: a bug
stays a bug); :func:`translated` is the context manager form. The web app and the CLI call
:func:`storage_error` where they render errors, so every route and command is covered.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa
from sqlalchemy import exc as sa_exc

from consumption_monitor.errors import ConsumptionMonitorError, Location, StorageError

_HINT_EN = "tell the administrator; the data already stored are unchanged"
_HINT_ZH = "请联系系统管理员；已存储的数据未被改动"
#: DuckDB and Arrow errors of the files they read (corrupt or missing Parquet), not of our SQL.
_FILE_FAULTS = (
    duckdb.IOException,
    duckdb.InvalidInputException,
    duckdb.OutOfMemoryException,
    pa.ArrowInvalid,
)


def _os_error(exc: OSError) -> StorageError:
    where = Location(file=str(exc.filename)) if exc.filename else None
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        en = "the disk is full (or a file size limit is reached): nothing was kept"
        zh = "磁盘空间已满（或达到文件大小上限），未保留任何内容"
        hint_en = "free disk space under the data folder, then try again"
        hint_zh = "请清理数据目录所在磁盘的空间后重试"
        return StorageError(en, zh, where=where, hint_en=hint_en, hint_zh=hint_zh)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        en = "the data folder is read-only or not writable by the server"
        zh = "数据目录为只读，或服务器无写入权限"
    else:
        en = f"the data folder cannot be read or written ({exc.strerror or exc})"
        zh = "数据目录无法读取或写入"
    return StorageError(en, zh, where=where, hint_en=_HINT_EN, hint_zh=_HINT_ZH)


def _db_error(exc: sa_exc.DBAPIError) -> StorageError:
    text = str(exc.orig or exc).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        en, zh = "the metadata database is read-only", "元数据库为只读，无法写入"
    elif "disk" in text and "full" in text:
        en, zh = "the disk of the metadata database is full", "元数据库所在磁盘空间已满"
    elif "malformed" in text or "not a database" in text or "corrupt" in text:
        en, zh = "the metadata database file is corrupt", "元数据库文件已损坏"
    else:
        first = str(exc.orig or exc).splitlines()[0][:200]
        en, zh = f"the metadata database is unavailable ({first})", "元数据库暂时不可用"
    return StorageError(en, zh, hint_en=_HINT_EN, hint_zh=_HINT_ZH)


def storage_error(exc: BaseException) -> StorageError | None:
    """The :class:`StorageError` for a storage fault, or ``None`` for anything else."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, ConsumptionMonitorError):
        return None  # already a platform error with its own meaning
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InternalError) or (
        isinstance(exc, sa_exc.DatabaseError)
        and not isinstance(exc, sa_exc.IntegrityError | sa_exc.ProgrammingError)
    ):
        return _db_error(exc)
    if isinstance(exc, _FILE_FAULTS):
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        return StorageError(
            f"a stored data file is corrupt or unreadable ({first})",
            "存储的数据文件已损坏或无法读取",
            hint_en=_HINT_EN + "; `cmon batches list` names the batches, recompute or reload",
            hint_zh=_HINT_ZH + "；可用 `cmon batches list` 查看批次后重新计算或重新导入",
        )
    if isinstance(exc, ConnectionError | TimeoutError):
        return None  # a network peer (a channel, an object store), not our disk
    if isinstance(exc, OSError):
        return _os_error(exc)
    return None


@contextmanager
def translated() -> Iterator[None]:
    """Raise storage faults inside the block as :class:`StorageError`."""
    try:
        yield
    except Exception as exc:
        err = storage_error(exc)
        if err is None:
            raise
        raise err from exc
