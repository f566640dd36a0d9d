"""What people type into the query forms, read the way they mean it.

- **Empty means "not set".** A form sends every field, so an untouched date box arrives as
  ``start=``. :func:`drop_empty_params` removes such pairs from the query string before routing
  (pages and API alike), so no route ever sees an empty string for an optional filter.
- **Periods as people write them.** :func:`parse_period` accepts ``2025年1月``, ``2025-01``,
  ``2025/01``, ``2025.1``, ``202501``, ``2025年一季度`` / ``2025Q1`` / ``2025-Q1`` and ``2025年`` /
  ``2025``, and returns the canonical period of the long table (``2025-01``, ``2025-Q1``,
  ``2025``). Anything else is a :class:`~consumption_monitor.errors.DataValidationError`
  naming the field in both languages (the page shows the one it is in).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Query
from starlette.types import ASGIApp, Receive, Scope, Send

from consumption_monitor.errors import DataValidationError

#: Form fields that carry a period, with their labels (zh, en) for error messages.
PERIOD_FIELDS: dict[str, tuple[str, str]] = {
    "start": ("起始月份", "From"),
    "end": ("截止月份", "To"),
    "period": ("期别", "Period"),
}
#: Every other query field a page form sends, with its label as the form shows it (zh, en),
#: so a refused value is named the way the user saw the field.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    **PERIOD_FIELDS,
    "indicator": ("指标", "Indicator"),
    "region": ("地区", "Region"),
    "basis": ("口径", "Basis"),
    "compare": ("对比", "Compare"),
    "district": ("区", "District"),
    "chain": ("产业链", "Chain"),
    "stage": ("阶段", "Stage"),
    "status": ("状态", "Status"),
    "view": ("视图", "View"),
    "unit": ("单位", "Unit"),
    "key": ("假期", "Holiday"),
    "offset": ("起始行", "Offset"),
}
_QUARTERS_ZH = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTH = re.compile(r"^(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*月?$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*(?:年|-)?\s*(?:Q|第)?\s*([1-4一二三四])\s*(?:季度|季)?$", re.I)
_YEAR = re.compile(r"^(\d{4})\s*年?$")

#: A period typed into a form: free text, normalised by :func:`parse_period` in the route.
PeriodText = Annotated[str | None, Query(max_length=24, description="Period, e.g. 2025-01.")]


def drop_empty_params(query_string: bytes) -> bytes:
    """The query string without ``name=`` pairs whose value is empty or blank.

    >>> drop_empty_params(b"indicator=retail_sales&start=&end=+&lang=en")
    b'indicator=retail_sales&lang=en'
    """
    if not query_string:
        return query_string
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if v.strip()]
    if len(kept) == len(pairs):
        return query_string
    return urlencode(kept).encode("latin-1")


def parse_period(text: str | None, field: str = "period") -> str | None:
    """The canonical period for what was typed, or ``None`` when nothing was.

    Full-width digits and separators are folded first (NFKC), so ``２０２５年１月`` works.

    >>> [parse_period(s) for s in ("2025年1月", "2025-01", "2025/01", "2025.1", "202501")]
    ['2025-01', '2025-01', '2025-01', '2025-01', '2025-01']
    >>> [parse_period(s) for s in ("2025年一季度", "2025Q3", "2025-Q4", "2025年", "2025", " ")]
    ['2025-Q1', '2025-Q3', '2025-Q4', '2025', '2025', None]
    >>> parse_period("2025年13月", "start")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    consumption_monitor.errors.DataValidationError: From: '2025年13月' is not a period ...
    """
    if text is None or not text.strip():
        return None
    raw = unicodedata.normalize("NFKC", text).strip()
    if m := _MONTH.match(raw) or _COMPACT_MONTH.match(raw):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and year >= 1900:
            return f"{year:04d}-{month:02d}"
    elif m := _QUARTER.match(raw):
        return f"{m.group(1)}-Q{_QUARTERS_ZH[m.group(2).upper()]}"
    elif (m := _YEAR.match(raw)) and int(m.group(1)) >= 1900:
        return m.group(1)
    zh, en = PERIOD_FIELDS.get(field, (field, field))
    raise DataValidationError(
        f"{en}: {text!r} is not a period (month, quarter or year)",
        f"{zh}：无法识别“{text}”（应为月份、季度或年份）",
        hint_en="type e.g. 2025-01, 2025年1月, 2025/01, 2025.1, 2025Q1 or 2025, or leave it empty",
        hint_zh="请填写如 2025年1月、2025-01、2025/01、2025.1、2025Q1 或 2025，或留空表示不限",
    )


class DropEmptyParams:
    """ASGI middleware applying :func:`drop_empty_params` to every HTTP request, before the
    routes (and the language switch) read the query string."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            scope = dict(scope)
            scope["query_string"] = drop_empty_params(scope["query_string"])
        await self.app(scope, receive, send)


def invalid_fields_message(errors: Sequence[Any], lang: str) -> str:
    """A page's message for fields FastAPI refused, in the page's language, naming each field
    and the value sent (never pydantic's English regex text on a Chinese page).

    >>> invalid_fields_message([{"loc": ("query", "region"), "input": "abc"}], "zh")
    '查询条件有误：地区 =“abc”无效，请从下拉列表中选择或留空。'
    >>> invalid_fields_message([{"loc": ("query", "stage"), "input": "x"}], "en")
    "Invalid filter: Stage = 'x' — pick a value from the list or leave it empty."
    """
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
        name = ".".join(loc) or "?"
        zh, en = FIELD_LABELS.get(name, (name, name))
        value = str(err.get("input", ""))[:60]
        parts.append(f"{zh} =“{value}”" if lang == "zh" else f"{en} = {value!r}")
    if lang == "zh":
        return "查询条件有误：" + "；".join(parts) + "无效，请从下拉列表中选择或留空。"
    return (
        "Invalid filter: " + "; ".join(parts) + " — pick a value from the list or leave it empty."
    )
