"""The facts every indicator expression may need, fixed for one run: :class:`Context`.

Built once per computation from the settings and the city's catalog (:func:`context`) and
passed, frozen, to the expression builders of :mod:`.steps`; nothing in it changes while a
computation runs. Its fields also enter the result's fingerprint (:func:`.steps.fingerprint`),
so a stored result computed under other settings is never refreshed incrementally.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import Settings


@dataclass(frozen=True)
class Context:
    """City code, MCC → card category map, the upgrade set, district names, privacy floors."""

    city: str
    mcc_map: Mapping[str, str]
    upgrade: tuple[str, ...]
    upgrade_note: str
    district_names: Mapping[str, str]
    min_merchants: int
    min_cards: int

    def fingerprint_data(self) -> dict[str, Any]:
        """The fields as plain JSON-able values (sets sorted), for the result's fingerprint."""
        return {
            "city": self.city,
            "mcc_map": dict(self.mcc_map),
            "upgrade": list(self.upgrade),
            "upgrade_note": self.upgrade_note,
            "district_names": dict(self.district_names),
            "min_merchants": self.min_merchants,
            "min_cards": self.min_cards,
        }


def context(settings: Settings) -> Context:
    """The run's :class:`Context` from ``settings`` and the city's catalog."""
    cat = load_catalog(settings.city)
    upgrade = cat.upgrade_set(settings.upgrade_categories)
    names = {c: cat.category(c).name_zh for c in upgrade}
    district_names: dict[str, str] = {}
    for d in cat.districts:
        for key in (d.code, d.name_zh, d.name_en):
            district_names[key] = d.code
    return Context(
        city=cat.city.code,
        mcc_map=MappingProxyType({m: cc.code for cc in cat.card_categories for m in cc.mcc}),
        upgrade=tuple(upgrade),
        upgrade_note="升级类 upgrade set: " + "、".join(names[c] for c in upgrade),
        district_names=MappingProxyType(district_names),
        min_merchants=int(settings.min_cell_merchants),
        min_cards=int(settings.min_cell_cards),
    )


__all__ = ["Context", "context"]
