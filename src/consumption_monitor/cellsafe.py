"""Text that leaves the platform in a spreadsheet stays text (no formula injection).

A submitted value such as ``=HYPERLINK("http://…"&A2,"和平区统计局")`` must not come back as a
live formula when an export is opened in Excel or WPS. Two rules, used by every export:

- xlsx writers (xlsxwriter, also through pandas) are created with :data:`XLSX_OPTIONS`, so a
  string is written as a string cell: never a formula, a hyperlink or a number;
- CSV cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
  apostrophe (:func:`csv_text`), the convention spreadsheets read as "this is text". A plain
  number such as ``-12.5`` is left alone: a spreadsheet reads it as a number, not a formula.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: xlsxwriter ``Workbook`` options: strings stay strings.
XLSX_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
#: First characters a spreadsheet may read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_text(value: str) -> str:
    """``value`` safe as a CSV cell.

    >>> csv_text('=HYPERLINK("http://x")'), csv_text("-12.5"), csv_text("@sum"), csv_text("和平区")
    ('\\'=HYPERLINK("http://x")', '-12.5', "'@sum", '和平区')
    """
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """:func:`csv_text` for strings; any other value unchanged."""
    return csv_text(value) if isinstance(value, str) else value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe for CSV."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out
