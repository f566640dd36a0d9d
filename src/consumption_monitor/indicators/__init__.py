"""The indicator catalog: every computed indicator declared once, as YAML plus a pydantic model.

>>> cat = load_indicators()
>>> cat.get("retail_sales").name_zh
'社会消费品零售总额'
>>> "T-upgrade-share" in cat.get("upgrade_goods_share").targets
True
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources

import yaml

from consumption_monitor.errors import ConfigError, NotFoundError
from consumption_monitor.indicators.models import BASES, Basis, Indicator

__all__ = ["BASES", "Basis", "Indicator", "IndicatorCatalog", "load_indicators"]


class IndicatorCatalog:
    """The indicators in catalog order, looked up by code."""

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

    def get(self, code: str) -> Indicator:
        """The indicator ``code``; :class:`NotFoundError` lists the known codes."""
        found = self._ix.get(code.strip())
        if found is None:
            raise NotFoundError(
                f"unknown indicator {code!r}",
                f"未知的指标 {code!r}",
                hint_en="see `cmon indicator list` or docs/indicators.md",
                hint_zh="请用 `cmon indicator list` 查看可用指标",
            )
        return found

    def for_target(self, target_id: str) -> list[Indicator]:
        """Indicators linked to a plan target id."""
        return [i for i in self.indicators if target_id in i.targets]


@cache
def load_indicators() -> IndicatorCatalog:
    """The bundled catalog (``indicators/data/indicators.yaml``), validated and cached."""
    path = resources.files("consumption_monitor.indicators").joinpath("data", "indicators.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return IndicatorCatalog([Indicator(**entry) for entry in raw["indicators"]])
