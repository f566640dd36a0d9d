"""The indicator catalog: every computed indicator declared once, as YAML plus a pydantic model.

The entries are the ``computed: true`` ones of the one indicator file,
``catalog/data/indicators.yaml``; :meth:`IndicatorCatalog.get` takes a code or any name the
catalog's alias look-up knows (official name, 简称, 口径 variant, English).

>>> cat = load_indicators()
>>> cat.get("retail_sales").name_zh
'社会消费品零售总额'
>>> cat.get("社零").code, cat.get("地区生产总值（GDP）").code
('retail_sales', 'gdp')
>>> "T-upgrade-share" in cat.get("upgrade_goods_share").targets
True
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from consumption_monitor.catalog import indicator_entries, load_catalog
from consumption_monitor.errors import ConfigError, NotFoundError
from consumption_monitor.indicators.models import BASES, Basis, Indicator, Kind

__all__ = ["BASES", "SA_SUFFIX", "Basis", "Indicator", "IndicatorCatalog", "Kind",
           "load_indicators"]  # fmt: skip

#: Code suffix of a stored seasonally adjusted series (``cmon seasonal`` writes ``<code>_sa``).
SA_SUFFIX = "_sa"


class IndicatorCatalog:
    """The computed indicators in catalog order, looked up by code or name."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self.indicators = indicators
        self._ix = {i.code: i for i in indicators}
        if len(self._ix) != len(indicators):
            raise ConfigError(
                "duplicate indicator code in the catalog", "指标目录中有重复的指标代码"
            )

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def codes(self) -> list[str]:
        """Indicator codes in catalog order."""
        return [i.code for i in self.indicators]

    def get(self, code_or_name: str) -> Indicator:
        """The indicator for a code or a name (社会消费品零售总额, 社零, 地区生产总值(GDP)).

        ``<code>_sa`` is the stored seasonally adjusted series of a computed indicator
        (:func:`seasonally_adjusted`). An ambiguous name raises
        :class:`~consumption_monitor.errors.AmbiguousNameError` listing the candidates; a name
        the catalog knows but the engine does not compute (an input series such as 最终消费支出)
        and an unknown name raise :class:`NotFoundError`.
        """
        key = code_or_name.strip()
        found = self._ix.get(key)
        if found is not None:
            return found
        if key.endswith(SA_SUFFIX) and key.removesuffix(SA_SUFFIX) in self._ix:
            return seasonally_adjusted(self._ix[key.removesuffix(SA_SUFFIX)])
        entry = load_catalog().indicator_name(key)  # raises for unknown and ambiguous names
        found = self._ix.get(entry.code)
        if found is None:
            raise NotFoundError(
                f"{entry.name_en} ({entry.code}) is a stored input series, not a computed "
                "indicator",
                f"“{entry.name_zh}”（{entry.code}）是入库的基础数据，不是计算指标",
                hint_en="see `cmon indicator list` for the indicators that read it",
                hint_zh="请用 `cmon indicator list` 查看使用它的指标",
            )
        return found

    def for_target(self, target_id: str) -> list[Indicator]:
        """Indicators linked to a plan target id."""
        return [i for i in self.indicators if target_id in i.targets]


def seasonally_adjusted(base: Indicator) -> Indicator:
    """The indicator ``<code>_sa``: ``base`` seasonally adjusted by ``cmon seasonal``.

    It is not computed by ``cmon compute``; it is read from the stored adjusted series.
    """
    return base.model_copy(
        update={
            "code": base.code + SA_SUFFIX,
            "name_zh": f"{base.name_zh}（季节调整）",
            "name_en": f"{base.name_en} (seasonally adjusted)",
            "aliases": [],
            "definition_zh": f"{base.name_zh}单月值经 X-13ARIMA-SEATS（含春节等移动假日与调休"
            "工作日回归）季节调整后的序列，由 `cmon seasonal` 计算并存储。",
            "definition_en": f"{base.name_en}, single months seasonally adjusted with "
            "X-13ARIMA-SEATS (Spring Festival moving holidays, working days); computed and "
            "stored by `cmon seasonal`.",
            "bases": ["month", "quarter"],
            "targets": [],
            "label": "SA",
        }
    )


@cache
def load_indicators() -> IndicatorCatalog:
    """The computed indicators of the bundled catalog, validated and cached."""
    return IndicatorCatalog([Indicator(**e) for e in indicator_entries() if e.get("computed")])
