"""The registry of responsible units (责任单位) and how a 责任单位 cell resolves against it.

A units file lists departments and agencies with codes, Chinese and English names and aliases;
districts come from the dimension catalog (``districts: {source: catalog}``) or are listed in the
file. Collective phrases (各区人民政府, 有关区人民政府) expand to every district, keeping the
phrase's scope on each link; a suffix such as 等有关部门 is stripped and kept as a flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from consumption_monitor.catalog import load_catalog
from consumption_monitor.errors import NotFoundError
from consumption_monitor.plan.models import Unit, UnitKind, UnitLink, plan_error

Scope = Literal["all_districts", "relevant_districts"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Collective(_Spec):
    """A phrase standing for several districts."""

    phrase: str
    scope: Scope


class DistrictSpec(_Spec):
    """A district listed in the units file (for cities without a bundled catalog)."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name_zh: str
    name_en: str
    aliases: list[str] = Field(default_factory=list)


class CatalogSource(_Spec):
    """``districts: {source: catalog}``: read districts from the dimension catalog."""

    source: Literal["catalog"]
    city: str | None = None  # catalog city; None = the catalog's default (tianjin)


class Structure(_Spec):
    """The "1+N+districts" working structure: the office, its host and the N 主责部门."""

    office_name_zh: str
    office_name_en: str
    office_host: str
    main_departments: list[str] = Field(min_length=1)


class UnitSpec(_Spec):
    """A department or agency as written in the units file."""

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: UnitKind
    aliases: list[str] = Field(default_factory=list)


class UnitsFile(_Spec):
    """The whole units file."""

    city_zh: str
    city_en: str
    districts: CatalogSource | list[DistrictSpec]
    collectives: list[Collective] = Field(default_factory=list)
    and_others_suffixes: list[str] = Field(default_factory=list)
    structure: Structure
    units: list[UnitSpec] = Field(min_length=1)


def normalise_name(name: str) -> str:
    """Strip ordinary and full-width spaces so ``' 市商务局　'`` matches ``'市商务局'``."""
    return name.replace("\u3000", "").replace(" ", "").strip()


class UnitRegistry:
    """Units by code, with lookup by code, Chinese name or alias.

    >>> reg = UnitRegistry.from_spec(UnitsFile.model_validate({
    ...     "city_zh": "某市", "city_en": "X", "districts": [
    ...         {"code": "d1", "name_zh": "甲区", "name_en": "Jia"}],
    ...     "collectives": [{"phrase": "各区人民政府", "scope": "all_districts"}],
    ...     "structure": {"office_name_zh": "办", "office_name_en": "Office",
    ...                   "office_host": "com", "main_departments": ["com"]},
    ...     "units": [{"code": "com", "name_zh": "市商务局", "name_en": "Commerce",
    ...                "kind": "city_department"}]}), "u.yaml")
    >>> [(link.unit, link.via) for link in reg.resolve(["市商务局", "各区人民政府"])]
    [('com', 'named'), ('d1', 'all_districts')]
    """

    def __init__(
        self,
        units: Sequence[Unit],
        *,
        collectives: Sequence[Collective],
        and_others_suffixes: Sequence[str],
        structure: Structure,
        city_zh: str,
        city_en: str,
    ) -> None:
        self.units: dict[str, Unit] = {u.code: u for u in units}
        self.collectives = {normalise_name(c.phrase): c.scope for c in collectives}
        self.and_others_suffixes = tuple(and_others_suffixes)
        self.structure = structure
        self.city_zh = city_zh
        self.city_en = city_en
        self._index: dict[str, str] = {}
        for unit in units:
            for key in (unit.code, unit.name_zh, *unit.aliases):
                self._index[normalise_name(key)] = unit.code
                if key.startswith("市"):  # 市商务局 is also written 天津市商务局
                    self._index.setdefault(normalise_name(city_zh + key[1:]), unit.code)

    @classmethod
    def from_spec(
        cls, spec: UnitsFile, file: str, districts: Iterable[DistrictSpec] = ()
    ) -> UnitRegistry:
        """Build the registry; ``districts`` replaces a ``{source: catalog}`` entry.

        Raises :class:`PlanError` for a duplicate code, name or alias, or a structure that
        names an unknown unit.
        """
        district_specs = list(districts) if isinstance(spec.districts, CatalogSource) else []
        if not isinstance(spec.districts, CatalogSource):
            district_specs = list(spec.districts)
        units = [Unit(**u.model_dump()) for u in spec.units]
        units += [
            Unit(
                code=d.code,
                name_zh=d.name_zh,
                name_en=d.name_en,
                kind=UnitKind.DISTRICT,
                aliases=[*d.aliases, f"{d.name_zh}人民政府", f"{d.name_zh}政府"],
            )
            for d in district_specs
        ]
        seen: dict[str, str] = {}
        for unit in units:
            for key in (unit.code, unit.name_zh, *unit.aliases):
                norm = normalise_name(key)
                owner = seen.get(norm)
                if owner is not None and owner != unit.code:
                    raise plan_error(
                        file,
                        unit.code,
                        "code" if key == unit.code else "aliases",
                        f"{key!r} is used by two units ({owner} and {unit.code})",
                        f"“{key}”同时属于两个单位（{owner}、{unit.code}）",
                        value=key,
                        hint_en="give every unit its own code, name and aliases",
                        hint_zh="每个单位的代码、名称、别名须唯一",
                    )
                seen[norm] = unit.code
        registry = cls(
            units,
            collectives=spec.collectives,
            and_others_suffixes=spec.and_others_suffixes,
            structure=spec.structure,
            city_zh=spec.city_zh,
            city_en=spec.city_en,
        )
        for field, codes in (
            ("structure.office_host", [spec.structure.office_host]),
            ("structure.main_departments", spec.structure.main_departments),
        ):
            for code in codes:
                if registry.find(code) is None:
                    raise plan_error(
                        file,
                        "structure",
                        field,
                        f"unknown unit {code!r}",
                        f"未知单位“{code}”",
                        value=code,
                        hint_en="use a code listed under units",
                        hint_zh="请使用 units 中列出的代码",
                    )
        return registry

    def find(self, name: str) -> Unit | None:
        """The unit with this code, name or alias, else ``None``."""
        code = self._index.get(normalise_name(name))
        return self.units[code] if code else None

    def get(self, name: str) -> Unit:
        """The unit with this code, name or alias; :class:`NotFoundError` if none."""
        unit = self.find(name)
        if unit is None:
            raise NotFoundError(
                f"unknown unit {name!r}",
                f"未知单位“{name}”",
                hint_en="run `cmon plan units` to list names, aliases and codes",
                hint_zh="运行 `cmon plan units` 查看单位名称、别名和代码",
            )
        return unit

    @property
    def districts(self) -> list[Unit]:
        """District governments, in registry order."""
        return [u for u in self.units.values() if u.is_district]

    @property
    def departments(self) -> list[Unit]:
        """Every unit that is not a district government."""
        return [u for u in self.units.values() if not u.is_district]

    @property
    def main_departments(self) -> list[Unit]:
        """The N 主责部门 of the working structure, in the order the plan lists them."""
        return [self.units[self._index[c]] for c in self.structure.main_departments]

    @property
    def office_host(self) -> Unit:
        """The unit hosting the office (办公室设在市商务局)."""
        return self.units[self._index[self.structure.office_host]]

    def split_entry(self, entry: str) -> tuple[str, bool]:
        """Strip an "and others" suffix: ``'市教委等有关部门'`` → ``('市教委', True)``."""
        name = normalise_name(entry)
        for suffix in self.and_others_suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)], True
        return name, False

    def resolve(self, entries: Sequence[str]) -> tuple[UnitLink, ...]:
        """Resolve a 责任单位 cell's entries, in order, into links.

        A collective phrase yields one link per district (same ``position``, ``via`` = scope).
        A unit named twice keeps its first link. Raises :class:`KeyError` with the entry that
        matches nothing; the loader turns it into a located :class:`PlanError`.
        """
        links: list[UnitLink] = []
        seen: set[str] = set()
        for position, raw in enumerate(entries, start=1):
            name, and_others = self.split_entry(raw)
            scope = self.collectives.get(name)
            targets: list[tuple[str, str]]
            if scope is not None:
                targets = [(d.code, scope) for d in self.districts]
            else:
                unit = self.find(name)
                if unit is None:
                    raise KeyError(raw)
                targets = [(unit.code, "named")]
            for code, via in targets:
                if code in seen:
                    continue
                seen.add(code)
                links.append(
                    UnitLink(
                        unit=code,
                        position=position,
                        phrase=raw,
                        via=via,
                        and_others=and_others,
                    )
                )
        return tuple(links)


