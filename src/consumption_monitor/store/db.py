"""The metadata database: engine factory, session factory, declarative ``Base`` and migrations.

SQLite (a file in ``data_dir``) is the default; PostgreSQL is used when
``CMON_DATABASE_URL=postgresql+psycopg://user:pass@host/db``. Every module that keeps tables in
the metadata DB (users, submissions, audit log…) declares them on :class:`Base` and adds an
Alembic revision under ``store/migrations/versions``; :func:`upgrade` brings a database to head.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from consumption_monitor.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Deterministic constraint names so Alembic revisions are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every table of the metadata database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run while one process loads a batch; foreign keys are off by default.
    if isinstance(dbapi_conn, sqlite3.Connection):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode, foreign keys and a 30 s busy timeout.

    The parent folder of a SQLite file is created. The caller disposes the engine
    (``engine.dispose()``) when done so no connection outlives it.
    """
    try:
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ConfigError(
            f"cannot use metadata database URL {_redact(url)!r}: {exc}",
            f"无法使用元数据库地址 {_redact(url)!r}：{exc}",
            hint_en="set CMON_DATABASE_URL to sqlite:///path.db or postgresql+psycopg://user@host/db",
            hint_zh="请将 CMON_DATABASE_URL 设为 sqlite:///path.db 或 postgresql+psycopg://user@host/db",
        ) from exc


def _redact(url: str) -> str:
    """The URL with any password replaced by ``***``.

    >>> _redact("postgresql+psycopg://u:secret@h/db")
    'postgresql+psycopg://u:***@h/db'
    """
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{scheme}://{creds}@{host}"
    return url


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def import_model_modules() -> list[str]:
    """Import every ``consumption_monitor.<package>.models`` module so ``Base.metadata`` is full.

    Tables are declared next to the code that owns them (``store/models.py``,
    ``auth/models.py``…); Alembic's autogenerate and the migration test compare the migrations
    against the union of them all.
    """
    import importlib

    root = Path(__file__).resolve().parents[1]
    names = sorted(p.parent.name for p in root.glob("*/models.py"))
    for name in names:
        importlib.import_module(f"consumption_monitor.{name}.models")
    return names


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (Alembic, run programmatically).

    No ``alembic.ini`` is needed: the script location is this package's ``migrations`` folder.
    Running it on an up-to-date database is a cheap no-op.
    """
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        raise ConfigError(
            f"cannot migrate the metadata database {_redact(url)!r}: {exc}",
            f"元数据库 {_redact(url)!r} 迁移失败：{exc}",
            hint_en="check that the database server runs and the URL, user and password are right",
            hint_zh="请检查数据库服务是否运行、地址及账号密码是否正确",
        ) from exc
    finally:
        engine.dispose()


def autogenerate_revision(url: str, message: str, rev_id: str) -> None:
    """Developer helper: write a new revision from the difference between models and ``url``.

    ``url`` must point to a database already at head; review the generated file before use.
    """
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["autogenerate"] = True
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
    finally:
        engine.dispose()
