"""Cell normalisation: missing markers, numbers as people type them, Chinese period labels.

Scalar parsers (``parse_number``, ``parse_period``) define the rules and are what the tests pin;
the vectorised helpers apply the same rules to whole Arrow arrays with ``pyarrow.compute``, so
a ten-million-row file never meets a per-row Python loop. Values with few distinct forms
(periods, codes, labels) are parsed once per distinct value through a dictionary encoding.
"""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from consumption_monitor.catalog.models import Basis

T = TypeVar("T")

#: Cell texts meaning "no value" in published tables (dashes, slash, empty, NA).
MISSING_TOKENS: frozenset[str] = frozenset(
    {"", "-", "--", "—", "——", "–", "－", "/", "／", "…", "...", "na", "n/a", "null", "none", "nan"}
)


def _case_variants(token: str) -> set[str]:
    out = {""}
    for ch in token:
        out = {p + c for p in out for c in {ch.lower(), ch.upper()}}
    return out


# Every upper/lower-case spelling, so the vectorised test needs no lower-casing pass.
_MISSING_VARIANTS = sorted({v for t in MISSING_TOKENS for v in _case_variants(t)})

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_PATTERN = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
# Thousands separators: ASCII comma, and the ideographic/full-width forms NFKC leaves alone.
_SEPARATORS = "[,\\s\u3001\u2009\u202f']"


class NormaliseError(ValueError):
    """A cell that cannot be read; ``en``/``zh`` say why. Internal: validation turns it into a
    :class:`~consumption_monitor.ingest.problems.Problem` with the cell's location."""

    def __init__(self, en: str, zh: str) -> None:
        self.en = en
        self.zh = zh
        super().__init__(en)


def clean_text(text: str) -> str:
    """NFKC-fold (full-width digits and letters → ASCII) and strip surrounding space.

    >>> clean_text("　２０２４年１０月 ")
    '2024年10月'
    """
    return unicodedata.normalize("NFKC", text).strip()


def is_missing(text: str | None) -> bool:
    """True for the markers of "no value": empty, ``—``, ``-``, ``/``, ``NA``…

    >>> [is_missing(x) for x in ("—", "-", "/", " ", "0", None)]
    [True, True, True, True, False, True]
    """
    return text is None or clean_text(text).lower() in MISSING_TOKENS


def parse_number(text: str, *, percent: bool = False) -> float | None:
    """A number as people type it: ``4,123.5``, ``１２．３``, ``12.3%``, ``-0.5``; None if missing.

    A percent sign is accepted only in percent columns, where it is dropped (``12.3%`` → 12.3).

    >>> parse_number("4,123.5"), parse_number("１２．３"), parse_number("—")
    (4123.5, 12.3, None)
    >>> parse_number("12.3%", percent=True)
    12.3
    >>> try:
    ...     parse_number("12a")
    ... except NormaliseError as exc:
    ...     print(exc.zh, "/", exc.en)
    不是有效数字 / not a number
    """
    raw = clean_text(text)
    if raw.lower() in MISSING_TOKENS:
        return None
    if raw.endswith("%"):
        if not percent:
            raise NormaliseError(
                "a percent sign in a column that is not a percentage",
                "该列不是百分比列，却出现了百分号",
            )
        raw = raw[:-1].strip()
    raw = re.sub(_SEPARATORS, "", raw)
    if not _NUMBER.fullmatch(raw):
        raise NormaliseError("not a number", "不是有效数字")
    return float(raw)


# -- periods ----------------------------------------------------------------------------------

PeriodKind = Literal["month", "quarter", "year"]
#: The basis a period label implies (the catalog's one ``Basis``).
BasisHint = Basis

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_RANGE = r"\s*[-~～—–至到]\s*"


@dataclass(frozen=True, slots=True)
class Period:
    """A parsed period label.

    ``code`` is ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; ``basis`` is what the label itself says
    (``1-10月`` is cumulative → ``ytd``; ``10月`` → ``month``; a year → ``year``; a quarter →
    ``quarter``; plain ``2024-10`` → None);
    ``jan_feb`` is True for the combined January–February period, stored as ``YYYY-02``.
    """

    code: str
    kind: PeriodKind
    basis: BasisHint | None = None
    jan_feb: bool = False

    @property
    def start(self) -> date:
        """First day of the period (Jan 1 for ``YYYY-02`` with ``jan_feb``)."""
        year = int(self.code[:4])
        if self.kind == "year":
            return date(year, 1, 1)
        if self.kind == "quarter":
            return date(year, 3 * int(self.code[-1]) - 2, 1)
        month = int(self.code[5:7])
        return date(year, 1 if self.jan_feb else month, 1)