def catalog_districts(file: str, city: str | None = None) -> list[DistrictSpec]:
    """The districts of the bundled dimension catalog, as district specs.

    Raises :class:`PlanError` (located at the units file) when the catalog cannot be read.
    """
    try:
        catalog: Any = load_catalog(city) if city else load_catalog()
        districts: Any = catalog.districts
    except (AttributeError, OSError, ValueError) as exc:
        raise plan_error(
            file,
            "districts",
            "source",
            f"cannot read districts from the catalog: {exc}",
            f"无法从目录读取各区：{exc}",
            hint_en="list the districts in the units file instead of {source: catalog}",
            hint_zh="可在单位文件中直接列出各区，代替 {source: catalog}",
        ) from exc
    return [
        DistrictSpec(
            code=d.code,
            name_zh=d.name_zh,
            name_en=d.name_en,
            aliases=[a for a in getattr(d, "aliases", []) or [] if isinstance(a, str)],
        )
        for d in districts
    ]


def build_units(display: str, raw: object) -> UnitRegistry:
    """Validate a parsed units file and build the registry; errors name ``display``."""
    if not isinstance(raw, dict):
        raise plan_error(
            display,
            None,
            None,
            "a units file must be a mapping",
            "单位文件须为键值映射",
        )
    try:
        spec = UnitsFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        entry = None
        if len(loc) >= 2 and loc[0] == "units" and loc[1].isdigit():
            units = raw.get("units") or []
            item = units[int(loc[1])] if int(loc[1]) < len(units) else None
            entry = str(item.get("code")) if isinstance(item, dict) else f"units[{loc[1]}]"
            loc = loc[2:]
        raise plan_error(
            display,
            entry,
            ".".join(loc) or None,
            f"invalid units file: {first['msg']}",
            f"单位文件无效：{first['msg']}",
            value=first.get("input") if not isinstance(first.get("input"), dict) else None,
        ) from exc
    districts = (
        catalog_districts(display, spec.districts.city)
        if isinstance(spec.districts, CatalogSource)
        else []
    )
    return UnitRegistry.from_spec(spec, display, districts)
