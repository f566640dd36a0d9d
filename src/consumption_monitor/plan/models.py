"""Typed models of an action plan: parts, groups, tasks, safeguards, targets, units.

The models validate one entry at a time; cross-references (unknown unit, orphan target,
duplicate id) are checked by :mod:`consumption_monitor.plan.loader`, which knows the file and
turns every problem into a located :class:`~consumption_monitor.errors.PlanError`.

Target values are exact: ``三分之一`` is stored as ``Fraction(1, 3)``, ``2.5`` as ``Fraction(5, 2)``
(a YAML float is read through its decimal text, never through binary floating point).
"""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from consumption_monitor.errors import Location, PlanError

#: Years a plan file may mention at all; a year outside is a typo, not a plan.
MIN_YEAR, MAX_YEAR = 2000, 2100


class TargetKind(StrEnum):
    """What sort of goal one target value is."""

    LEVEL = "level"  # a level reached by a year (达到/突破 N)
    SHARE = "share"  # a share, in percent or as an exact fraction (三分之一)
    NEW_IN_YEAR = "new_in_year"  # items added or held within one year (新增/全年举办)
    CUMULATIVE = "cumulative"  # a count accumulated over a span of years (累计)
    ANNUAL = "annual"  # the same goal in every year of a span (每年/年举办)
    STOCK = "stock"  # a stock to keep at or above a level (保持在…以上)
    RANK = "rank"  # national standing: rank or share of the national total (全国领先/首位)
    TREND = "trend"  # a direction only (稳步提升/显著提升)
    MILESTONE = "milestone"  # a qualitative milestone (如期完成)
    PARITY = "parity"  # growth in step with a reference indicator (与GDP增速保持同步)
    GROWTH = "growth"  # a growth rate for the year (增长X%、增速不低于X%、高于X%), in percent


#: Comparators a target value may use. ``maintain`` keeps a level already reached; ``rank`` is
#: a national standing given in words or as a rank number; ``trend`` is a direction.
Comparator = Literal[">=", ">", "<=", "<", "=", "maintain", "rank", "trend"]

#: Comparators that need a numeric value (``=`` and ``maintain`` may hold a worded level).
NUMERIC_COMPARATORS: frozenset[str] = frozenset({">=", ">", "<=", "<"})


def _to_fraction(raw: object) -> Fraction | None:
    """Read ``20``, ``"2.5"``, ``2.5`` or ``"1/3"`` as an exact fraction.

    Raises ``ValueError`` (reported by pydantic with the field's location) for anything else,
    including booleans and text such as ``"lots"``.

    >>> _to_fraction(0.2), _to_fraction("1/3"), _to_fraction(None)
    (Fraction(1, 5), Fraction(1, 3), None)
    """
    if raw is None or isinstance(raw, Fraction):
        return raw
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        text = repr(raw) if isinstance(raw, float) else str(raw).strip()
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            pass
    raise ValueError(f"value must be a number or a fraction like 1/3, got {raw!r}")


def _fraction_out(value: Fraction) -> int | float | str:
    """JSON form: an int when whole, a float when a short decimal, else ``"p/q"``."""
    if value.denominator == 1:
        return value.numerator
    as_float = float(value)
    if Fraction(repr(as_float)) == value:
        return as_float
    return f"{value.numerator}/{value.denominator}"


