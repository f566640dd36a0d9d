"""Published and unpublished batches: who reads their rows, and publishing (#21).

A unit's unpublished batch is read only by a viewer of that unit and by :data:`EVERY_BATCH`;
the default reader of a :class:`Store` (the city's published figures) does not see it until
:meth:`Store.publish`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pyarrow as pa
import pytest

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConflictError
from consumption_monitor.store import EVERY_BATCH, PUBLISHED_ONLY, Store, Viewer

Official = Callable[[list[tuple[str, str, float | None]]], pa.Table]


def _rows(settings: Settings, viewer: Viewer) -> set[float]:
    with Store(settings, viewer=viewer) as store:
        return set(store.read_arrow("official_stats", columns=["value"])["value"].to_pylist())


def test_an_unpublished_batch_is_read_by_its_unit_only_until_published(
    store: Store, settings: Settings, make_official: Official
) -> None:
    city = make_official([("120000", "2025-01", 1.0)])
    unit = make_official([("120101", "2025-01", 2.0)])
    store.write_batch("official_stats", city, vintage=date(2025, 2, 1), content_hash="a",
                      source="city.csv")  # fmt: skip
    batch = store.write_batch(
        "official_stats", unit, vintage=date(2025, 2, 1), content_hash="b", source="hp.csv",
        loaded_by="heping", published=False, owner_unit="120101",
    )  # fmt: skip
    assert not batch.published and batch.owner_unit == "120101"
    assert _rows(settings, PUBLISHED_ONLY) == {1.0}
    assert _rows(settings, Viewer(units=frozenset({"120102"}))) == {1.0}
    assert _rows(settings, Viewer(units=frozenset({"120101"}))) == {1.0, 2.0}
    assert _rows(settings, EVERY_BATCH) == {1.0, 2.0}
    with Store(settings) as default:
        assert [b.id for b in default.visible_batches("official_stats")] == [batch.id - 1]

    done = store.publish(batch.id, by="office")
    assert done.published and done.published_by == "office" and done.published_at is not None
    assert _rows(settings, PUBLISHED_ONLY) == {1.0, 2.0}
    with pytest.raises(ConflictError, match="already published"):
        store.publish(batch.id, by="office")


def test_a_reverted_batch_cannot_be_published(store: Store, make_official: Official) -> None:
    table = make_official([("120101", "2025-01", 2.0)])
    batch = store.write_batch(
        "official_stats", table, vintage=date(2025, 2, 1), content_hash="c", source="hp.csv",
        published=False, owner_unit="120101",
    )  # fmt: skip
    store.revert(batch.id, by="office", reason="wrong file")
    with pytest.raises(ConflictError, match="reverted"):
        store.publish(batch.id, by="office")
