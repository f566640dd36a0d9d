"""Map the headers people write to a dataset's canonical column names, and read their units.

A header matches a column by its canonical name, Chinese header or any alias from
``datasets.yaml``, after folding full-width characters, case, spaces and punctuation. A unit
in the header (``零售额(亿元)``, ``金额/万元``, ``同比增长(%)``) is split off and recorded, so
money is converted to the column's canonical unit. Two-row headers arrive joined with ``|``
(``零售额|本月``): the whole label is tried first, then the lower part, then the upper part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consumption_monitor.catalog import Column, Dataset
from consumption_monitor.ingest.normalise import clean_text
from consumption_monitor.ingest.problems import Problem

#: Unit words in headers and unit cells → unit codes of ``datasets.yaml``/``indicators.yaml``.
UNIT_WORDS: dict[str, str] = {
    "元": "yuan",
    "万元": "wan_yuan",
    "亿元": "yi_yuan",
    "%": "percent",
    "百分比": "percent",
    "个": "count",
    "家": "count",
    "人次": "count",
    "万人次": "wan_persons",
    "万人": "wan_persons",
    "张": "beds",
    "万标准箱": "wan_teu",
    "万吨": "wan_tonnes",
    "名": "rank",
    "位": "rank",
    "位次": "rank",
    "rank": "rank",
    "yuan": "yuan",
    "wan_yuan": "wan_yuan",
    "yi_yuan": "yi_yuan",
    "percent": "percent",
    "count": "count",
}
#: Money units in yuan; a value in unit ``a`` is ``v * MONEY[a] / MONEY[b]`` in unit ``b``.
MONEY: dict[str, float] = {"yuan": 1.0, "wan_yuan": 1e4, "yi_yuan": 1e8}
#: Header labels that are row numbers, not data; their columns are skipped.
IGNORED_HEADERS = frozenset({"序号", "no", "no.", "行号", "#"})

_UNIT_ALT = "|".join(sorted((re.escape(w) for w in UNIT_WORDS if not w.isascii()), key=len)[::-1])
_UNIT_IN_HEADER = re.compile(
    rf"^(?P<base>.*?)\s*(?:[(\[（【]\s*(?:单位\s*[:：]\s*)?(?P<u1>{_UNIT_ALT}|%)\s*[)\]）】]"
    rf"|[/／]\s*(?P<u2>{_UNIT_ALT}|%)|[(（](?P<u3>%)[)）])\s*$"
)
_UNIT_LINE = re.compile(rf"单位\s*[:：]\s*(?P<unit>{_UNIT_ALT})")
_FOLD = re.compile(r"[\s、，,（）()\[\]【】·\-—_:：/／]")


def fold(label: str) -> str:
    """Fold a header for matching: NFKC, lower-case, no spaces or punctuation.

    >>> fold("  Retail_Sales "), fold("零售额（万元）")
    ('retailsales', '零售额万元')
    """
    return _FOLD.sub("", clean_text(label)).lower()


def split_unit(label: str) -> tuple[str, str | None]:
    """Split a unit off a header: ``("零售额", "yi_yuan")`` for ``零售额(亿元)``.

    >>> split_unit("零售额（亿元）"), split_unit("同比增长(%)"), split_unit("金额/万元")
    (('零售额', 'yi_yuan'), ('同比增长', 'percent'), ('金额', 'wan_yuan'))
    >>> split_unit("地区")
    ('地区', None)
    """
    text = clean_text(label)
    m = _UNIT_IN_HEADER.match(text)
    if not m:
        return text, None
    word = m.group("u1") or m.group("u2") or m.group("u3")
    return m.group("base").strip(), UNIT_WORDS[word]


def unit_from_title(text: str) -> str | None:
    """The unit of a title line such as ``单位：万元`` above a table, if any.

    >>> unit_from_title("2024年社零数据  单位：亿元"), unit_from_title("说明")
    ('yi_yuan', None)
    """
    m = _UNIT_LINE.search(clean_text(text))
    return UNIT_WORDS[m.group("unit")] if m else None


def normalise_unit(text: str) -> str | None:
    """Unit code of a unit cell (``万元`` → ``wan_yuan``); None when unknown."""
    return UNIT_WORDS.get(clean_text(text).strip("()（）")) or UNIT_WORDS.get(fold(text))


@dataclass(frozen=True, slots=True)
class MappedColumn:
    """One input column: its position, raw header, canonical column (None = skipped), unit."""

    index: int
    raw: str
    column: Column | None
    unit: str | None = None


class HeaderIndex:
    """Every accepted header label of one dataset, folded, pointing at its column."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._ix: dict[str, Column] = {}
        for col in dataset.columns:
            for label in (col.name, col.zh, *col.aliases):
                self._ix.setdefault(fold(label), col)
                base, _ = split_unit(label)
                self._ix.setdefault(fold(base), col)

    def match(self, label: str) -> tuple[Column | None, str | None]:
        """The column and header unit for one label; (None, unit) when nothing matches."""
        parts = [label, *reversed(label.split("|"))] if "|" in label else [label]
        unit: str | None = None
        for part in parts:
            direct = self._ix.get(fold(part))
            base, part_unit = split_unit(part)
            unit = unit or part_unit
            col = direct or self._ix.get(fold(base))
            if col is not None:
                return col, part_unit or unit
        return None, unit

    def score(self, cells: list[str]) -> int:
        """How many cells of a candidate header row are known headers (for row detection)."""
        return sum(1 for c in cells if c and self.match(c)[0] is not None)

    def expected(self) -> str:
        """The accepted headers, for hints: ``地区 (region), 指标 (indicator)…``."""
        return ", ".join(f"{c.zh} ({c.name})" for c in self.dataset.columns)