def _month(year: int, month: int, basis: BasisHint | None) -> Period:
    if not 1 <= month <= 12:
        raise NormaliseError(f"month {month} does not exist", f"月份 {month} 不存在")
    return Period(f"{year:04d}-{month:02d}", "month", basis, jan_feb=month == 2)


def _check_year(year: int) -> int:
    if not 1949 <= year <= 2100:
        raise NormaliseError(f"year {year} is out of range", f"年份 {year} 超出合理范围")
    return year


def parse_period(text: str) -> Period:
    """Parse the period labels of Chinese statistical tables.

    Accepted: ``2024-10``, ``2024/10``, ``2024.10``, ``202410``, ``2024年10月`` (month);
    ``2024年1-10月`` (cumulative → ``ytd``); ``2024年1-2月`` (Jan–Feb, ``2024-02``);
    ``2024年一季度``/``2024年第1季度``/``2024Q1``/``2024-Q1`` (quarter); ``2024年上半年``,
    ``2024年前三季度``, ``2024年1-3季度`` (cumulative to June/September/…); ``2024年``,
    ``2024``, ``2024年全年`` (year);
    an Excel date on the first of a month (``2024-10-01``).

    >>> parse_period("2024年1-2月")
    Period(code='2024-02', kind='month', basis='ytd', jan_feb=True)
    >>> parse_period("2024年一季度").code, parse_period("2024.10").code, parse_period("2024年").code
    ('2024-Q1', '2024-10', '2024')
    """
    raw = clean_text(text).replace(" ", "").upper()
    raw = raw.removesuffix("00:00:00").rstrip("T")
    if not raw:
        raise NormaliseError("empty period", "时期为空")
    m = re.fullmatch(r"(\d{4})年?(全年|年度)?", raw)
    if m:
        return Period(str(_check_year(int(m.group(1)))), "year", "year")
    m = re.fullmatch(r"(\d{4})[-/.]?Q([1-4])", raw) or re.fullmatch(
        r"(\d{4})年?第?([一二三四1-4])季度?", raw
    )
    if m:
        year = _check_year(int(m.group(1)))
        return Period(f"{year}-Q{_CN_DIGITS[m.group(2)]}", "quarter", "quarter")
    m = re.fullmatch(r"(\d{4})年(上半年|前三季度)", raw)
    if m:
        month = 6 if m.group(2) == "上半年" else 9
        return _month(_check_year(int(m.group(1))), month, "ytd")
    m = re.fullmatch(rf"(\d{{4}})年第?[1一]{_RANGE}([1-4一二三四])季度", raw)
    if m:  # 1-2季度, 1—3季度, 一至四季度: cumulative to the quarter's last month
        return _month(_check_year(int(m.group(1))), 3 * _CN_DIGITS[m.group(2)], "ytd")
    m = re.fullmatch(rf"(\d{{4}})年(\d{{1,2}}){_RANGE}(\d{{1,2}})月(份)?", raw)
    if m:
        year, first, last = _check_year(int(m.group(1))), int(m.group(2)), int(m.group(3))
        if first != 1 or last < 2:
            raise NormaliseError(
                f"a month range must run from January (got {first}-{last})",
                f"月份区间应从 1 月开始（实际为 {first}-{last} 月）",
            )
        return _month(year, last, "ytd")
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(份)?", raw)
    if m:
        return _month(_check_year(int(m.group(1))), int(m.group(2)), "month")
    m = re.fullmatch(r"(\d{4})(?:[-/.](\d{1,2})|(\d{2}))", raw)
    if m:
        return _month(_check_year(int(m.group(1))), int(m.group(2) or m.group(3)), None)
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", raw)
    if m:
        year, month, day = _check_year(int(m.group(1))), int(m.group(2)), int(m.group(3))
        if day != 1:
            raise NormaliseError(
                "a date is not a period (only the first of a month is read as that month)",
                "日期不能作为时期（仅每月 1 日可视为当月）",
            )
        return _month(year, month, None)
    raise NormaliseError("unrecognised period label", "无法识别的时期")


