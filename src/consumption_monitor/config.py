"""One settings object, validated at start-up.

Every setting is declared once with its help text; ``cmon config`` and ``docs/settings.md`` are
generated from these declarations. Values come from the environment with the ``CMON_`` prefix
(``CMON_DATA_DIR``, ``CMON_DATABASE_URL``…) or from a ``.env`` file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from consumption_monitor.errors import ConfigError

#: Secret shipped for local development and the demo only; refused in production.
PLACEHOLDER_SECRET = "change-me-dev-only"  # noqa: S105 - documented placeholder, refused in prod


class Settings(BaseSettings):
    """Platform settings. Field descriptions are the user-facing help text."""

    model_config = SettingsConfigDict(
        env_prefix="CMON_", env_file=".env", extra="ignore", validate_default=True
    )

    mode: Literal["development", "demo", "production"] = Field(
        "development", description="Run mode; production refuses placeholder secrets."
    )
    data_dir: Path = Field(
        Path("cmon-data"), description="Folder holding the Parquet lake and the SQLite metadata DB."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the metadata database; default: a SQLite file in data_dir. "
        "Use postgresql+psycopg://user:pass@host/db for PostgreSQL.",
    )
    lake_url: str | None = Field(
        None,
        description="Where the Parquet lake lives: s3://bucket/prefix, oss://bucket/prefix, "
        "hdfs://namenode:8020/path or file:///abs/path; default: data_dir/lake on local disk. "
        "Object stores need the object-store extra (docs/deployment.md).",
    )
    lake_storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Options of the lake's fsspec filesystem as a JSON object, e.g. "
        '{"endpoint_url": "http://127.0.0.1:9000", "key": "...", "secret": "..."} for s3fs.',
    )
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb",
        description="Compute engine: embedded DuckDB, or Spark for data beyond one machine.",
    )
    spark_master: str = Field(
        "local[2]",
        description="Spark master URL (local[N], spark://host:7077) or Spark Connect sc://.",
    )
    spark_driver_memory: str = Field(
        "2g",
        description="spark.driver.memory (JVM heap of the driver; in local mode it also runs the "
        "executors). Ignored for Spark Connect, whose server sets its own.",
    )
    spark_shuffle_partitions: int | None = Field(
        None,
        ge=1,
        description="spark.sql.shuffle.partitions; default Spark's own (200, coalesced by "
        "adaptive execution). About 2-3 per executor core suits a city's lake.",
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description='Further Spark settings as a JSON object, e.g. {"spark.executor.memory": '
        '"8g"}; applied last, so they win over the settings above.',
    )
    duckdb_memory_limit: str = Field(
        "4GB", description="DuckDB memory_limit; DuckDB spills to disk beyond it."
    )
    duckdb_threads: int = Field(2, ge=1, description="DuckDB worker threads.")
    plan_path: Path | None = Field(
        None, description="Action-plan YAML to load instead of the bundled Tianjin plan."
    )
    city: str = Field("tianjin", description="City whose bundled dimension catalog is used.")
    lang: Literal["zh", "en"] = Field("zh", description="Default language of user-facing text.")
    money_unit: Literal["yuan", "wan", "yi", "auto"] = Field(
        "auto", description="How money is shown: 元, 万元, 亿元, or auto (亿 for large values)."
    )
    upgrade_categories: list[str] | None = Field(
        None,
        description="升级类 commodity categories (codes or names). None uses the practice default "
        "printed beside every upgrade figure.",
    )
    min_cell_merchants: int = Field(
        3, ge=1, description="Privacy: minimum merchants behind a published card-data cell."
    )
    min_cell_cards: int = Field(
        10, ge=1, description="Privacy: minimum distinct cards behind a published card-data cell."
    )
    secret_key: str = Field(
        PLACEHOLDER_SECRET, description="Key for session cookies and CSRF tokens (keep secret)."
    )
    secure_cookies: bool = Field(False, description="Mark session cookies Secure (behind HTTPS).")
    host: str = Field("127.0.0.1", description="Address `cmon serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `cmon serve` listens on.")
    max_errors: int = Field(50, ge=1, description="Most validation errors listed in one report.")
    report_interval_minutes: int = Field(
        60, ge=0, description="How often `cmon serve` runs the report schedule (0: never)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.mode == "production" and (
            self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "CMON_SECRET_KEY must be set to a random string of at least 32 characters "
                "in production"
            )
        return self

    @property
    def lake_dir(self) -> Path:
        """Root of a local Parquet lake (an object-store lake: ``consumption_monitor.store.fs``)."""
        if self.lake_url and self.lake_url.startswith("file://"):
            return Path(self.lake_url.removeprefix("file://"))
        return self.data_dir / "lake"

    @property
    def metadata_url(self) -> str:
        """The metadata DB URL, defaulting to ``sqlite:///<data_dir>/metadata.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'metadata.db').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment plus ``overrides``; raise :class:`ConfigError`.

    >>> load_settings(data_dir="/tmp/x").lake_dir.as_posix()
    '/tmp/x/lake'
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        env = f"CMON_{field.upper()}" if field else "the CMON_* variables"
        raise ConfigError(
            f"invalid setting {field or 'combination'}: {first['msg']}",
            f"配置项 {field or '组合'} 无效：{first['msg']}",
            hint_en=f"fix {env} in the environment or .env",
            hint_zh=f"请修改环境变量或 .env 中的 {env}",
        ) from exc
    except SettingsError as exc:  # a complex value (JSON object or list) that does not parse
        m = re.search(r'field "(\w+)"', str(exc))
        env = f"CMON_{m.group(1).upper()}" if m else "the CMON_* variables"
        raise ConfigError(
            f"invalid setting {env}: not valid JSON ({exc})",
            f"配置项 {env} 无效：不是有效的 JSON（{exc}）",
            hint_en=f'write {env} as a JSON object, e.g. {{"key": "value"}}',
            hint_zh=f'请将 {env} 写成 JSON 对象，例如 {{"key": "value"}}',
        ) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (cached); tests build their own with :func:`load_settings`."""
    return load_settings()


def settings_markdown() -> str:
    """The settings reference (docs/settings.md), generated from the declarations above."""
    lines = [
        "# Settings",
        "",
        "Generated from `consumption_monitor.config.Settings` by `make docs`; a test fails when",
        "this page is stale. Set each one in the environment (or a `.env` file) with the",
        "`CMON_` prefix, e.g. `CMON_DATA_DIR=/srv/cmon`.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        if name == "secret_key":
            default = "(placeholder; refused in production)"
        shown = "" if default is None else str(default)
        lines.append(f"| `CMON_{name.upper()}` | `{shown}` | {field.description or ''} |")
    return "\n".join(lines) + "\n"
