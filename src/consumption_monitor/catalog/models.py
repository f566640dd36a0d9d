"""Typed models of the dimension catalog: districts, 商圈, categories, industries, MCC, datasets."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The time basis of a value: a single month, year to date, a quarter, a year. Declared once here
#: (the lowest layer that needs it); ingestion, the engine, the API and the pages import it.
Basis = Literal["month", "ytd", "quarter", "year"]
#: Every basis, in display order.
BASES: tuple[Basis, ...] = ("month", "ytd", "quarter", "year")

ColumnType = Literal["string", "int", "float", "date", "timestamp", "period"]
MoneyUnit = Literal["yuan", "wan_yuan", "yi_yuan"]
CheckKind = Literal[
    "uscc", "district", "region", "category", "industry", "mcc", "business_district",
    "indicator", "unit", "task", "enum",
]  # fmt: skip


#: Catalog column type → Arrow type (the one map; ``Dataset.arrow_schema`` uses it).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "period": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    # Naive wall-clock time in Asia/Shanghai, as datasets.yaml describes txn_ts.
    "timestamp": pa.timestamp("us"),
}


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
    #: Year from which the 商圈 counts as a landmark (地标商圈) for T-landmark-districts.
    landmark_since: int | None = Field(None, ge=2000, le=2100)
    #: Where the landmark flag comes from (the plan's text, a designation, a starter list).
    landmark_source: str | None = None

    @model_validator(mode="after")
    def _landmark_has_a_source(self) -> BusinessDistrict:
        if self.landmark and (self.landmark_since is None or not self.landmark_source):
            raise ValueError(
                f"商圈 {self.id}: landmark: true needs landmark_since and landmark_source"
            )
        if not self.landmark and (self.landmark_since is not None or self.landmark_source):
            raise ValueError(f"商圈 {self.id}: landmark_since/landmark_source need landmark: true")
        return self


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
    """An indicator as named in releases: code, official Chinese name, aliases, unit.

    Every entry of ``catalog/data/indicators.yaml`` is one; the entries with ``computed: true``
    also carry their computation (``consumption_monitor.indicators.Indicator``). ``aliases``
    hold what bureaus and people write for it: 简称 (社零), 口径 variants, English names.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_A-Z]*$")
    name_zh: str
    name_en: str
    unit: str
    aliases: list[str] = Field(default_factory=list)
    computed: bool = Field(False, description="The indicator engine computes it (cmon compute).")
    definition_zh: str = Field("", description="口径 in Chinese.")
    definition_en: str = Field("", description="The definition in English.")
    frequency: Literal["daily", "monthly", "quarterly", "annual"] | None = Field(
        None,
        description="How often it is released; decides the stored period form "
        "(ingest/periods.py). Required for computed indicators.",
    )


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
    #: The note a template's 填写说明 sheet prints, in plain Chinese (``description`` is English).
    description_zh: str = ""


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

    def arrow_schema(self, *, relaxed: bool = False) -> pa.Schema:
        """The Arrow schema of the dataset's rows: canonical names and types, in schema order.

        Required columns are non-nullable, as the lake stores them. ``relaxed=True`` makes every
        field nullable, for cells still under validation (a missing required cell is reported
        as a located problem, not as an Arrow error).

        >>> from consumption_monitor.catalog import load_catalog
        >>> ds = load_catalog().dataset("events")
        >>> ds.arrow_schema().field("attendance").type
        DataType(int64)
        >>> [ds.arrow_schema(relaxed=r).field("event_id").nullable for r in (False, True)]
        [False, True]
        """
        return pa.schema(
            [
                pa.field(c.name, ARROW_TYPES[c.type], nullable=relaxed or not c.required)
                for c in self.columns
            ]
        )

    @property
    def column_names(self) -> list[str]:
        """Canonical column names in schema order."""
        return [c.name for c in self.columns]
