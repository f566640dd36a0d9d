"""What every section builder receives: the data, the period, the language, the templates."""

from __future__ import annotations

from dataclasses import dataclass

from consumption_monitor.report.data import ReportData
from consumption_monitor.report.definitions import Definitions
from consumption_monitor.report.narrative import full_period_label, period_label


@dataclass(frozen=True, slots=True)
class BuildContext:
    """``period`` is a month ``YYYY-MM`` (Jan–Feb is ``YYYY-02``); a quarterly report sets
    ``quarter`` (``YYYY-Qn``) and ``period`` to the quarter's last month."""

    data: ReportData
    period: str
    lang: str
    defs: Definitions
    quarter: str | None = None
    holiday_key: str | None = None

    @property
    def quarterly(self) -> bool:
        """True in a quarterly report (cumulative periods read 前三季度 etc.)."""
        return self.quarter is not None

    @property
    def zh(self) -> bool:
        """True when writing Chinese."""
        return self.lang == "zh"

    @property
    def city_name(self) -> str:
        """The city in the report language."""
        return self.data.city_zh if self.zh else self.data.city_en

    def label(self, period: str, basis: str, *, year: bool = False) -> str:
        """Period label in the report's style (with the year when ``year``)."""
        if year:
            return full_period_label(period, basis, self.lang, quarterly=self.quarterly)
        return period_label(period, basis, self.lang, quarterly=self.quarterly)

    def sentence(self, section: str, key: str, **values: str) -> str:
        """A filled sentence template of ``section``."""
        return self.defs.sentence(section, key, self.lang, **values)

    def note(self, section: str, key: str, **values: str) -> str:
        """A filled note template of ``section``."""
        return self.defs.note(section, key, self.lang, **values)

    def cols(self, zh: list[str], en: list[str]) -> list[str]:
        """Column headers in the report language."""
        return zh if self.zh else en

    def t(self, zh: str, en: str) -> str:
        """A short label in the report language."""
        return zh if self.zh else en
