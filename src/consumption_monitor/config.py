"""One settings object, validated at start-up.

Every setting is declared once with its help text; ``cmon config`` and ``docs/settings.md`` are
generated from these declarations. Values come from the environment with the ``CMON_`` prefix
(``CMON_DATA_DIR``, ``CMON_DATABASE_URL``…) or from a ``.env`` file.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from consumption_monitor.errors import ConfigError

#: A secret once shipped as the default and therefore public: refused in every mode.
PLACEHOLDER_SECRET = "change-me-dev-only"  # noqa: S105 - a published value, refused everywhere
#: Keys that are public knowledge (published defaults); no server signs with them.
PUBLISHED_SECRETS = frozenset({PLACEHOLDER_SECRET, "changeme", "secret", "change-me"})
#: File in ``data_dir`` holding the key generated on first start when none is configured.
SECRET_FILE = "secret_key"  # noqa: S105 - a file name
#: Production keys: at least this many characters and this many bits of estimated entropy.
MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 100


def estimated_bits(key: str) -> float:
    """Shannon estimate of the key's entropy: ``len(key) * H``, where ``H`` is the empirical
    entropy per character. 32 spaces give 0; ``secrets.token_urlsafe(48)`` about 330; 32 hex
    digits of ``secrets.token_hex(16)`` about 115-125.

    >>> estimated_bits(" " * 32)
    0.0
    >>> round(estimated_bits("ab" * 16))
    32
    """
    if not key:
        return 0.0
    n = len(key)
    h = -sum(c / n * math.log2(c / n) for c in Counter(key).values())
    return max(0.0, h * n)


def secret_weakness(key: str) -> str | None:
    """Why ``key`` is unfit to sign production sessions, or ``None`` if it is fit."""
    if key.strip().lower() in PUBLISHED_SECRETS:
        return "it is a published placeholder"
    if len(key) < MIN_SECRET_LENGTH:
        return f"it has {len(key)} characters (at least {MIN_SECRET_LENGTH} needed)"
    bits = estimated_bits(key)
    if bits < MIN_SECRET_BITS:
        return f"it has about {bits:.0f} bits of entropy (at least {MIN_SECRET_BITS} needed)"
    return None


class Settings(BaseSettings):
    """Platform settings. Field descriptions are the user-facing help text."""

    model_config = SettingsConfigDict(
        env_prefix="CMON_", env_file=".env", extra="ignore", validate_default=True
    )

    mode: Literal["development", "demo", "production"] = Field(
        "development", description="Run mode; production refuses placeholder secrets."
    )
    timezone: str = Field(
        "Asia/Shanghai",
        description="IANA time zone of every date the platform stamps (vintages, as-of dates, "
        "result labels, deadlines); read by consumption_monitor.clock.",
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
    secret_key: str | None = Field(
        None,
        description="Key for session cookies and CSRF tokens (keep secret). Unset outside "
        "production: `cmon serve` and `cmon demo` generate a random one into "
        "data_dir/secret_key on first start. Production requires 32+ characters with 100+ bits "
        "of estimated entropy; a published placeholder is refused in every mode.",
    )
    secure_cookies: bool = Field(
        False,
        description="Mark session cookies Secure (behind HTTPS); always on in production, "
        "which also sends Strict-Transport-Security.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or CIDR networks, JSON list) whose "
        'X-Forwarded-For header gives the real client address, e.g. ["127.0.0.1"]; from any '
        "other peer the header is ignored. Sign-in throttles count per real address.",
    )
    password_check_slots: int = Field(
        4,
        ge=1,
        description="Most Argon2 password checks run at once (64 MiB each); further sign-ins "
        "wait briefly, then are refused with 503 instead of exhausting memory.",
    )
    host: str = Field("127.0.0.1", description="Address `cmon serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `cmon serve` listens on.")
    max_errors: int = Field(50, ge=1, description="Most validation errors listed in one report.")
    upload_quota_mb: int = Field(
        2048,
        ge=0,
        description="Disk space (MiB) one user's kept uploads may use under data_dir/uploads; an "
        "upload beyond it is refused with 413 (0: no quota). Refused uploads are deleted and "
        "do not count; their problem report is kept.",
    )
    report_interval_minutes: int = Field(
        60, ge=0, description="How often `cmon serve` runs the report schedule (0: never)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"CMON_TIMEZONE {self.timezone!r} is not an IANA time zone (e.g. Asia/Shanghai)"
            ) from None
        key = self.secret_key
        if key is not None and key.strip().lower() in PUBLISHED_SECRETS:
            raise ValueError(
                "CMON_SECRET_KEY is a published placeholder; unset it (a random key is then "
                "generated into the data folder) or set a random one"
            )
        if self.mode == "production":
            if key is None:
                raise ValueError("CMON_SECRET_KEY must be set in production")
            if (why := secret_weakness(key)) is not None:
                raise ValueError(
                    f"CMON_SECRET_KEY is too weak for production: {why}; generate one with "
                    'python -c "import secrets; print(secrets.token_urlsafe(48))"'
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


def with_secret_key(settings: Settings) -> Settings:
    """``settings`` with a signing key: the configured one, else the key kept in
    ``data_dir/secret_key``, generated (256 random bits, file mode 0600) on first start.

    Production never generates one (the validator already refused an unset key there). Two
    processes starting at once agree on one key: the file is created exclusively and the loser
    reads the winner's.
    """
    if settings.secret_key is not None:
        return settings
    if settings.mode == "production":
        raise ConfigError(
            "CMON_SECRET_KEY must be set in production",
            "生产模式下必须设置 CMON_SECRET_KEY",
            hint_en="generate one with python -c "
            '"import secrets; print(secrets.token_urlsafe(48))"',
            hint_zh='请用 python -c "import secrets; print(secrets.token_urlsafe(48))" 生成',
        )
    path = settings.data_dir / SECRET_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_text("utf-8").strip()
        else:
            key = secrets.token_urlsafe(48)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(key + "\n")
    except OSError as exc:
        raise ConfigError(
            f"cannot read or create the session key file {path}: {exc}",
            f"无法读取或创建会话密钥文件 {path}：{exc}",
            hint_en="make the data folder writable, or set CMON_SECRET_KEY",
            hint_zh="请确保数据目录可写，或设置 CMON_SECRET_KEY",
        ) from exc
    if (why := secret_weakness(key)) is not None:
        raise ConfigError(
            f"the session key in {path} is unfit: {why}",
            f"{path} 中的会话密钥不合格：{why}",
            hint_en="delete the file (a new key is generated; everyone signs in again)",
            hint_zh="请删除该文件（将生成新密钥，所有用户需重新登录）",
        )
    return settings.model_copy(update={"secret_key": key})


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
            default = "(unset: generated into data_dir/secret_key; required in production)"
        shown = "" if default is None else str(default)
        lines.append(f"| `CMON_{name.upper()}` | `{shown}` | {field.description or ''} |")
    return "\n".join(lines) + "\n"
