"""Wording of the narrative (Chinese and English) and the check that its numbers are in tables.

Conventions follow NBS releases (国家统计局月度社零新闻稿):

- Growth rates print with one decimal: ``同比增长4.5%``, ``同比下降3.2%`` (never ``增长-3.2%``);
  a rate that prints as 0.0 reads ``与上年同期持平``.
- A change of growth rate is the difference of the two *printed* rates, in 个百分点:
  ``加快0.3个百分点`` / ``回落0.2个百分点``; when both rates are negative NBS speaks of the
  decline: ``降幅收窄`` / ``降幅扩大``. Tolerance for ``持平``: ``|Δ| < 0.05`` percentage points,
  i.e. the two one-decimal rates are equal. Shares move by ``提高`` / ``降低`` / ``持平``.
- Jan–Feb is one period (METHODOLOGY §1): a cumulative period ending in February and a "month"
  period ``YYYY-02`` both read ``1—2月``; the dash is the Chinese em dash ``—``.

Every number in a paragraph must be printed in one of the section's tables
(:func:`check_numbers`): paragraphs are assembled from the cells' display text.

>>> growth_phrase(-3.24), growth_phrase(4.46), growth_phrase(0.04)
('同比下降3.2%', '同比增长4.5%', '与上年同期持平')
>>> change_phrase(4.5, 4.2, "1—9月")
'增速比1—9月加快0.3个百分点'
>>> change_phrase(-2.0, -3.1, "1—9月")
'降幅比1—9月收窄1.1个百分点'
>>> period_label("2025-02", "ytd"), period_label("2025-10", "ytd"), period_label("2025-02", "month")
('1—2月', '1—10月', '1—2月')
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.report.model import Section

#: |Δ| below this (percentage points, between one-decimal rates) reads 持平 / "unchanged".
FLAT_TOLERANCE_PP = 0.05

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_QUARTER_ZH = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
_QUARTER_YTD_ZH = {3: "一季度", 6: "上半年", 9: "前三季度", 12: "全年"}
_QUARTER_YTD_EN = {3: "Q1", 6: "H1", 9: "Q1–Q3", 12: "full year"}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


# ----------------------------------------------------------------------------- periods


def period_label(period: str, basis: str, lang: str = "zh", *, quarterly: bool = False) -> str:
    """Label of a period without the year: ``1—10月``, ``10月``, ``三季度``, ``前三季度``.

    ``quarterly`` names a cumulative period ending in March, June, September or December the
    way quarterly releases do (一季度, 上半年, 前三季度, 全年).

    >>> period_label("2025-03", "month", "en"), period_label("2025-09", "ytd", quarterly=True)
    ('Mar', '前三季度')
    >>> period_label("2025-Q3", "quarter"), period_label("2025", "year", "en")
    ('三季度', 'full year')
    """
    if basis == "year" or len(period) == 4:
        return "全年" if lang == "zh" else "full year"
    if "Q" in period:
        q = int(period[-1])
        return _QUARTER_ZH[q] if lang == "zh" else f"Q{q}"
    month = int(period[5:7])
    if basis == "ytd" and quarterly and month in _QUARTER_YTD_ZH:
        return _QUARTER_YTD_ZH[month] if lang == "zh" else _QUARTER_YTD_EN[month]
    if basis == "ytd" or month <= 2:
        last = max(month, 2)
        return f"1—{last}月" if lang == "zh" else f"Jan–{_MONTHS_EN[last - 1]}"
    return f"{month}月" if lang == "zh" else _MONTHS_EN[month - 1]


def full_period_label(period: str, basis: str, lang: str = "zh", *, quarterly: bool = False) -> str:
    """Label with the year: ``2025年1—10月`` / ``Jan–Oct 2025``.

    >>> full_period_label("2025-10", "ytd"), full_period_label("2025-02", "ytd", "en")
    ('2025年1—10月', 'Jan–Feb 2025')
    """
    label = period_label(period, basis, lang, quarterly=quarterly)
    if lang == "zh":
        return f"{period[:4]}年{label}"
    return f"{label} {period[:4]}"


def cumulative_quarter_label(quarter: str, lang: str = "zh") -> str:
    """The name of a cumulative quarterly release: 一季度, 上半年, 前三季度, 全年.

    >>> cumulative_quarter_label("2025-Q3"), cumulative_quarter_label("2025-Q2", "en")
    ('2025年前三季度', 'H1 2025')
    """
    year, q = quarter[:4], int(quarter[-1])
    if lang == "zh":
        return f"{year}年" + ("一季度", "上半年", "前三季度", "全年")[q - 1]
    return ("Q1", "H1", "Q1–Q3", "Full year")[q - 1] + f" {year}"


def previous_ytd(period: str) -> tuple[str, bool]:
    """The cumulative period to compare a YTD period with, and whether it is last year's.

    March follows Jan–Feb; Jan–Feb has no earlier period in its year, so it is compared with
    the previous full year (``YYYY-12`` of last year), as NBS does.

    >>> previous_ytd("2025-10"), previous_ytd("2025-03"), previous_ytd("2025-02")
    (('2025-09', False), ('2025-02', False), ('2024-12', True))
    """
    year, month = int(period[:4]), int(period[5:7])
    if month <= 2:
        return f"{year - 1}-12", True
    return f"{year}-{max(month - 1, 2):02d}", False


def normalise_month(period: str) -> str:
    """``YYYY-01`` → ``YYYY-02`` (Jan–Feb is one period); other months unchanged.

    >>> normalise_month("2026-01"), normalise_month("2026-05")
    ('2026-02', '2026-05')
    """
    return period[:5] + "02" if period[5:7] == "01" else period


def same_period_last_year(period: str) -> str:
    """``2025-10`` → ``2024-10``; ``2025-Q3`` → ``2024-Q3``."""
    return f"{int(period[:4]) - 1}{period[4:]}"


# ----------------------------------------------------------------------------- numbers


def rate_text(x: float | None, digits: int = 1) -> str:
    """A rate as printed in a table cell (one decimal, sign kept): ``-3.2``; ``—`` if missing.

    >>> rate_text(-3.24), rate_text(-0.04), rate_text(None), rate_text(1.25), rate_text(-1.25)
    ('-3.2', '0.0', '—', '1.3', '-1.3')
    """
    if x is None or not math.isfinite(x):
        return "—"
    # Half up on the decimal the reader sees (四舍五入: 1.25 → 1.3), not binary half-even.
    step = Decimal(1).scaleb(-digits)
    text = str(Decimal(repr(float(x))).quantize(step, rounding=ROUND_HALF_UP))
    return text.removeprefix("-") if float(text) == 0 else text


def delta_text(x: float | None, digits: int = 1) -> str:
    """A change in percentage points with its sign: ``+0.3``, ``-1.1``, ``0.0``."""
    if not _finite(x):
        return "—"
    text = rate_text(x, digits)
    return text if text.startswith("-") or float(text) == 0 else "+" + text


def printed_delta(current: float, previous: float, digits: int = 1) -> float:
    """Δ between two rates as printed (rounded first), so text and table agree.

    >>> printed_delta(4.46, 4.24)
    0.3
    """
    return round(float(rate_text(current, digits)) - float(rate_text(previous, digits)), digits)


def growth_phrase(g: float, lang: str = "zh", *, yoy: bool = True, digits: int = 1) -> str:
    """``同比增长4.5%`` / ``同比下降3.2%`` / ``与上年同期持平`` (English: up / down / flat).

    ``yoy=False`` drops 同比 / "year on year" for comparisons the sentence already names.

    >>> growth_phrase(2.0, yoy=False), growth_phrase(-0.01, "en")
    ('增长2.0%', 'flat year on year')
    """
    text = rate_text(g, digits)
    value = float(text)
    size = text.removeprefix("-")
    if lang == "zh":
        if value == 0:
            return "与上年同期持平" if yoy else "持平"
        return f"{'同比' if yoy else ''}{'增长' if value > 0 else '下降'}{size}%"
    if value == 0:
        return "flat year on year" if yoy else "flat"
    return f"{'up' if value > 0 else 'down'} {size}%" + (" year on year" if yoy else "")


def change_phrase(current: float, previous: float, previous_label: str, lang: str = "zh") -> str:
    """How a growth rate moved against an earlier period (see the module docstring).

    >>> change_phrase(4.52, 4.48, "1—9月")
    '增速与1—9月持平'
    >>> change_phrase(-1.0, 2.0, "Jan–Sep", "en")
    'growth 3.0 percentage points slower than in Jan–Sep'
    """
    delta = printed_delta(current, previous)
    size = rate_text(abs(delta))
    both_negative = float(rate_text(current)) < 0 and float(rate_text(previous)) < 0
    if abs(delta) < FLAT_TOLERANCE_PP:
        if lang == "zh":
            return f"增速与{previous_label}持平"
        return f"growth unchanged from {previous_label}"
    if lang == "zh":
        if both_negative:
            word = "收窄" if delta > 0 else "扩大"
            return f"降幅比{previous_label}{word}{size}个百分点"
        word = "加快" if delta > 0 else "回落"
        return f"增速比{previous_label}{word}{size}个百分点"
    if both_negative:
        word = "narrowed" if delta > 0 else "widened"
        return f"the decline {word} by {size} percentage points from {previous_label}"
    word = "faster" if delta > 0 else "slower"
    return f"growth {size} percentage points {word} than in {previous_label}"


def share_change_phrase(current: float, previous: float, lang: str = "zh") -> str:
    """A share against the same period last year: ``比上年同期提高0.8个百分点`` etc.

    >>> share_change_phrase(28.31, 27.52), share_change_phrase(28.3, 28.34)
    ('比上年同期提高0.8个百分点', '与上年同期持平')
    """
    delta = printed_delta(current, previous)
    size = rate_text(abs(delta))
    if abs(delta) < FLAT_TOLERANCE_PP:
        return "与上年同期持平" if lang == "zh" else "unchanged from a year earlier"
    if lang == "zh":
        return f"比上年同期{'提高' if delta > 0 else '降低'}{size}个百分点"
    word = "up" if delta > 0 else "down"
    return f"{word} {size} percentage points from a year earlier"


def join_list(items: list[str], lang: str = "zh") -> str:
    """``甲、乙和丙`` / ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    sep, last = ("、", "和") if lang == "zh" else (", ", " and ")
    return sep.join(items[:-1]) + last + items[-1]


