"""Alembic environment, run programmatically by :func:`consumption_monitor.store.db.upgrade`.

The caller passes an open connection in ``config.attributes["connection"]``; there is no
``alembic.ini`` and no logging configuration here. Importing this file outside Alembic (doctest
collection does) runs nothing.
"""

from __future__ import annotations

from alembic import context

from consumption_monitor.store.db import Base, import_model_modules


def run_migrations() -> None:
    """Run the pending revisions on the connection the caller handed over."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through consumption_monitor.store.db.upgrade(url)")
    if context.config.attributes.get("autogenerate"):
        import_model_modules()  # every package's tables; plain upgrades need none of them
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # only when Alembic executes this file
    run_migrations()
