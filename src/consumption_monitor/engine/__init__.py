"""Choice of compute engine: the only module that imports DuckDB or PySpark.

Everything above this layer builds Ibis expressions; :func:`connect` hands back the backend they
run on. DuckDB (embedded, in-process) is the default; ``CMON_ENGINE=spark`` gives the Ibis
PySpark backend on a SparkSession (``settings.spark_master``: ``local[N]``, ``spark://host:7077``,
or a Spark Connect URL ``sc://host:15002``).
"""

from __future__ import annotations

import importlib.util
import shutil
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import EngineError

EngineName = Literal["duckdb", "spark"]

__all__ = [
    "EngineName",
    "connect",
    "engine_of",
    "memory_limit_bytes",
    "quiet_engine_warnings",
    "register_frame",
    "spark_session",
    "unregister_frame",
]


@contextmanager
def quiet_engine_warnings() -> Iterator[None]:
    """Silence deprecation warnings that pyspark 4.0 raises under pandas 3 (``copy=`` keyword,
    ``Pandas4Warning``) while it converts frames; they are pyspark's, not ours, to fix."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pyspark\..*")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\..*")
        warnings.filterwarnings("ignore", message=r".*copy keyword is deprecated.*")
        yield


_SPARK_SESSIONS: dict[str, Any] = {}


def connect(settings: Settings | None = None, engine: EngineName | None = None) -> BaseBackend:
    """An Ibis backend for ``engine`` (default ``settings.engine``).

    DuckDB gets ``memory_limit`` and ``threads`` from the settings and spills beyond the limit
    into ``<data_dir>/tmp`` (not the working directory's ``.tmp``). Spark reuses one
    SparkSession per master URL for the life of the process. Raises :class:`EngineError` when
    pyspark or Java is missing, with what to install.
    """
    settings = settings or get_settings()
    name = engine or settings.engine
    if name == "duckdb":
        spill = settings.data_dir / "tmp"
        spill.mkdir(parents=True, exist_ok=True)
        return ibis.duckdb.connect(
            memory_limit=settings.duckdb_memory_limit,
            threads=settings.duckdb_threads,
            temp_directory=str(spill.resolve()),
        )
    if name == "spark":
        session = spark_session(
            settings.spark_master,
            shuffle_partitions=settings.spark_shuffle_partitions,
            driver_memory=settings.spark_driver_memory,
            conf=settings.spark_conf,
        )
        return ibis.pyspark.connect(session)
    raise EngineError(
        f"unknown engine {name!r}",
        f"未知的计算引擎 {name!r}",
        hint_en="set CMON_ENGINE to duckdb or spark",
        hint_zh="请将 CMON_ENGINE 设为 duckdb 或 spark",
    )


def _require_spark() -> None:
    if importlib.util.find_spec("pyspark") is None:
        raise EngineError(
            "the Spark engine needs pyspark, which is not installed",
            "Spark 引擎需要 pyspark，但尚未安装",
            hint_en="pip install 'consumption-monitor[spark]' (pyspark 4.0, Java 17)",
            hint_zh="请执行 pip install 'consumption-monitor[spark]'（需 pyspark 4.0 与 Java 17）",
        )


def spark_session(
    master: str = "local[2]",
    *,
    shuffle_partitions: int | None = None,
    adaptive: bool = True,
    driver_memory: str | None = None,
    conf: Mapping[str, str] | None = None,
) -> Any:
    """The process-wide SparkSession for ``master`` (created once; Spark Connect for sc://).

    The session time zone is UTC because timestamps in the lake are naive Asia/Shanghai
    wall-clock times and must not be shifted by the JVM's zone. Tests pass
    ``shuffle_partitions=1, adaptive=False``: on tiny data, adaptive execution and many
    partitions only add stages. ``driver_memory`` sets ``spark.driver.memory`` (the JVM is
    started with it; skipped for Spark Connect) and ``conf`` adds any further settings, applied
    last. The settings take effect when the session is created: a second call for the same
    master returns the existing session unchanged.
    """
    if master in _SPARK_SESSIONS:
        return _SPARK_SESSIONS[master]
    _require_spark()
    if not master.startswith("sc://") and shutil.which("java") is None:
        raise EngineError(
            "the Spark engine needs a Java runtime (java not found on PATH)",
            "Spark 引擎需要 Java 运行环境（PATH 中找不到 java）",
            hint_en="install Java 17, e.g. apt-get install openjdk-17-jre-headless",
            hint_zh="请安装 Java 17，例如 apt-get install openjdk-17-jre-headless",
        )
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("consumption-monitor")
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.ansi.enabled": "false",
        "spark.sql.adaptive.enabled": str(adaptive).lower(),
    }
    if shuffle_partitions is not None:
        settings["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
        settings["spark.default.parallelism"] = str(shuffle_partitions)
    if driver_memory and not master.startswith("sc://"):
        settings["spark.driver.memory"] = driver_memory
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j/JVM start-up errors have no common base class
        raise EngineError(
            f"could not start Spark at {master}: {exc}",
            f"无法启动 Spark（{master}）：{exc}",
            hint_en="check Java 17 and CMON_SPARK_MASTER",
            hint_zh="请检查 Java 17 与 CMON_SPARK_MASTER 设置",
        ) from exc
    if not master.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    _SPARK_SESSIONS[master] = session
    return session


def engine_of(con: BaseBackend) -> EngineName:
    """``"duckdb"`` or ``"spark"`` for a backend made by :func:`connect`."""
    return "spark" if con.name == "pyspark" else "duckdb"


_UNITS = {
    "B": 1, "BYTES": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40,
}  # fmt: skip


def memory_limit_bytes(con: BaseBackend) -> int | None:
    """The memory a query of ``con`` may hold before it spills, in bytes; ``None`` for Spark.

    DuckDB reports its ``memory_limit`` as text (``"3.7 GiB"``, from ``CMON_DUCKDB_MEMORY_LIMIT``
    or 80 % of RAM); Spark's executors spill by their own rules, so there is no single figure.
    An unreadable DuckDB value also gives ``None``.
    """
    if engine_of(con) == "spark":
        return None
    # raw_sql hands back the connection itself: fetch everything, do not close it.
    text = str(con.raw_sql("SELECT current_setting('memory_limit')").fetchall()[0][0])
    number, _, unit = text.strip().partition(" ")
    try:
        return int(float(number) * _UNITS[unit.strip().upper() or "B"])
    except (KeyError, ValueError):
        return None


def register_frame(
    con: BaseBackend, name: str, df: Any, schema: ibis.Schema | None = None
) -> ibis.Table:
    """A pandas frame as a temporary table ``name`` of ``con``, materialised once (cached on
    Spark); an earlier table of that name is replaced (and uncached).

    Used for small in-memory inputs (tests, benchmarks, uploads, the card cells); the lake
    itself is read from Parquet by the store. ``schema`` fixes the column types, which an empty
    frame cannot show.
    """
    if engine_of(con) == "spark":
        session = con._session  # the backend's own SparkSession
        session.catalog.dropTempView(name)  # uncaches the frame it held
        spark_schema = None
        if schema is not None:
            from ibis.backends.pyspark.datatypes import PySparkSchema

            spark_schema = PySparkSchema.from_ibis(schema)
            df = df[list(schema.names)]  # Spark matches a schema to columns by position
        # pyspark's Arrow path cannot take pandas' Arrow-backed string columns (pandas 3).
        strings = [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)]
        df = df.astype(dict.fromkeys(strings, object)) if strings else df
        with quiet_engine_warnings():
            sdf = session.createDataFrame(df, schema=spark_schema)
        sdf.cache()
        sdf.createOrReplaceTempView(name)
        return con.table(name)
    return con.create_table(name, df, schema=schema, temp=True, overwrite=True)


def unregister_frame(con: BaseBackend, name: str) -> None:
    """Drop the temporary table ``name`` made by :func:`register_frame` (no error if absent)."""
    if engine_of(con) == "spark":
        con._session.catalog.dropTempView(name)
    else:
        con.drop_table(name, force=True)
