"""Build a report (format-free) from :class:`~consumption_monitor.report.data.ReportData`.

>>> import pandas as pd
>>> from consumption_monitor.report.data import make_report_data
>>> cols = ["indicator", "region", "period", "basis", "dim", "dim_value", "value", "yoy_pct"]
>>> t = pd.DataFrame([["retail_sales", "120000", "2025-02", "ytd", "", "", 650.0, -1.25]],
...                  columns=cols)
>>> rep = build_report("monthly", make_report_data(t), "2025-01", "zh")
>>> rep.period, rep.sections[0].paragraphs[0]
('2025-02', '1—2月，天津市社会消费品零售总额650.00亿元，同比下降1.3%。')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from consumption_monitor.errors import ConfigError
from consumption_monitor.report import sections_card as card_side
from consumption_monitor.report import sections_market as market
from consumption_monitor.report import sections_plan as plan
from consumption_monitor.report import sections_programmes as programmes
from consumption_monitor.report.context import BuildContext
from consumption_monitor.report.data import ReportData
from consumption_monitor.report.definitions import REPORT_KINDS, load_definitions
from consumption_monitor.report.model import Report, Section
from consumption_monitor.report.narrative import (
    assert_numbers_from_tables,
    full_period_label,
    normalise_month,
)

SectionBuilder = Callable[[BuildContext], Section]

#: Section key (as in ``reports.yaml``) → builder.
BUILDERS: dict[str, SectionBuilder] = {
    "headline": market.headline,
    "categories": market.categories,
    "districts": market.districts,
    "online_upgrade": market.online_upgrade,
    "card": card_side.card,
    "business_districts": card_side.business_districts,
    "trade_in": programmes.trade_in,
    "inbound": programmes.inbound,
    "service_consumption": programmes.service_consumption,
    "targets": plan.targets,
    "alerts": plan.alerts,
    "gdp_share": plan.gdp_share,
    "evaluation": plan.evaluation,
    "tasks": plan.tasks,
    "holiday": plan.holiday,
}

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_period(kind: str, period: str) -> tuple[str, str | None]:
    """Normalise ``--period`` to (month ``YYYY-MM``, quarter ``YYYY-Qn`` or ``None``).

    Monthly: ``YYYY-MM``, January maps to Jan–Feb (``YYYY-02``). Quarterly: ``YYYY-Qn`` or the
    quarter's last month ``YYYY-03/06/09/12``. Holiday: a block key such as
    ``2025-spring-festival`` (returned unchanged). Anything else raises :class:`ConfigError`.

    >>> parse_period("monthly", "2026-01"), parse_period("quarterly", "2025-09")
    (('2026-02', None), ('2025-09', '2025-Q3'))
    """
    if kind == "holiday":
        return period, None
    q = _QUARTER.match(period)
    if kind == "quarterly" and q:
        return f"{q.group(1)}-{int(q.group(2)) * 3:02d}", period
    if _MONTH.match(period):
        month = normalise_month(period)
        if kind == "monthly":
            return month, None
        if int(month[5:7]) % 3 == 0:
            return month, f"{month[:4]}-Q{int(month[5:7]) // 3}"
    raise ConfigError(
        f"invalid period {period!r} for a {kind} report",
        f"{kind} 报告的期间 {period!r} 无效",
        hint_en="monthly: 2025-10; quarterly: 2025-Q3 or 2025-09; holiday: 2025-spring-festival",
        hint_zh="月报如 2025-10；季报如 2025-Q3 或 2025-09；节日快报如 2025-spring-festival",
    )


def build_report(
    kind: str, data: ReportData, period: str, lang: str = "zh", *, now: datetime | None = None
) -> Report:
    """The report ``kind`` (monthly/quarterly/holiday) for ``period`` in ``lang``.

    Raises :class:`ConfigError` for an unknown kind or a malformed period. Sections whose data
    are missing say so in a sentence; the report is still built. A narrative number that is not
    in its section's tables raises :class:`ConsumptionMonitorError` (a bug, never silent).
    """
    if kind not in REPORT_KINDS:
        raise ConfigError(
            f"unknown report kind {kind!r}; expected one of {', '.join(REPORT_KINDS)}",
            f"未知的报告类型 {kind!r}，应为 {'、'.join(REPORT_KINDS)} 之一",
        )
    if lang not in ("zh", "en"):
        raise ConfigError(f"unknown language {lang!r}; use zh or en", f"未知的语言 {lang!r}")
    defs = load_definitions()
    month, quarter = parse_period(kind, period)
    ctx = BuildContext(
        data, month, lang, defs, quarter=quarter, holiday_key=period if kind == "holiday" else None
    )
    sections = [BUILDERS[key](ctx) for key in defs.report(kind).sections]
    assert_numbers_from_tables(sections)
    city = data.city_zh if lang == "zh" else data.city_en
    title = defs.report(kind).title.get(lang).format(city=city)
    if kind == "holiday":
        h = data.holiday
        subtitle = (h.name_zh if lang == "zh" else h.name_en) if h else period
        subtitle = f"{period[:4]}{'年' if lang == 'zh' else ' '}{subtitle}"
        stored = period
    elif quarter:
        subtitle, stored = full_period_label(quarter, "quarter", lang), quarter
    else:
        subtitle, stored = full_period_label(month, "ytd", lang), month
    return Report(
        kind=kind,
        period=stored,
        lang=lang,
        title=title,
        subtitle=subtitle,
        generated_at=now or datetime.now(UTC),
        sections=sections,
    )
