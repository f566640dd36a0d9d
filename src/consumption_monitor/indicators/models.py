"""Typed model of one computed indicator (definition, unit, bases, sources, formula, links).

The names (code, official Chinese name, aliases, unit) are the catalog's
:class:`~consumption_monitor.catalog.models.IndicatorName`; an :class:`Indicator` is that entry
plus how the engine computes it, read from the same file (``catalog/data/indicators.yaml``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from consumption_monitor.catalog.models import BASES, Basis, IndicatorName

__all__ = ["BASES", "Basis", "Indicator", "Kind"]

Kind = Literal[
    "official", "official_ratio", "contribution", "enterprise_sum", "enterprise_share",
    "card_sum", "card_count", "card_night_share", "key_enterprise_sum", "registry_count",
    "unit_report", "card_subset",
]  # fmt: skip


class Indicator(IndicatorName):
    """One indicator: what it measures (口径), how it is computed and what it is linked to."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    computed: bool = True
    definition_zh: str
    definition_en: str
    frequency: Literal["daily", "monthly", "quarterly", "annual"]
    bases: list[Basis] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    formula: str
    direction: Literal["up", "down", "none"] = "up"
    kind: Kind
    label: str | None = Field(None, description="Series label printed beside the figure.")
    params: dict[str, Any] = Field(default_factory=dict)
    targets: list[str] = Field(default_factory=list, description="Plan target ids.")
    units: list[str] = Field(default_factory=list, description="Responsible unit codes.")

    def name(self, lang: str = "zh") -> str:
        """Display name, with the series label when there is one."""
        base = self.name_zh if lang == "zh" else self.name_en
        return f"{base} [{self.label}]" if self.label and self.label not in base else base

    def definition(self, lang: str = "zh") -> str:
        """The 口径 text in ``lang``."""
        return self.definition_zh if lang == "zh" else self.definition_en