def parse_date(text: str) -> date:
    """A calendar date: ``2024-10-01``, ``2024/10/1``, ``2024年10月1日``, ``20241001``.

    >>> parse_date("2024年2月29日")
    datetime.date(2024, 2, 29)
    >>> try:
    ...     parse_date("2024-02-30")
    ... except NormaliseError as exc:
    ...     print(exc.en)
    2024-02 has no day 30
    """
    raw = clean_text(text).removesuffix("00:00:00").strip().rstrip("T")
    m = re.fullmatch(
        r"(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|年(\d{1,2})月(\d{1,2})日?|(\d{2})(\d{2}))", raw
    )
    if not m:
        raise NormaliseError("not a date (expected YYYY-MM-DD)", "不是有效日期（应为 年-月-日）")
    year = int(m.group(1))
    month = int(m.group(2) or m.group(4) or m.group(6))
    day = int(m.group(3) or m.group(5) or m.group(7))
    if not 1 <= month <= 12:
        raise NormaliseError(f"month {month} does not exist", f"月份 {month} 不存在")
    if not 1 <= day <= monthrange(year, month)[1]:
        raise NormaliseError(
            f"{year}-{month:02d} has no day {day}", f"{year} 年 {month} 月没有 {day} 日"
        )
    return date(year, month, day)


# -- vectorised helpers -----------------------------------------------------------------------


def as_text(arr: pa.Array) -> pa.Array:
    """Any Arrow array as strings (numbers printed without a trailing ``.0``)."""
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr.cast(pa.string())
    if pa.types.is_floating(arr.type):
        integral = pc.equal(pc.floor(arr), arr)
        as_int = pc.cast(pc.if_else(integral, arr, None), pa.int64(), safe=False)
        return pc.if_else(integral, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    return pc.cast(arr, pa.string())


def missing_mask(text: pa.Array, *, trimmed: pa.Array | None = None) -> pa.Array:
    """Boolean mask of missing cells (null or a missing marker) in a string array.

    ``trimmed`` is ``text`` already whitespace-trimmed, when the caller has it (saves a pass).
    """
    if trimmed is None:
        trimmed = pc.utf8_trim_whitespace(text)
    return pc.or_(pc.is_null(text), pc.is_in(trimmed, pa.array(_MISSING_VARIANTS)))


def to_float(arr: pa.Array, *, percent: bool = False) -> tuple[pa.Array, pa.Array]:
    """Parse an array to float64 by :func:`parse_number` rules; returns (values, bad mask).

    Fast path: a clean numeric or plain-ASCII column casts directly. Otherwise cells are
    NFKC-folded, separators and (in percent columns) a trailing ``%`` removed, missing markers
    nulled, and what still is not a number is flagged bad (value null).
    """
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return _finite(pc.cast(arr, pa.float64()))
    if pa.types.is_boolean(arr.type) or pa.types.is_temporal(arr.type):
        return pa.nulls(len(arr), pa.float64()), pc.invert(pc.is_null(arr))
    text = as_text(arr)
    try:
        values = pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        return _finite(values)
    folded = pc.utf8_normalize(pc.fill_null(text, ""), "NFKC")
    folded = pc.utf8_trim_whitespace(folded)
    missing = missing_mask(folded)
    if percent:
        folded = pc.replace_substring_regex(folded, r"%$", "")
    folded = pc.replace_substring_regex(folded, _SEPARATORS, "")
    ok = pc.match_substring_regex(folded, _NUMBER_PATTERN)
    bad = pc.and_(pc.invert(ok), pc.invert(missing))
    values = pc.cast(pc.if_else(ok, folded, None), pa.float64())
    return values, bad


def _finite(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    # NaN is how exporters (pandas) write "missing"; infinity is never a value anyone meant.
    nan = pc.fill_null(pc.is_nan(values), False)
    bad = pc.fill_null(pc.is_inf(values), False)
    return pc.if_else(pc.or_(nan, bad), None, values), bad


def map_distinct(
    arr: pa.Array, fn: Callable[[str], T], out_type: pa.DataType
) -> tuple[pa.Array, pa.Array, dict[str, NormaliseError]]:
    """Apply a scalar parser once per distinct text value of ``arr``.

    Returns (mapped values, bad mask, errors by distinct raw text). Missing cells map to null
    and are not bad; ``fn`` raising :class:`NormaliseError` marks every cell with that text bad.
    """
    text = as_text(arr)
    encoded = pc.dictionary_encode(text)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    dictionary = encoded.dictionary.to_pylist()
    out: list[T | None] = []
    bad_codes: list[bool] = []
    errors: dict[str, NormaliseError] = {}
    for raw in dictionary:
        if is_missing(raw):
            out.append(None)
            bad_codes.append(False)
            continue
        try:
            out.append(fn(raw))
            bad_codes.append(False)
        except NormaliseError as exc:
            errors[raw] = exc
            out.append(None)
            bad_codes.append(True)
    indices = encoded.indices
    mapped = pc.take(pa.array(out, out_type), indices)
    bad = pc.fill_null(pc.take(pa.array(bad_codes, pa.bool_()), indices), False)
    return mapped, bad, errors
