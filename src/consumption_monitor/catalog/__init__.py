"""The dimension catalog, shipped as data: districts, 商圈, commodity categories, industries,
MCC groups, indicator names and dataset schemas.

National lists (categories, industries, MCC, datasets, indicator names) live in ``data/``; the
city's own lists (districts, 商圈) in ``data/<city>/``. Another city ships its own folder.

>>> cat = load_catalog()
>>> len(cat.districts), cat.district("和平区").code, cat.district("Binhai New Area").code
(16, '120101', '120116')
>>> cat.normalise_category("服装鞋帽针纺织品类")
'apparel'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import yaml

from consumption_monitor.catalog.models import (
    BusinessDistrict,
    CardCategory,
    Category,
    City,
    Column,
    Dataset,
    District,
    IndicatorName,
    Industry,
)
from consumption_monitor.catalog.uscc import is_valid_uscc
from consumption_monitor.errors import AmbiguousNameError, ConfigError, NotFoundError

__all__ = [
    "BusinessDistrict",
    "CardCategory",
    "Catalog",
    "Category",
    "City",
    "Column",
    "Dataset",
    "District",
    "IndicatorName",
    "Industry",
    "indicator_entries",
    "is_valid_uscc",
    "load_catalog",
]

#: Region names that mean the whole country in releases.
NATIONAL = {"全国", "中国", "china", "national", "100000", "000000"}
NATIONAL_CODE = "100000"

_PUNCT = re.compile(r"[\s、，,（）()·\-—]")


def _squash(label: str) -> str:
    """Fold a label for matching: drop spaces and punctuation variants, lower-case ASCII."""
    return _PUNCT.sub("", label.strip()).lower()


#: A leading "of which" marker of release-table rows (其中：限额以上单位消费品零售额).
_OF_WHICH = re.compile(r"^(其中|内)\s*[:：]\s*")
#: A trailing parenthesised part: 地区生产总值(GDP), 社会消费品零售总额（亿元）.
_TRAILING_PAREN = re.compile(r"^(?P<outer>.+?)\s*[(（](?P<inner>[^()（）]*)[)）]\s*$")
#: A 限额以上 commodity-category row label: 限上 化妆品类零售额, 限额以上单位金银珠宝类商品零售额.
_CATEGORY_ROW = re.compile(
    r"^(?:限上|限额以上单位|限额以上)\s*(?P<category>.+?)\s*(?:商品)?(?:零售额|零售类值|类值)?$"
)
#: The indicator a 限额以上 category row breaks down.
CATEGORY_TOTAL = "retail_sales_above_size"
#: Unit words a name may carry in parentheses; they do not change the indicator.
_UNIT_WORDS = frozenset({"亿元", "万元", "元", "%", "％", "百分点", "万人", "万人次", "个", "家"})


def _indicator_key(label: str) -> str:
    """Fold an indicator name: NFKC (full-width → ASCII), drop 其中：, then :func:`_squash`."""
    text = unicodedata.normalize("NFKC", str(label)).strip()
    return _squash(_OF_WHICH.sub("", text))


@cache
def indicator_entries() -> tuple[dict[str, Any], ...]:
    """The raw entries of the one indicator file, ``data/indicators.yaml`` (names and, for
    ``computed: true`` entries, their computation; ``consumption_monitor.indicators`` reads
    those)."""
    return tuple(_read_yaml("indicators.yaml")["indicators"])


_NAME_FIELDS = frozenset(IndicatorName.model_fields)


_T = TypeVar("_T")


def _find(
    index: Mapping[str, _T], key: str, raw: object, what: tuple[str, str], hint: tuple[str, str]
) -> _T:
    """``index[key]``, or a bilingual :class:`NotFoundError` naming ``raw`` and what to do.

    ``what`` and ``hint`` are (English, Chinese) pairs.
    """
    found = index.get(key)
    if found is None:
        raise NotFoundError(
            f"unknown {what[0]} {raw!r}", f"未知的{what[1]} {raw!r}",
            hint_en=hint[0], hint_zh=hint[1],
        )  # fmt: skip
    return found


def _read_yaml(*parts: str) -> Any:
    path = resources.files("consumption_monitor.catalog").joinpath("data", *parts)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"catalog file data/{'/'.join(parts)} is missing",
            f"目录数据文件 data/{'/'.join(parts)} 缺失",
            hint_en="reinstall the package or add the city's catalog folder",
            hint_zh="请重新安装，或补充该城市的目录数据",
        ) from exc


class Catalog:
    """Look-ups over the dimension lists. Every ``x(name)`` accepts codes, names and aliases."""

    def __init__(self, city: str) -> None:
        districts = _read_yaml(city, "districts.yaml")
        self.city_name = city
        self.city = City(**districts["city"])
        self.districts = [District(**d) for d in districts["districts"]]
        self.area_types: dict[str, dict[str, str]] = districts.get("area_types", {})
        self.business_districts = [
            BusinessDistrict(**b)
            for b in _read_yaml(city, "business_districts.yaml")["business_districts"]
        ]
        cats = _read_yaml("categories.yaml")
        self.categories = [Category(**c) for c in cats["categories"]]
        self.upgrade_default: list[str] = list(cats["upgrade_default"])
        self.upgrade_optional: list[str] = list(cats["upgrade_optional"])
        self.industries = [Industry(**i) for i in _read_yaml("industries.yaml")["industries"]]
        self.above_size_threshold_wan: dict[str, float] = _read_yaml("industries.yaml")[
            "above_size_threshold_wan"
        ]
        self.card_categories = [
            CardCategory(**c) for c in _read_yaml("mcc.yaml")["card_categories"]
        ]
        self.indicators = [
            IndicatorName(**{k: v for k, v in e.items() if k in _NAME_FIELDS})
            for e in indicator_entries()
        ]
        #: Codes ingestion accepts in an ``indicator`` column: series that are stored as such
        #: (inputs, and computed indicators that read their own code) and registry counts a
        #: unit may also report; not ratios, shares or contributions the engine derives.
        self.recorded_indicators = frozenset(
            e["code"]
            for e in indicator_entries()
            if not e.get("computed")
            or e.get("params", {}).get("source_indicator") == e["code"]
            or e.get("kind") == "registry_count"
        )
        self.datasets = [Dataset(**d) for d in _read_yaml("datasets.yaml")["datasets"]]
        self._build_indexes()

    def _build_indexes(self) -> None:
        self._district_ix: dict[str, District] = {}
        for d in self.districts:
            for key in (d.code, d.name_zh, d.name_en, d.name_zh.removesuffix("区")):
                self._district_ix[_squash(key)] = d
        self._category_ix: dict[str, Category] = {}
        for c in self.categories:
            for key in (c.code, c.name_zh, c.name_en, *c.aliases):
                self._category_ix[_squash(key)] = c
        self._mcc_ix = {m: cc for cc in self.card_categories for m in cc.mcc}
        self._bd_ix = {}
        for b in self.business_districts:
            for key in (b.id, b.name_zh, b.name_en):
                self._bd_ix[_squash(key)] = b
        self._industry_ix = {i.code.upper(): i for i in self.industries}
        self._indicator_ix: dict[str, IndicatorName] = {}
        #: Folded names that two or more indicators share → their codes (refused on look-up).
        self.ambiguous_indicator_names: dict[str, list[str]] = {}
        for i in self.indicators:
            for key in {_indicator_key(k) for k in (i.code, i.name_zh, i.name_en, *i.aliases)}:
                other = self._indicator_ix.get(key)
                if other is not None and other.code != i.code:
                    codes = self.ambiguous_indicator_names.setdefault(key, [other.code])
                    codes.append(i.code)
                self._indicator_ix[key] = i

    # -- districts and regions -------------------------------------------------------------
    def district(self, code_or_name: str) -> District:
        """The district for a code ("120101"), a name (和平区, 和平, Heping)."""
        return _find(
            self._district_ix,
            _squash(str(code_or_name)),
            code_or_name,
            ("district", "区"),
            (
                "use an admin code 120101…120119 or a district name such as 和平区",
                "请填写区划代码（120101…120119）或区名，如“和平区”",
            ),
        )

    def has_district(self, code_or_name: str) -> bool:
        """True when :meth:`district` would find it."""
        return _squash(str(code_or_name)) in self._district_ix

    def region_code(self, code_or_name: str) -> str:
        """Normalise a region: the city, 全国/China (→ ``100000``) or a district, to a code.

        >>> cat = load_catalog()
        >>> cat.region_code("天津"), cat.region_code("China"), cat.region_code("南开区")
        ('120000', '100000', '120104')
        """
        key = _squash(str(code_or_name))
        if key in NATIONAL:
            return NATIONAL_CODE
        city_keys = {_squash(x) for x in (self.city.code, self.city.name_zh, self.city.name_en)}
        if key in city_keys | {_squash(a) for a in self.city.aliases}:
            return self.city.code
        return self.district(code_or_name).code

    def region_name(self, code: str, lang: str = "zh") -> str:
        """Display name of a region code."""
        if code == NATIONAL_CODE:
            return "全国" if lang == "zh" else "China"
        if code == self.city.code:
            return self.city.name_zh if lang == "zh" else self.city.name_en
        d = self.district(code)
        return d.name_zh if lang == "zh" else d.name_en

    # -- categories -------------------------------------------------------------------------
    def category(self, label: str) -> Category:
        """The commodity category for a code, canonical name or label variant."""
        return _find(
            self._category_ix,
            _squash(label),
            label,
            ("commodity category", "商品类别"),
            (
                "use one of the NBS category names, e.g. 化妆品类 (see `docs/catalog.md`)",
                "请使用国家统计局商品类别名称，如“化妆品类”",
            ),
        )

    def normalise_category(self, label: str) -> str:
        """Category code for a label (服装鞋帽针纺织品类 → ``apparel``)."""
        return self.category(label).code

    def upgrade_set(self, override: Iterable[str] | None = None) -> list[str]:
        """The 升级类 category codes in use: ``override`` (codes or names) or the default."""
        if override is None:
            return list(self.upgrade_default)
        return [self.normalise_category(x) for x in override]

    def top_categories(self) -> list[Category]:
        """Categories that are not "of which" items (they add up to the total)."""
        return [c for c in self.categories if c.parent is None]

    # -- industries, MCC, 商圈, indicators, datasets --------------------------------------------
    def industry(self, code: str) -> Industry:
        """A GB/T 4754 section or division by code (``F``, ``F52``)."""
        return _find(
            self._industry_ix,
            code.strip().upper(),
            code,
            ("industry code", "行业代码"),
            ("use a GB/T 4754 code such as F52 or H62", "请使用国民经济行业分类代码，如 F52、H62"),
        )

    def card_category_for_mcc(self, mcc: str) -> CardCategory:
        """The card-spending category of an MCC."""
        return _find(
            self._mcc_ix,
            str(mcc).strip().zfill(4),
            mcc,
            ("MCC", "商户类别码"),
            ("check the MCC against docs/catalog.md", "请核对商户类别码（见 docs/catalog.md）"),
        )

    @property
    def mcc_codes(self) -> list[str]:
        """Every MCC the catalog maps."""
        return sorted(self._mcc_ix)

    def business_district(self, id_or_name: str) -> BusinessDistrict:
        """A 商圈 by id or name."""
        return _find(
            self._bd_ix,
            _squash(id_or_name),
            id_or_name,
            ("business district", "商圈"),
            ("use a 商圈 id such as BD001 (see `docs/catalog.md`)", "请使用商圈编码，如 BD001"),
        )

    def indicator_name(self, code_or_name: str) -> IndicatorName:
        """An indicator by code, official Chinese name, 简称, 口径 variant or English name.

        The one name look-up of the platform (ingest, ``cmon indicator``, ``cmon seasonal``, the
        API and the pages). Matching ignores spaces, punctuation variants and full-width forms
        (NFKC), and a leading 其中：. A trailing parenthesised part is accepted when it names the
        same indicator (地区生产总值(GDP)) or is a unit (社会消费品零售总额（亿元）). A name two
        indicators share raises :class:`AmbiguousNameError` listing both.

        >>> cat = load_catalog()
        >>> [cat.indicator_name(x).code for x in ("社零", "地区生产总值（GDP）", "其中：限上社零")]
        ['retail_sales', 'gdp', 'retail_sales_above_size']
        """
        key = _indicator_key(code_or_name)
        found = self._indicator_lookup(key, code_or_name)
        if found is not None:
            return found
        m = _TRAILING_PAREN.match(unicodedata.normalize("NFKC", str(code_or_name)).strip())
        if m is not None:
            outer = self._indicator_lookup(_indicator_key(m["outer"]), code_or_name)
            inner_key = _indicator_key(m["inner"])
            inner = self._indicator_ix.get(inner_key)
            if outer is not None and (
                (inner is not None and inner.code == outer.code)
                or m["inner"].strip() in _UNIT_WORDS
            ):
                return outer
        return _find(
            self._indicator_ix,
            key,
            code_or_name,
            ("indicator", "指标"),
            (
                "use an indicator code or official name (see docs/indicators.md)",
                "请使用指标代码或官方名称，如“社会消费品零售总额”",
            ),
        )

    def category_row(self, label: str) -> tuple[str, str] | None:
        """(indicator code, category code) of a 限额以上 category row label, else None.

        Tianjin and NBS tables list 限上 X类零售额 rows: the 限额以上单位消费品零售额 of one NBS
        commodity category. The category is matched through :meth:`category` (label variants
        included); a label that is an indicator name itself is not a category row.

        >>> cat = load_catalog()
        >>> cat.category_row("限上 化妆品类零售额")
        ('retail_sales_above_size', 'cosmetics')
        >>> cat.category_row("其中：限额以上单位金银珠宝类")
        ('retail_sales_above_size', 'jewelry')
        >>> cat.category_row("限上社零") is None, cat.category_row("社会消费品零售总额") is None
        (True, True)
        """
        text = _OF_WHICH.sub("", unicodedata.normalize("NFKC", str(label)).strip())
        if _indicator_key(text) in self._indicator_ix:
            return None
        m = _CATEGORY_ROW.match(text)
        if m is None:
            return None
        key = _squash(m["category"])
        found = self._category_ix.get(key) or self._category_ix.get(key + "类")
        return None if found is None else (CATEGORY_TOTAL, found.code)

    def _indicator_lookup(self, key: str, raw: object) -> IndicatorName | None:
        codes = self.ambiguous_indicator_names.get(key)
        if codes is not None:
            names = [f"{c} ({self._indicator_ix[_indicator_key(c)].name_zh})" for c in codes]
            raise AmbiguousNameError(
                f"indicator name {raw!r} is ambiguous: " + ", ".join(names),
                f"指标名称 {raw!r} 有歧义，可能是：" + "、".join(names),
                candidates=codes,
                hint_en="use one of these codes instead",
                hint_zh="请改用其中一个指标代码",
            )
        return self._indicator_ix.get(key)

    def dataset(self, name: str) -> Dataset:
        """A dataset schema by name."""
        for ds in self.datasets:
            if name in (ds.name, ds.name_zh):
                return ds
        raise NotFoundError(
            f"unknown dataset {name!r}",
            f"未知的数据集 {name!r}",
            hint_en="one of: " + ", ".join(d.name for d in self.datasets),
            hint_zh="可选：" + "、".join(d.name for d in self.datasets),
        )


@cache
def load_catalog(city: str = "tianjin") -> Catalog:
    """The catalog of ``city`` (cached; the data is immutable)."""
    return Catalog(city)
