"""One canonical period form per series, decided by the series' frequency.

Releases name the same cumulative figure in several ways: the NBS monthly retail release says
``1-6月``, a GDP release says ``上半年``, a bureau's quarterly bulletin ``2024Q2`` with 口径
累计. :func:`~consumption_monitor.ingest.normalise.parse_period` reads every such label; this
module decides how it is *stored*, so that one figure has one key and every consumer (the
derived single months and quarters, the quarterly shares of GDP) finds it:

- a **quarterly** series (GDP, value added, per-capita income; catalog ``frequency:
  quarterly``) is stored as ``YYYY-Qn``: cumulative releases as ``ytd`` (一季度 is the first
  cumulative quarter), a single later quarter as ``quarter``;
- a **monthly** series (社零, CPI, trade…) is stored as ``YYYY-MM``: cumulative releases as the
  ``ytd`` month they end in (一季度 → ``YYYY-03``, 上半年 → ``YYYY-06``), a single later
  quarter (二季度) as ``YYYY-Qn`` ``quarter``;
- an **annual** series takes the monthly forms, except that 全年 is its year.

A bare year (``2024年``) is an annual figure (yearbook, communiqué) for every series. A series
without a declared frequency follows the monthly column. Labels that name no cumulative period
of the series (下半年, a single month of a quarterly series) are refused with the reason.
:data:`PERIOD_FORMS` is the rule table; ``docs/ingestion.md#period-labels`` prints it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from consumption_monitor.catalog.models import Basis
from consumption_monitor.errors import NotFoundError
from consumption_monitor.ingest.normalise import (
    NormaliseError,
    Period,
    clean_text,
    is_missing,
    parse_period,
)
from consumption_monitor.ingest.validate import Context, Finding

__all__ = ["PERIOD_FORMS", "PeriodForm", "canonical_period", "period_form", "period_form_rule"]

_SEP = "\x1f"
_RANGE = r"\s*[-~～—–至到]\s*"


@dataclass(frozen=True, slots=True)
class PeriodForm:
    """One row of the rule table: a label form and what it is stored as, per frequency."""

    form: str
    examples: str
    monthly: str
    quarterly: str
    annual: str


#: The rule table (printed in docs/ingestion.md; tests/realdata/test_period_forms.py pins it).
PERIOD_FORMS: tuple[PeriodForm, ...] = (
    PeriodForm("month", "2024年10月", "2024-10 month", "refused", "2024-10 month"),
    PeriodForm("jan_feb", "2024年1-2月", "2024-02 ytd (or month)", "refused",
               "2024-02 ytd (or month)"),
    PeriodForm("month_range", "2024年1-6月, 2024年1—9月", "2024-06 ytd",
               "2024-Q2 ytd (ending in 3/6/9/12 only, else refused)", "2024-06 ytd"),
    PeriodForm("q1", "2024年一季度, 2024年第1季度, 2024Q1", "2024-03 ytd", "2024-Q1 ytd",
               "2024-03 ytd"),
    PeriodForm("quarter", "2024年二季度, 2024Q3 (a single quarter)", "2024-Q2 quarter",
               "2024-Q2 quarter", "2024-Q2 quarter"),
    PeriodForm("h1", "2024年上半年, 2024年1-2季度", "2024-06 ytd", "2024-Q2 ytd", "2024-06 ytd"),
    PeriodForm("q1_q3", "2024年前三季度, 2024年1-3季度", "2024-09 ytd", "2024-Q3 ytd",
               "2024-09 ytd"),
    PeriodForm("full_year", "2024年全年, 2024年1-4季度", "2024-12 ytd", "2024-Q4 ytd", "2024 year"),
    PeriodForm("year", "2024年, 2024, 2024年度", "2024 year", "2024 year", "2024 year"),
    PeriodForm("code", "2024-06, 2024-Q2 with a basis column", "YYYY-MM as given; YYYY-Qn ytd → "
               "month n×3 ytd", "YYYY-MM ytd at a quarter end → YYYY-Qn ytd, else refused",
               "as monthly"),
    PeriodForm("refused", "2024年下半年, 2024年后三季度", "refused (not a period from January)",
               "refused", "refused"),
)  # fmt: skip

_CUMULATIVE_QUARTERS = {"上半年": 2, "前三季度": 3, "全年": 4}
_NAMED = {2: "h1", 3: "q1_q3", 4: "full_year"}


def _compact(label: str) -> str:
    return clean_text(label).replace(" ", "").upper()


def period_form(label: str) -> str:
    """The rule-table ``form`` of a period label (the ``form`` column of :data:`PERIOD_FORMS`).

    >>> [period_form(x) for x in ("2024年上半年", "2024年1-3季度", "2024年一季度", "2024年1-2月")]
    ['h1', 'q1_q3', 'q1', 'jan_feb']
    >>> [period_form(x) for x in ("2024年二季度", "2024年全年", "2024", "2024-06", "2024年下半年")]
    ['quarter', 'full_year', 'year', 'code', 'refused']
    """
    raw = _compact(label)
    if re.fullmatch(
        r"\d{4}年?(下半年|后三季度|后两季度|[2-4二三四]{1}[-~～—–至到][2-4二三四]季度)", raw
    ):
        return "refused"
    m = re.fullmatch(r"\d{4}年(上半年|前三季度|全年)", raw)
    if m:
        return _NAMED[_CUMULATIVE_QUARTERS[m.group(1)]]
    m = re.fullmatch(rf"\d{{4}}年(?:第)?[1一]{_RANGE}([1-4一二三四])季度", raw)
    if m:
        last = "1一2二3三4四".index(m.group(1)) // 2 + 1
        return "q1" if last == 1 else _NAMED[last]
    if re.fullmatch(r"\d{4}(年度|年)?", raw):
        return "year"
    if re.fullmatch(r"\d{4}[-/.]?Q[1-4]|\d{4}年?第?[一二三四1-4]季度?", raw):
        return "q1" if raw.rstrip("度季")[-1] in "1一" else "quarter"
    if re.fullmatch(rf"\d{{4}}年\d{{1,2}}{_RANGE}0?2月份?", raw):
        return "jan_feb"
    if re.fullmatch(rf"\d{{4}}年\d{{1,2}}{_RANGE}\d{{1,2}}月份?", raw):
        return "month_range"
    if re.fullmatch(r"\d{4}年\d{1,2}月份?", raw):
        return "month"
    return "code"


def _refuse(en: str, zh: str) -> NormaliseError:
    return NormaliseError(en, zh)


def canonical_period(label: str, frequency: str | None, basis: str | None = None) -> Period:
    """The stored period and basis of ``label`` for a series of ``frequency``.

    ``basis`` is the row's basis column (None when empty: the label must then say it).
    ``frequency`` is the catalog's (``monthly``, ``quarterly``, ``annual``, ``daily``; None
    follows ``monthly``). Raises :class:`NormaliseError` (en and zh) for a label that names no
    period of the series, and for a basis the label contradicts.

    >>> [canonical_period(x, "quarterly").code for x in ("2024年一季度", "2024年上半年",
    ...  "2024年前三季度", "2024年全年")]
    ['2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4']
    >>> [canonical_period(x, "monthly").code for x in ("2024年一季度", "2024年上半年",
    ...  "2024年全年")]
    ['2024-03', '2024-06', '2024-12']
    >>> canonical_period("2024年上半年", "monthly").basis, canonical_period("2024", "monthly").basis
    ('ytd', 'year')
    >>> try:
    ...     canonical_period("2024年5月", "quarterly")
    ... except NormaliseError as exc:
    ...     print(exc.zh)
    季度指标没有单月数据（2024-05），请填写累计季度（一季度、上半年、前三季度、全年）
    """
    form = period_form(label)
    if form == "refused":
        raise _refuse(
            "the label names no period counted from January (下半年, 后三季度 are not "
            "released cumulatively); give the cumulative period (上半年, 前三季度, 全年) or a "
            "single quarter",
            "时期写法不明确：下半年、后三季度等不是自年初起的累计期，请填写累计期"
            "（上半年、前三季度、全年）或单季（二季度）",
        )
    parsed = parse_period(label)
    year = parsed.code[:4]
    if form == "full_year":
        # 全年 reads as a year (basis year) or as the cumulative fourth quarter (ytd).
        _check_basis(basis, ("ytd", "year"), label)
        return _cumulative(year, 12, frequency, "ytd", label)
    if form in ("h1", "q1_q3", "month_range"):
        month = {"h1": 6, "q1_q3": 9}.get(form) or int(parsed.code[5:7])
        return _cumulative(year, month, frequency, basis, label)
    if form == "q1":
        _check_basis(basis, ("ytd", "quarter"), label)
        return _cumulative(year, 3, frequency, "ytd", label)
    if form == "quarter":
        q = int(parsed.code[-1])
        _check_basis(basis, ("ytd", "quarter"), label)
        if basis == "ytd":
            return _cumulative(year, 3 * q, frequency, "ytd", label)
        return Period(f"{year}-Q{q}", "quarter", "quarter")
    if form == "year":
        _check_basis(basis, ("year",), label)
        return Period(year, "year", "year")
    if form in ("month", "jan_feb"):
        allowed = ("ytd", "month") if form == "jan_feb" else ("month",)
        _check_basis(basis, allowed, label)
        if frequency == "quarterly":
            raise _single_month(parsed.code)
        return Period(parsed.code, "month", _basis(basis) or parsed.basis, jan_feb=parsed.jan_feb)
    # A code (2024-06, 2024-Q2, 2024): the basis column says what it is.
    b = basis or parsed.basis
    if b is None:
        raise _refuse(
            "the period code does not say its basis: fill the basis column (month/ytd/quarter/"
            "year)", "时期未说明口径，请填写口径列（month/ytd/quarter/year）"
        )  # fmt: skip
    if parsed.kind == "year":
        _check_basis(b, ("year",), label)
        return parsed
    if parsed.kind == "quarter":
        q = int(parsed.code[-1])
        _check_basis(b, ("ytd", "quarter"), label)
        if b == "ytd" or q == 1:
            return _cumulative(year, 3 * q, frequency, "ytd", label)
        return Period(parsed.code, "quarter", "quarter")
    _check_basis(b, ("ytd", "month"), label)
    if frequency == "quarterly":
        if b == "month":
            raise _single_month(parsed.code)
        return _cumulative(year, int(parsed.code[5:7]), frequency, "ytd", label)
    return Period(parsed.code, "month", _basis(b), jan_feb=parsed.jan_feb)


def _basis(text: str | None) -> Basis | None:
    """``text`` as a :data:`Basis` (already checked against the label's allowed bases)."""
    return None if text is None else cast("Basis", text)


def _cumulative(
    year: str, month: int, frequency: str | None, basis: str | None, label: str
) -> Period:
    """The cumulative figure from January to ``month``: ``YYYY-Qn`` for a quarterly series."""
    _check_basis(basis, ("ytd",), label)
    if frequency == "quarterly":
        if month % 3:
            raise _refuse(
                f"a quarterly series has no cumulative figure to month {month}: give a "
                "cumulative quarter (1-3月, 1-6月, 1-9月, 1-12月)",
                f"季度指标没有截至 {month} 月的累计数，"
                "请填写累计季度（1-3月、上半年、前三季度、全年）",
            )  # fmt: skip
        return Period(f"{year}-Q{month // 3}", "quarter", "ytd")
    if frequency == "annual" and month == 12:
        return Period(year, "year", "year")
    return Period(f"{year}-{month:02d}", "month", "ytd", jan_feb=month == 2)


def _check_basis(basis: str | None, allowed: tuple[str, ...], label: str) -> None:
    if basis is not None and basis not in allowed:
        raise _refuse(
            f"the basis {basis} contradicts the period label {label} (it allows "
            f"{' or '.join(allowed)})",
            f"口径 {basis} 与时期“{label}”不符（应为 {' 或 '.join(allowed)}）",
        )


def _single_month(code: str) -> NormaliseError:
    return _refuse(
        f"a quarterly series has no figure for the single month {code}; give the cumulative "
        "quarter (一季度, 上半年, 前三季度, 全年)",
        f"季度指标没有单月数据（{code}），请填写累计季度（一季度、上半年、前三季度、全年）",
    )


def _frequency(ctx: Context, code: str) -> str:
    try:
        return ctx.catalog.indicator_name(code).frequency or ""
    except NotFoundError:
        return "?"


def period_form_rule(
    ctx: Context, values: dict[str, pa.Array], texts: dict[str, pa.Array]
) -> list[Finding]:
    """Rewrite ``period`` and ``basis`` to the one canonical form of each row's series.

    Runs after the basis is filled from the label (``official.basis_rule``). Rows whose label,
    basis or indicator is unreadable are left to the checks that report those; a label that
    names no period of the series is refused on the period cell, with the reason.
    """
    raw = texts.get("period")
    if raw is None:
        return []
    indicator = pc.fill_null(values["indicator"], "")
    freq_of = {c: _frequency(ctx, c) for c in pc.unique(indicator).to_pylist() if c}
    keys = pa.array(list(freq_of), pa.string())
    freq = pc.take(pa.array(list(freq_of.values()), pa.string()), pc.index_in(indicator, keys))
    basis = pc.fill_null(values["basis"], "")
    key = pc.binary_join_element_wise(pc.fill_null(freq, "?"), pc.fill_null(raw, ""), basis, _SEP)
    results: dict[str, str] = {}
    errors: dict[str, NormaliseError] = {}
    for k in pc.unique(key).to_pylist():
        f, label, b = k.split(_SEP)
        if f == "?" or is_missing(label):
            results[k] = ""
            continue
        try:
            p = canonical_period(label, f or None, b or None)
        except NormaliseError as exc:
            try:
                parse_period(label)
            except NormaliseError:
                results[k] = ""  # unreadable: reported by the period check
                continue
            if not b and period_form(label) == "code":
                results[k] = ""  # no basis: reported by the basis check
                continue
            errors[label] = errors.get(label, exc)
            results[k] = "!"
            continue
        results[k] = f"{p.code}{_SEP}{p.basis}"
    mapped = pc.take(
        pa.array(list(results.values()), pa.string()), pc.index_in(key, pa.array(list(results)))
    )
    ok = pc.and_(pc.not_equal(mapped, ""), pc.not_equal(mapped, "!"))
    parts = pc.split_pattern(pc.if_else(ok, mapped, f"{_SEP}"), _SEP)
    values["period"] = pc.if_else(ok, pc.list_element(parts, 0), values["period"])
    values["basis"] = pc.if_else(ok, pc.list_element(parts, 1), values["basis"])

    def describe(cell: str) -> tuple[str, str]:
        exc = errors.get(cell)
        return (exc.en, exc.zh) if exc else ("invalid period", "时期无效")

    return [
        Finding("period", pc.fill_null(pc.equal(mapped, "!"), False),
                "the period label names no period of this series",
                "时期写法与该指标的频率不符", describe)
    ]  # fmt: skip
