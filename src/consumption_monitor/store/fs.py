"""Where the lake lives: a local folder, or an object store / HDFS reached through fsspec.

:func:`lake_root` turns ``CMON_LAKE_URL`` and ``CMON_LAKE_STORAGE_OPTIONS`` into a
:class:`LakeRoot`: an fsspec filesystem plus the lake's root path inside it. Without a URL, or
with a ``file://`` one, the lake is a local folder: the store then keeps its POSIX protocol
(:mod:`.lake`: staged temp names, ``fsync``, atomic rename, a ``flock`` per load) and fsspec
is not even imported, so a local lake is exactly as fast as before.

**Commit protocol on an object store** (``s3://``, ``oss://``; also used for ``hdfs://``):

1. ``Store.write_batch`` reserves a batch id with an invisible ``pending`` manifest row.
2. Every file is written directly under its final name, which is never reused:
   ``<dataset>/period=<P>/b<batch>-<n>.parquet`` (refused rows:
   ``_quarantine/<dataset>/b<batch>.parquet``). There is no staging folder and no rename:
   S3 and OSS have no atomic rename (a "rename" is a copy plus a delete), but an object appears
   whole or not at all once its single PUT or multipart upload completes.
3. One metadata transaction marks the batch committed with its file list. Readers take file
   lists from the manifest only, never from a listing, so the batch becomes visible at that
   instant and not before.
4. A load that fails in-process deletes the files it wrote and drops its pending row. A load
   that dies (killed, machine lost) leaves a pending row and unlisted files: orphans.
   ``cmon batches gc`` deletes every file that no committed or reverted batch names, except the
   files of a pending batch younger than :data:`PENDING_GRACE` (no lock can tell a live writer
   on another machine from a dead one, so age decides) and of a batch id above the highest id
   gc saw in the manifest (a load that started while gc was listing).

Incomplete multipart uploads of a killed writer are not objects and are not listed; let the
bucket's lifecycle rule ("abort incomplete multipart uploads after N days") remove them.

Engines read the same URLs: DuckDB through the fsspec filesystem registered on its connection
(:meth:`LakeRoot.register_duckdb`; not DuckDB's ``httpfs`` extension, which would have to be
downloaded), Spark through Hadoop (``s3a://``, ``oss://``, ``hdfs://``; see
:meth:`LakeRoot.spark_url` and ``docs/deployment.md`` for the ``CMON_SPARK_CONF`` keys).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path, PurePath, PurePosixPath
from typing import IO, Any

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConfigError, EngineError

#: How long a pending batch on an object store counts as a live load that gc must spare.
#: Generous: the largest measured load (10 M card rows) takes minutes, and deleting the files of
#: a live load would make its commit name missing files.
PENDING_GRACE = timedelta(hours=6)
#: Protocols without real folders: "making a directory" there is a no-op (s3fs would even
#: create the bucket), so the store never asks for one.
_FLAT = frozenset({"s3", "s3a", "oss", "gs", "gcs", "abfs", "az", "memory"})


@dataclass(frozen=True)
class LakeRoot:
    """The lake's filesystem and root. ``fs`` is None for a local folder.

    ``root`` is the path inside the filesystem (an absolute local path, ``bucket/prefix`` on
    S3/OSS, ``/path`` on HDFS); ``base_url`` the URL engines are given (the local path itself,
    or the configured URL without a trailing slash). Relative paths (``rel``) always use ``/``.

    >>> lake = LakeRoot.local(Path("/srv/cmon/lake"))
    >>> lake.is_local, lake.url("events/period=2024/b1-0.parquet")
    (True, '/srv/cmon/lake/events/period=2024/b1-0.parquet')
    """

    protocol: str
    root: str
    base_url: str
    fs: Any = None
    _arrow: list[Any] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def local(cls, folder: Path) -> LakeRoot:
        """A local folder (made absolute)."""
        root = str(folder.resolve())
        return cls("file", root, root)

    @property
    def is_local(self) -> bool:
        """Whether the lake is a local folder (POSIX protocol, no fsspec)."""
        return self.fs is None

    @property
    def local_dir(self) -> Path:
        """The folder of a local lake; :class:`EngineError` on an object store."""
        if not self.is_local:
            raise EngineError(
                f"the lake at {self.base_url} is not a local folder",
                f"数据湖 {self.base_url} 不是本地目录",
            )
        return Path(self.root)

    def path(self, rel: str = "") -> str:
        """The path of ``rel`` inside the filesystem."""
        return f"{self.root}/{rel}" if rel else self.root

    def pure(self, rel: str = "") -> PurePath:
        """``rel`` as a path object: a :class:`Path` locally, else a :class:`PurePosixPath`."""
        return Path(self.path(rel)) if self.is_local else PurePosixPath(self.path(rel))

    def url(self, rel: str = "") -> str:
        """The URL of ``rel`` for DuckDB (with :meth:`register_duckdb`) or pandas."""
        return f"{self.base_url}/{rel}" if rel else self.base_url

    def spark_url(self, rel: str = "") -> str:
        """The URL of ``rel`` for Spark: Hadoop reads S3 as ``s3a://``.

        >>> LakeRoot("s3", "b/lake", "s3://b/lake", fs=object()).spark_url("x.parquet")
        's3a://b/lake/x.parquet'
        """
        url = self.url(rel)
        return "s3a://" + url.removeprefix("s3://") if url.startswith("s3://") else url

    def arrow_filesystem(self) -> Any:
        """A ``pyarrow.fs.FileSystem`` for :meth:`path` values; None for a local lake.

        HDFS comes back as pyarrow's own ``HadoopFileSystem`` (fsspec wraps it); other stores
        as fsspec behind ``pyarrow.fs.PyFileSystem``.
        """
        if self.is_local:
            return None
        if not self._arrow:
            from fsspec.implementations.arrow import ArrowFSWrapper
            from pyarrow.fs import FSSpecHandler, PyFileSystem

            native = self.fs.fs if isinstance(self.fs, ArrowFSWrapper) else None
            self._arrow.append(native or PyFileSystem(FSSpecHandler(self.fs)))
        return self._arrow[0]

    # -- file operations (object stores; local callers keep their pathlib code) ---------------
    def _fresh(self, path: str) -> str:
        """``path``, with fsspec's cached listings of it (and of its parents) dropped: another
        process may have written since. Not the whole cache: the cached sizes of other lake
        files (immutable) spare DuckDB a HEAD request per file it opens."""
        self.fs.invalidate_cache(path)
        return path

    def exists(self, rel: str) -> bool:
        """Whether ``rel`` exists (file or folder)."""
        if self.is_local:
            return Path(self.path(rel)).exists()
        return bool(self.fs.exists(self._fresh(self.path(rel))))

    def makedirs(self, rel: str) -> None:
        """Create the folder ``rel`` and its parents (no-op on flat object stores)."""
        if self.is_local:
            Path(self.path(rel)).mkdir(parents=True, exist_ok=True)
        elif self.protocol not in _FLAT:
            self.fs.makedirs(self.path(rel), exist_ok=True)

    def list_files(self, rel: str = "") -> list[str]:
        """Files under ``rel`` (recursive), relative to the root, sorted; [] when absent."""
        if self.is_local:
            top = Path(self.path(rel))
            found = [p for p in top.rglob("*") if p.is_file()] if top.is_dir() else []
            return sorted(p.relative_to(self.root).as_posix() for p in found)
        try:
            found = self.fs.find(self._fresh(self.path(rel)), detail=False)
        except FileNotFoundError:
            return []
        # Leading slashes differ between filesystems (ossfs roots start with "/", its
        # listings do not): compare without them.
        prefix = self.root.strip("/") + "/"
        names = (str(p).lstrip("/") for p in found)
        return sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix))

    def list_dirs(self, rel: str = "") -> list[str]:
        """Names of the folders directly under ``rel``, sorted; [] when absent."""
        if self.is_local:
            top = Path(self.path(rel))
            return sorted(p.name for p in top.iterdir() if p.is_dir()) if top.is_dir() else []
        try:
            entries = self.fs.ls(self._fresh(self.path(rel)), detail=True)
        except FileNotFoundError:
            return []
        return sorted(
            str(e["name"]).rstrip("/").rsplit("/", 1)[-1]
            for e in entries
            if e["type"] == "directory"
        )

    def delete(self, rels: Iterable[str]) -> None:
        """Remove these files; absent ones are skipped."""
        paths = [self.path(r) for r in rels]
        if self.is_local:
            for p in paths:
                Path(p).unlink(missing_ok=True)
            return
        if not paths:
            return
        try:
            self.fs.rm(paths)  # one bulk request per 1,000 keys on S3/OSS
        except FileNotFoundError:
            for p in paths:
                with contextlib.suppress(FileNotFoundError):
                    self.fs.rm_file(p)

    def write_parquet(self, table: Any, rel: str) -> None:
        """Write the Arrow ``table`` so that ``rel`` appears whole or not at all.

        One upload on an object store (an object is visible only once complete); elsewhere a
        temp name in the same folder, renamed into place (atomic on a local disk and HDFS).
        """
        import pyarrow.parquet as pq

        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        self.makedirs(folder)
        if self.protocol in _FLAT:
            pq.write_table(table, self.path(rel), filesystem=self.arrow_filesystem())
            return
        tmp = "/".join(p for p in (folder, f".tmp-{uuid.uuid4().hex}.parquet") if p)
        pq.write_table(table, self.path(tmp), filesystem=self.arrow_filesystem())
        if self.is_local:
            Path(self.path(tmp)).replace(self.path(rel))
        else:
            self.fs.mv(self.path(tmp), self.path(rel))

    def open_input(self, rel: str) -> IO[bytes]:
        """Open ``rel`` for reading (binary)."""
        if self.is_local:
            return Path(self.path(rel)).open("rb")
        handle: IO[bytes] = self.fs.open(self.path(rel), "rb")
        return handle

    def register_duckdb(self, raw: Any) -> None:
        """Let a ``duckdb.DuckDBPyConnection`` read this lake's URLs (idempotent).

        DuckDB calls the fsspec filesystem from its own threads; nothing is downloaded.
        """
        if self.is_local:
            return
        protocols = self.fs.protocol
        name = protocols if isinstance(protocols, str) else protocols[0]
        if name not in raw.list_filesystems():
            raw.register_filesystem(self.fs)

    def read_parquet(self, con: Any, files: list[str]) -> Any:
        """Register the lake files ``files`` (relative) as one Ibis table on ``con``.

        Never a folder: the manifest decides which files are read. On an object store DuckDB
        reads through the fsspec filesystem registered on its connection (ibis would load the
        ``httpfs`` extension for ``s3://`` paths, which must be downloaded), and Spark through
        Hadoop (``s3a://``, ``oss://``, ``hdfs://``).
        """
        from ibis import union, util

        paths = [self.url(f) for f in files]
        if con.name == "duckdb":
            # hive_partitioning off: the folder name `period=` must not add or override a column.
            if self.is_local:
                return con.read_parquet(paths, hive_partitioning=False, union_by_name=True)
            self.register_duckdb(con.con)
            name = util.gen_name("lake")
            relation = con.con.read_parquet(paths, hive_partitioning=False, union_by_name=True)
            relation.create_view(name)
            return con.table(name)
        if con.name == "pyspark":
            name = util.gen_name("lake")
            urls = paths if self.is_local else [self.spark_url(f) for f in files]
            con._session.read.parquet(*urls).createOrReplaceTempView(name)
            return con.table(name)
        parts = [con.read_parquet(p) for p in paths]
        return union(*parts) if len(parts) > 1 else parts[0]


def lake_root(settings: Settings) -> LakeRoot:
    """The lake of ``settings``: ``CMON_LAKE_URL`` (with its storage options) or the local
    ``<data_dir>/lake``. Raises :class:`ConfigError` for an unknown protocol, a filesystem
    package that is not installed, or storage options the filesystem refuses."""
    url = settings.lake_url
    if not url or url.startswith("file://"):
        return LakeRoot.local(settings.lake_dir)
    options = json.dumps(settings.lake_storage_options, sort_keys=True)
    return _remote(url.rstrip("/"), options)


@lru_cache(maxsize=8)
def _remote(url: str, options_json: str) -> LakeRoot:
    """Resolve once per (URL, options): fsspec filesystems are meant to be shared."""
    protocol = url.split("://", 1)[0].lower() if "://" in url else ""
    hint_en = "check CMON_LAKE_URL and CMON_LAKE_STORAGE_OPTIONS (docs/deployment.md)"
    hint_zh = "请检查 CMON_LAKE_URL 与 CMON_LAKE_STORAGE_OPTIONS（见 docs/deployment.md）"
    if not protocol:
        raise ConfigError(
            f"CMON_LAKE_URL {url!r} has no scheme (s3://, oss://, hdfs://, file://)",
            f"CMON_LAKE_URL {url!r} 缺少协议前缀（s3://、oss://、hdfs://、file://）",
            hint_en=hint_en,
            hint_zh=hint_zh,
        )
    try:
        from fsspec.core import url_to_fs
    except ImportError as exc:
        raise _missing_package(url, "fsspec") from exc
    try:
        fs, root = url_to_fs(url, **json.loads(options_json))
    except ImportError as exc:
        raise _missing_package(url, str(exc)) from exc
    except (ValueError, TypeError, OSError) as exc:  # OSError: e.g. no JVM/libhdfs for HDFS
        raise ConfigError(
            f"cannot open the lake at {url}: {exc}",
            f"无法打开数据湖 {url}：{exc}",
            hint_en=hint_en,
            hint_zh=hint_zh,
        ) from exc
    return LakeRoot(protocol, str(root).rstrip("/"), url, fs)


def _missing_package(url: str, detail: str) -> ConfigError:
    return ConfigError(
        f"the lake at {url} needs a filesystem package that is not installed ({detail})",
        f"数据湖 {url} 需要的文件系统包未安装（{detail}）",
        hint_en="pip install 'consumption-monitor[object-store]' (S3; OSS: ossfs; HDFS: "
        "pyarrow with libhdfs)",
        hint_zh="请安装 pip install 'consumption-monitor[object-store]'（S3；OSS 需 ossfs；"
        "HDFS 需 pyarrow 与 libhdfs）",
    )


__all__ = ["PENDING_GRACE", "LakeRoot", "lake_root"]