def map_headers(
    index: HeaderIndex, labels: list[str], *, file: str, sheet: str | None
) -> tuple[list[MappedColumn], list[Problem]]:
    """Map raw header labels; problems for unknown, duplicate and missing required columns.

    Blank headers map to None (their cells must be empty; the reader drops empty columns).
    """
    mapped: list[MappedColumn] = []
    problems: list[Problem] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(labels):
        label = clean_text(raw)
        if not label or fold(label) in IGNORED_HEADERS:
            mapped.append(MappedColumn(i, raw, None))
            continue
        col, unit = index.match(label)
        if col is None:
            unknown.append(label)
            mapped.append(MappedColumn(i, raw, None))
            continue
        if col.name in seen:
            problems.append(
                Problem(
                    f"columns {seen[col.name]!r} and {label!r} both mean {col.name!r}",
                    f"列“{seen[col.name]}”与“{label}”都对应字段 {col.name}（{col.zh}）",
                    file=file,
                    sheet=sheet,
                    column=label,
                    hint_en="keep one of them, or rename the other",
                    hint_zh="请只保留其中一列，或修改另一列的表头",
                )
            )
            mapped.append(MappedColumn(i, raw, None))
            continue
        seen[col.name] = label
        mapped.append(MappedColumn(i, raw, col, unit))
    if unknown:
        problems.append(
            Problem(
                f"unknown columns: {', '.join(unknown)}",
                f"无法识别的列：{'、'.join(unknown)}",
                file=file,
                sheet=sheet,
                column=unknown[0],
                hint_en=f"use the headers of dataset {index.dataset.name}: {index.expected()}",
                hint_zh=f"请使用数据集 {index.dataset.name_zh} 的表头：{index.expected()}",
            )
        )
    return mapped, problems


def missing_required(
    index: HeaderIndex, mapped: list[MappedColumn], *, file: str, sheet: str | None,
    inferable: frozenset[str] = frozenset(),
) -> list[Problem]:  # fmt: skip
    """Problems for required columns with no header (``inferable`` ones may be derived)."""
    present = {m.column.name for m in mapped if m.column is not None}
    return [
        Problem(
            f"required column {col.name!r} ({col.zh}) is missing",
            f"缺少必填列“{col.zh}”（{col.name}）",
            file=file,
            sheet=sheet,
            column=col.zh,
            hint_en=f"add a column headed {col.zh} or {col.name}",
            hint_zh=f"请增加表头为“{col.zh}”的列",
        )
        for col in index.dataset.columns
        if col.required and col.name not in present and col.name not in inferable
    ]
