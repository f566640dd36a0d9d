"""Typed model of one catalog indicator (definition, unit, bases, sources, formula, links)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Basis = Literal["month", "ytd", "quarter", "year"]
Kind = Literal[
    "official", "official_ratio", "contribution", "enterprise_sum", "enterprise_share",
    "card_sum", "card_count", "card_night_share", "key_enterprise_sum", "registry_count",
    "unit_report",
]  # fmt: skip

#: Every basis the engine knows, in display order.
BASES: tuple[Basis, ...] = ("month", "ytd", "quarter", "year")


class Indicator(BaseModel):
    """One indicator: what it measures (口径), how it is computed and what it is linked to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    unit: str
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