ExactNumber = Annotated[
    Fraction,
    BeforeValidator(_to_fraction),
    PlainSerializer(_fraction_out, return_type=int | float | str),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanInfo(_Model):
    """The plan's header: who issued it, for which city and years, where its units are."""

    id: str = Field(min_length=1)
    city_zh: str
    city_en: str
    title_zh: str
    title_en: str
    issued: str | None = None
    issuer_zh: str | None = None
    period: tuple[int, int]
    units_file: str = Field(min_length=1)
    overall_goal_zh: str = ""
    overall_goal_en: str = ""

    @model_validator(mode="after")
    def _period_ordered(self) -> PlanInfo:
        start, end = self.period
        if not (MIN_YEAR <= start <= end <= MAX_YEAR):
            raise ValueError(f"period must be two years start <= end, got {start}..{end}")
        return self


class Part(_Model):
    """A part of the task list (一、二、三)."""

    id: int = Field(ge=1)
    numeral: str
    title_zh: str
    title_en: str


class Group(_Model):
    """A group of tasks (（一）…（十六）) within a part."""

    id: int = Field(ge=1)
    part: int
    numeral: str
    title_zh: str
    title_en: str


class Task(_Model):
    """One numbered task (重点举措) of the annex, as written in the plan file.

    ``units`` lists the 责任单位 cell's names in order, as written (the first is the lead unit);
    collective phrases (各区人民政府) and suffixes (等有关部门) are resolved by the loader into
    :attr:`links`. ``goals_zh`` holds the 工作目标 cells verbatim, keyed ``"2025"``, ``"2027"``,
    or ``"2025-2027"`` for a cell spanning both year columns.
    """

    id: int = Field(ge=1)
    group: int
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    measures_zh: str = Field(min_length=1)
    measures_en: str = ""
    goals_zh: dict[str, str] = Field(default_factory=dict)
    units: list[str] = Field(min_length=1)
    links: tuple[UnitLink, ...] = ()

    @property
    def lead_unit(self) -> str | None:
        """Code of the lead unit (the first listed), or ``None`` before resolution."""
        return self.links[0].unit if self.links else None


class UnitLink(_Model):
    """A resolved link from a task (or safeguard item) to one unit.

    ``via`` records how the unit got there: named directly, or expanded from 各区人民政府
    (``all_districts``) or 有关区人民政府 (``relevant_districts``). ``and_others`` is true when
    the cell entry ended in 等有关部门. ``position`` is the 1-based place of the cell entry.
    """

    unit: str
    position: int = Field(ge=1)
    phrase: str
    via: Literal["named", "all_districts", "relevant_districts"] = "named"
    and_others: bool = False

    @property
    def is_lead(self) -> bool:
        """The first listed entry of the cell leads the task."""
        return self.position == 1


class SafeguardItem(_Model):
    """One item of the annex's 保障措施, e.g. ``S4-2``."""

    id: str = Field(pattern=r"^S\d+-\d+$")
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str = ""
    units: list[str] = Field(min_length=1)
    links: tuple[UnitLink, ...] = ()


class SafeguardGroup(_Model):
    """One safeguard group (四、（一）…（六）) with its items."""

    id: str = Field(pattern=r"^S\d+$")
    numeral: str
    title_zh: str
    title_en: str
    items: list[SafeguardItem] = Field(min_length=1)


class TargetValue(_Model):
    """One dated goal of a target: a single ``year`` or a multi-year ``span`` (inclusive).

    ``value`` is exact (see module doc) and may be absent for trend, milestone, parity and
    worded ranks, which keep their wording in ``value_text``. ``source`` is the verbatim wording.
    """

    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    span: tuple[int, int] | None = None
    kind: TargetKind
    comparator: Comparator
    value: ExactNumber | None = None
    value_text: str | None = None
    unit: str | None = None
    unit_en: str | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> TargetValue:
        if (self.year is None) == (self.span is None):
            raise ValueError("give exactly one of year (one year) or span ([start, end])")
        if self.span is not None:
            start, end = self.span
            if not (MIN_YEAR <= start < end <= MAX_YEAR):
                raise ValueError(
                    f"span must be [start, end] with start < end, got {list(self.span)}"
                )
        if self.comparator in NUMERIC_COMPARATORS and self.value is None:
            raise ValueError(f"comparator {self.comparator!r} needs a numeric value")
        if self.kind in (TargetKind.CUMULATIVE, TargetKind.ANNUAL) and self.span is None:
            raise ValueError(f"a {self.kind.value} target needs a span of years")
        if self.value is None and not self.value_text:
            raise ValueError("give a value or a value_text")
        return self

    @property
    def start(self) -> int:
        """First year the value applies to."""
        return self.span[0] if self.span else self.year  # type: ignore[return-value]

    @property
    def end(self) -> int:
        """Last year (the year by which the value is due)."""
        return self.span[1] if self.span else self.year  # type: ignore[return-value]

    def covers(self, year: int) -> bool:
        """True when ``year`` is the value's year or lies within its span."""
        return self.start <= year <= self.end

    @property
    def years_label(self) -> str:
        """``"2025"`` or ``"2025-2027"``."""
        return str(self.year) if self.span is None else f"{self.span[0]}-{self.span[1]}"


class Target(_Model):
    """One measure the plan sets goals for, with one value per year or span.

    The 2025 and 2027 goals of the same measure are one target with two ``values`` (they may
    differ in kind, e.g. 新增 in 2025 and 累计 by 2027). ``headline`` targets come from 总体要求
    and link to no annex task. ``region`` places a target on another region than the city
    (全国, or a district by its admin code).
    """

    id: str = Field(pattern=r"^T-[a-z0-9][a-z0-9-]*$")
    name_zh: str
    name_en: str
    indicator: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    tasks: list[int] = Field(default_factory=list)
    headline: bool = False
    reference: str | None = None
    #: Where the target is measured: the plan's city when absent; ``全国`` (the nation) or a
    #: six-digit admin code (a district such as ``120104``, or another region).
    region: str | None = Field(None, pattern=r"^(\d{6}|全国)$")
    note_en: str | None = None
    note_zh: str | None = None
    values: list[TargetValue] = Field(min_length=1)

    @property
    def kind(self) -> TargetKind:
        """The kind of the final (latest-ending) value: what the plan asks for at its end."""
        return max(self.values, key=lambda v: v.end).kind

    @property
    def kinds(self) -> set[TargetKind]:
        """Every kind any value of this target has."""
        return {v.kind for v in self.values}

    def covers(self, year: int) -> bool:
        """True when any value applies to ``year``."""
        return any(v.covers(year) for v in self.values)


class UnitKind(StrEnum):
    """What sort of body a responsible unit is."""

    CITY_DEPARTMENT = "city_department"
    PARTY_DEPARTMENT = "party_department"
    CENTRAL_AGENCY = "central_agency"
    STATE_ENTERPRISE = "state_enterprise"
    ZONE_COMMITTEE = "zone_committee"
    MASS_ORGANISATION = "mass_organisation"
    DISTRICT = "district"


class Unit(_Model):
    """A responsible unit: a department, agency, enterprise or district government."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name_zh: str
    name_en: str
    kind: UnitKind
    aliases: list[str] = Field(default_factory=list)

    @property
    def is_district(self) -> bool:
        """District governments are expanded from 各区/有关区人民政府."""
        return self.kind is UnitKind.DISTRICT


Task.model_rebuild()


def plan_error(
    file: str,
    entry: str | None,
    field: str | None,
    en: str,
    zh: str,
    *,
    value: object = None,
    hint_en: str | None = None,
    hint_zh: str | None = None,
) -> PlanError:
    """A :class:`PlanError` located at ``file``, ``entry`` (an id) and ``field``."""
    return PlanError(
        en,
        zh,
        where=Location(file=file, entry=entry, field=field, value=value),
        hint_en=hint_en,
        hint_zh=hint_zh,
    )
