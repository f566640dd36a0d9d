"""The built report, independent of any file format: sections of paragraphs, tables and charts.

A :class:`Cell` keeps its display text and the number behind it. Paragraphs are rendered from
cells (see :mod:`.narrative`), so every number a reader sees in the text is also in a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ChartKind = Literal["bar", "barh", "line"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: what is printed and, for numbers, the unrounded value behind it."""

    text: str
    value: float | None = None


@dataclass(slots=True)
class Table:
    """A titled table; ``rows`` hold cells in the order of ``columns``."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""

    def texts(self) -> list[list[str]]:
        """The printed rows."""
        return [[c.text for c in row] for row in self.rows]


@dataclass(slots=True)
class Chart:
    """Data of one chart; drawn by :mod:`.charts` (numbers here never enter the text)."""

    key: str
    title: str
    kind: ChartKind
    categories: list[str]
    series: dict[str, list[float | None]]
    ylabel: str = ""


@dataclass(slots=True)
class Section:
    """One section: heading, narrative paragraphs, tables, charts and notes (口径 etc.)."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """A whole report in one language."""

    kind: str
    period: str
    lang: str
    title: str
    subtitle: str
    generated_at: datetime
    sections: list[Section] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """File stem: ``monthly-2025-10-zh``."""
        return f"{self.kind}-{self.period}-{self.lang}"
