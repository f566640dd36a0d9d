"""Table cells in report style: money in 万元/亿元 (via ``indicators.format``), rates with one
decimal, changes in percentage points with a sign. English money reads million / billion yuan.

>>> money_cell(3456.78, "yi_yuan", "zh").text, money_cell(3456.78, "yi_yuan", "en").text
('3,456.78亿元', '345.68 billion yuan')
>>> rate_cell(-3.24).text, delta_cell(0.31).text, count_cell(3).text
('-3.2', '+0.3', '3')
"""

from __future__ import annotations

import math

from consumption_monitor.indicators.format import format_money, is_money, to_yuan
from consumption_monitor.report.model import Cell
from consumption_monitor.report.narrative import delta_text, rate_text

MISSING = "—"


def _ok(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def money_en(value: float, unit: str) -> str:
    """``345.68 billion yuan`` / ``12.30 million yuan`` / ``8,500.00 yuan``."""
    yuan = to_yuan(value, unit)
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(yuan) >= size:
            return f"{yuan / size:,.2f} {word} yuan"
    return f"{yuan:,.2f} yuan"


def money_cell(value: float | None, unit: str, lang: str, money_unit: str = "auto") -> Cell:
    """A money level stored in ``unit`` (``yuan``/``wan_yuan``/``yi_yuan``)."""
    if not _ok(value):
        return Cell(MISSING)
    assert value is not None
    text = format_money(value, unit, money_unit) if lang == "zh" else money_en(value, unit)
    return Cell(text, value)


def level_cell(value: float | None, unit: str, lang: str, money_unit: str = "auto") -> Cell:
    """Money via :func:`money_cell`; counts and other levels with thousands separators."""
    if is_money(unit):
        return money_cell(value, unit, lang, money_unit)
    if not _ok(value):
        return Cell(MISSING)
    assert value is not None
    if unit == "person_times" and abs(value) >= 1e4:
        # Visits print in 万人次 (zh) / million visits (en), as releases do.
        text = f"{value / 1e4:,.2f}万人次" if lang == "zh" else f"{value / 1e6:,.2f} million visits"
        return Cell(text, value)
    suffix = {"wan_persons": ("万人次", " 10k visits"), "person_times": ("人次", " visits")}
    zh, en = suffix.get(unit, ("", ""))
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return Cell(number + (zh if lang == "zh" else en), value)


def rate_cell(value: float | None) -> Cell:
    """A growth rate or share in percent, one decimal."""
    return Cell(rate_text(value), value if _ok(value) else None)


def delta_cell(value: float | None) -> Cell:
    """A change in percentage points, signed."""
    return Cell(delta_text(value), value if _ok(value) else None)


def count_cell(n: int | None) -> Cell:
    """A whole number."""
    return Cell(MISSING if n is None else str(n), None if n is None else float(n))


def text_cell(text: str) -> Cell:
    """A label."""
    return Cell(text)
