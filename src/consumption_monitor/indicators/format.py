"""Money and number formatting in 元 / 万元 / 亿元 (``settings.money_unit``).

Levels are stored in the unit their indicator declares (``yuan``, ``wan_yuan``, ``yi_yuan``);
these helpers convert and print them. ``None`` and NaN print as an empty string.

>>> format_money(123456789.0, "yuan", "auto")
'1.23亿元'
>>> format_money(81307, "yi_yuan", "wan")
'813,070,000万元'
>>> format_money(3456.7, "wan_yuan", "auto")
'3,456.70万元'
>>> format_money(None, "yuan", "yi")
''
>>> to_yuan(2.5, "yi_yuan")
250000000.0
"""

from __future__ import annotations

import math
import re

#: Yuan per unit of each money unit.
YUAN_PER: dict[str, float] = {"yuan": 1.0, "wan_yuan": 1e4, "yi_yuan": 1e8}
MONEY_UNITS = frozenset(YUAN_PER)
_LABEL = {"yuan": "元", "wan": "万元", "yi": "亿元"}
_FACTOR = {"yuan": 1.0, "wan": 1e4, "yi": 1e8}
UNIT_LABELS_ZH: dict[str, str] = {
    "yuan": "元", "wan_yuan": "万元", "yi_yuan": "亿元", "percent": "%", "pp": "个百分点",
    "count": "个/场/家", "wan_persons": "万人次", "person_times": "人次", "beds": "张",
    "wan_teu": "万标准箱", "wan_tonnes": "万吨", "index": "（上年同期=100）",
}  # fmt: skip


def is_money(unit: str) -> bool:
    """True for the money units ``yuan``, ``wan_yuan``, ``yi_yuan``."""
    return unit in MONEY_UNITS


def to_yuan(value: float, unit: str) -> float:
    """``value`` in ``unit`` converted to yuan."""
    return float(value) * YUAN_PER[unit]


def choose_unit(yuan: float, money_unit: str = "auto") -> str:
    """``yuan``/``wan``/``yi``: the setting, or for ``auto`` 亿 at >= 1e8, 万 at >= 1e4.

    >>> choose_unit(5e7), choose_unit(5e8), choose_unit(12.0)
    ('wan', 'yi', 'yuan')
    """
    if money_unit != "auto":
        return money_unit
    size = abs(yuan)
    if size >= 1e8:
        return "yi"
    if size >= 1e4:
        return "wan"
    return "yuan"


def format_money(value: float | None, unit: str, money_unit: str = "auto", digits: int = 2) -> str:
    """Print a money level stored in ``unit`` as 元/万元/亿元 with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    yuan = to_yuan(value, unit)
    shown = choose_unit(yuan, money_unit)
    scaled = yuan / _FACTOR[shown]
    text = (
        f"{scaled:,.0f}"
        if scaled == round(scaled) and abs(scaled) >= 1e6
        else f"{scaled:,.{digits}f}"
    )
    return f"{text}{_LABEL[shown]}"


def money_en(value: float, unit: str, digits: int = 2) -> str:
    """A money level in English words of size: ``292.43 billion yuan``, ``22.59 million yuan``,
    ``8,500.00 yuan`` (亿 and 万 have no English word; billions and millions are what an
    English reader counts in).

    >>> money_en(2924.28, "yi_yuan"), money_en(2258.85, "wan_yuan"), money_en(8500, "yuan")
    ('292.43 billion yuan', '22.59 million yuan', '8,500.00 yuan')
    """
    yuan = to_yuan(value, unit)
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(yuan) >= size:
            return f"{yuan / size:,.{digits}f} {word} yuan"
    return f"{yuan:,.{digits}f} yuan"


_ZH_MONEY = re.compile(r"^([-+]?[\d,]+(?:\.\d+)?)\s*(亿元|万元|元)$")
_ZH_UNIT = {"亿元": "yi_yuan", "万元": "wan_yuan", "元": "yuan"}


def english_money(text: str) -> str:
    """A money text formatted for Chinese readers (``3,601.50亿元``) rewritten for English
    ones (``360.15 billion yuan``); any other text is returned unchanged.

    >>> english_money("3,601.50亿元"), english_money("17.95万元"), english_money("30.00%")
    ('360.15 billion yuan', '179.50 thousand yuan', '30.00%')
    """
    found = _ZH_MONEY.match(text.strip())
    if found is None:
        return text
    value = float(found[1].replace(",", ""))
    yuan = to_yuan(value, _ZH_UNIT[found[2]])
    if 1e3 <= abs(yuan) < 1e6:
        return f"{yuan / 1e3:,.2f} thousand yuan"
    return money_en(value, _ZH_UNIT[found[2]])


def format_value(value: float | None, unit: str, money_unit: str = "auto", lang: str = "zh") -> str:
    """Money via :func:`format_money`; percentages with 2 decimals; other numbers plainly.

    >>> format_value(33.3333, "percent"), format_value(12.0, "count"), format_value(None, "pp")
    ('33.33%', '12', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if is_money(unit):
        if lang == "en":
            return english_money(format_money(value, unit, money_unit))
        return format_money(value, unit, money_unit)
    if unit == "percent":
        return f"{value:.2f}%"
    if unit == "pp":
        return f"{value:.2f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


#: English units that carry a Chinese magnitude (亿 = 100 million, 万 = 10,000).
_EN_MAGNITUDES = (("100 million ", 1e8), ("10,000 ", 1e4))


def english_quantity(value: float, unit_en: str) -> str:
    """An amount in an English unit written the English way: ``2.56`` "100 million visits" →
    "256 million visits", 3601.5 "100 million yuan" → "360.15 billion yuan", 3.8 "10,000 beds"
    → "38,000 beds". Other units are kept: ``20 teams``.

    >>> english_quantity(2.56, "100 million visits"), english_quantity(3601.5, "100 million yuan")
    ('256 million visits', '360.15 billion yuan')
    >>> english_quantity(3.8, "10,000 beds"), english_quantity(20.0, "teams")
    ('38,000 beds', '20 teams')
    """
    for prefix, factor in _EN_MAGNITUDES:
        if unit_en.startswith(prefix):
            rest = unit_en[len(prefix) :]
            amount = value * factor
            for name, size in (("trillion", 1e12), ("billion", 1e9), ("million", 1e6)):
                if abs(amount) >= size:
                    return f"{amount / size:,.2f}".rstrip("0").rstrip(".") + f" {name} {rest}"
            return f"{amount:,.0f} {rest}"
    number = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{number} {unit_en}".strip()
