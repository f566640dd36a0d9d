"""Typed models of the dimension catalog: districts, 商圈, categories, industries, MCC, datasets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ColumnType = Literal["string", "int", "float", "date", "timestamp", "period"]
MoneyUnit = Literal["yuan", "wan_yuan", "yi_yuan"]
CheckKind = Literal[
    "uscc", "district", "region", "category", "industry", "mcc", "business_district",
    "indicator", "unit", "task", "enum",
]  # fmt: skip


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class District(_Frozen):
    """One district (区) with its GB/T 2260 admin code."""

    code: str = Field(pattern=r"^\d{6}$")
    name_zh: str
    name_en: str
    area_type: str
    population_10k: float = Field(gt=0, description="Approximate resident population, 10,000s.")
    commerce_weight: float = Field(gt=0, description="Relative commerce size (simulator weight).")

    @property
    def weight(self) -> float:
        """Alias of ``commerce_weight`` used by the simulator."""
        return self.commerce_weight


class City(_Frozen):
    """The city itself (admin code and names)."""

    code: str
    name_zh: str
    name_en: str
    aliases: list[str] = Field(default_factory=list)


class BusinessDistrict(_Frozen):
    """A 商圈 and the district it lies in."""

    id: str
    name_zh: str
    name_en: str
    district: str
    landmark: bool = False
    district_center: bool = False
    named_in_plan: bool = False


class Category(_Frozen):
    """An NBS commodity category (限额以上单位商品零售类值) or an "of which" item (``parent``)."""

    code: str
    name_zh: str
    name_en: str
    aliases: list[str] = Field(default_factory=list)
    local: bool = False
    parent: str | None = None


class Industry(_Frozen):
    """A GB/T 4754-2017 section or division."""

    code: str
    name_zh: str
    name_en: str
    parent: str | None = None
    consumption_core: bool = False
    consumption_optional: bool = False
    quarterly_gdp: bool = False


class CardCategory(_Frozen):
    """A card-spending category and the MCCs it groups."""

    code: str
    name_zh: str
    name_en: str
    service: bool = False
    nbs: str | None = None
    mcc: list[str]


class IndicatorName(_Frozen):
    """An indicator as named in releases: code, official Chinese name, aliases, unit."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    aliases: list[str] = Field(default_factory=list)


class Column(_Frozen):
    """One column of a dataset schema."""

    name: str
    zh: str
    aliases: list[str] = Field(default_factory=list)
    type: ColumnType
    required: bool = False
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    check: CheckKind | None = None
    values: list[str] | None = None
    labels_zh: dict[str, str] | None = None
    description: str = ""


class Dataset(_Frozen):
    """A dataset of the lake: its columns, natural key and period column."""

    name: str
    name_zh: str
    name_en: str
    side: str
    grain: str
    key: list[str]
    period_column: str
    jan_feb_combined: bool = False
    versioned: bool = Field(
        False,
        description="Later vintages supersede earlier rows with the same key (revisions); "
        "False means batches only append rows.",
    )
    columns: list[Column]

    def column(self, name: str) -> Column:
        """The column called ``name`` (canonical name)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        """Canonical column names in schema order."""
        return [c.name for c in self.columns]
