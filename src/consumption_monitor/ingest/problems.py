"""Located validation problems and the capped report they make.

A :class:`Problem` says where (file, sheet, 1-based sheet row with header rows counted, column,
raw value) and why, in Chinese and English. :class:`ProblemLog` keeps the first
``settings.max_errors`` problems in full and counts the rest, so a file with ten million bad
rows costs a counter, not ten million objects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from consumption_monitor.errors import DataValidationError, Location


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input. ``row`` is None for file- or column-level problems."""

    reason_en: str
    reason_zh: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    hint_en: str | None = None
    hint_zh: str | None = None

    @property
    def location(self) -> Location:
        """The shared :class:`~consumption_monitor.errors.Location` of this problem."""
        value = self.value
        if isinstance(value, str) and len(value) > 80:
            value = value[:77] + "..."
        return Location(
            file=self.file, sheet=self.sheet, row=self.row, column=self.column, value=value
        )

    def to_error(self) -> DataValidationError:
        """This problem as a bilingual error, ready for rendering."""
        return DataValidationError(
            self.reason_en,
            self.reason_zh,
            where=self.location,
            hint_en=self.hint_en,
            hint_zh=self.hint_zh,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (used in quarantine manifests and ``--json`` output)."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value)[:200],
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass
class ProblemLog:
    """Problems found so far: the first ``limit`` in full, plus a count of all by reason."""

    limit: int = 50
    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def room(self) -> int:
        """How many more problems are kept in full."""
        return max(self.limit - len(self.problems), 0)

    def add(self, problem: Problem) -> None:
        """Record one problem (kept in full while there is room)."""
        self.total += 1
        self.by_reason[problem.reason_en] += 1
        if len(self.problems) < self.limit:
            self.problems.append(problem)

    def count(self, reason_en: str, n: int) -> None:
        """Count ``n`` further problems of one reason that are not described in full."""
        if n > 0:
            self.total += n
            self.by_reason[reason_en] += n

    def __bool__(self) -> bool:
        return self.total > 0

    def sorted(self) -> list[Problem]:
        """Kept problems in reading order: file, sheet, row (file-level problems first)."""
        return sorted(self.problems, key=lambda p: (p.file or "", p.sheet or "", p.row or 0))

    def error(self, dataset: str, *, rows_rejected: int | None = None) -> DataValidationError:
        """The refusal: one :class:`DataValidationError` listing the kept problems."""
        shown = len(self.problems)
        more_en = f" (first {shown} shown)" if self.total > shown else ""
        more_zh = f"（仅列出前 {shown} 条）" if self.total > shown else ""
        rows_en = f"; {rows_rejected} rows affected" if rows_rejected else ""
        rows_zh = f"，涉及 {rows_rejected} 行" if rows_rejected else ""
        return DataValidationError(
            f"{dataset}: {self.total} problems found{rows_en}{more_en}; nothing was loaded",
            f"{dataset}：发现 {self.total} 处问题{rows_zh}{more_zh}，本批数据未入库",
            problems=[p.to_error() for p in self.sorted()],
            hint_en="fix the listed cells and load the file again, or use --quarantine to load "
            "the valid rows and set the rejected rows aside",
            hint_zh="请修改所列单元格后重新导入；或使用 --quarantine 先导入合格行，问题行另存待查",
        )


def refuse(problem: Problem) -> DataValidationError:
    """A whole-file refusal (unreadable, unsafe, empty…) carrying one problem."""
    return DataValidationError(
        problem.reason_en,
        problem.reason_zh,
        problems=[problem.to_error()],
        where=problem.location,
        hint_en=problem.hint_en,
        hint_zh=problem.hint_zh,
    )