# ----------------------------------------------------------------------------- checking


def _canonical(token: str) -> str:
    """``"3,456.70"`` → ``"3456.70"``; ``"01"`` → ``"1"`` (digits after the point are kept)."""
    token = token.replace(",", "")
    whole, _, frac = token.partition(".")
    whole = whole.lstrip("0") or "0"
    return f"{whole}.{frac}" if frac else whole


def numbers_in(text: str) -> list[str]:
    """Every number in ``text`` in canonical form, signs dropped (words carry the sign).

    >>> numbers_in("1—10月，总额3,456.78亿元，下降3.2%")
    ['1', '10', '3456.78', '3.2']
    """
    return [_canonical(m.group()) for m in _NUMBER.finditer(text)]


def check_numbers(section: Section) -> list[str]:
    """Numbers in the section's paragraphs that are printed in none of its tables (empty = ok)."""
    printed: set[str] = set()
    for table in section.tables:
        printed.update(numbers_in(table.title))
        for row in table.rows:
            for cell in row:
                printed.update(numbers_in(cell.text))
    problems: list[str] = []
    for paragraph in section.paragraphs:
        problems.extend(
            f"{section.key}: {n!r} in {paragraph!r}"
            for n in numbers_in(paragraph)
            if n not in printed
        )
    return problems


def assert_numbers_from_tables(sections: list[Section]) -> None:
    """Raise if any paragraph prints a number that no table of its section holds (a bug)."""
    problems = [p for s in sections for p in check_numbers(s)]
    if problems:
        raise ConsumptionMonitorError(
            "report narrative has numbers not in its tables: " + "; ".join(problems),
            "报告文字中有表格以外的数字：" + "；".join(problems),
        )
