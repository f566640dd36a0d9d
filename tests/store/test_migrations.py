"""The Alembic migrations create exactly the tables the models declare (SQLite + PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from consumption_monitor.store import Base, make_engine, upgrade
from consumption_monitor.store.db import import_model_modules


def test_upgrade_is_idempotent_and_matches_the_models(metadata_url: str) -> None:
    assert "store" in import_model_modules()
    upgrade(metadata_url)
    upgrade(metadata_url)  # a second run is a no-op, not an error
    engine = make_engine(metadata_url)
    try:
        with engine.connect() as conn:
            assert "batches" in inspect(conn).get_table_names()
            ctx = MigrationContext.configure(conn)
            assert ctx.get_current_revision() is not None
            diff = compare_metadata(ctx, Base.metadata)
            assert diff == [], diff
    finally:
        engine.dispose()
