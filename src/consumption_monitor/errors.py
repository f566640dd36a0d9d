"""One error hierarchy for the whole platform.

Every error carries a bilingual message (Chinese first, English second), an optional location
(file, sheet, row, column, value) and a hint saying what to do. Subclasses also inherit the
fitting builtin, so ``except ValueError`` keeps working for callers that do not know us, and
carry the HTTP status the web layer renders them with. The CLI, the API and the pages all render
errors through :meth:`ConsumptionMonitorError.to_dict` / :meth:`ConsumptionMonitorError.render`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem was found. Rows are 1-based as a person counts them in a sheet."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None
    entry: str | None = None
    field: str | None = None

    def describe(self) -> str:
        """Human-readable location, e.g. ``plan.yaml: entry task-3, field units``.

        >>> Location(file="a.csv", row=3, column="amount", value="-5").describe()
        "a.csv, row 3, column 'amount', value '-5'"
        """
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.entry:
            parts.append(f"entry {self.entry!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.value is not None:
            text = str(self.value)
            parts.append(f"value {text[:60]!r}")
        return ", ".join(parts)


class ConsumptionMonitorError(Exception):
    """Base class. ``zh`` and ``en`` say what was wrong; ``hint_*`` say what to do."""

    http_status: ClassVar[int] = 500
    code: ClassVar[str] = "error"

    def __init__(
        self,
        en: str,
        zh: str | None = None,
        *,
        where: Location | None = None,
        hint_en: str | None = None,
        hint_zh: str | None = None,
    ) -> None:
        self.en = en
        self.zh = zh or en
        self.where = where
        self.hint_en = hint_en
        self.hint_zh = hint_zh or hint_en
        super().__init__(self.render("en"))

    def render(self, lang: str = "zh") -> str:
        """One line: location, message and hint in the chosen language."""
        msg, hint = (self.zh, self.hint_zh) if lang == "zh" else (self.en, self.hint_en)
        text = f"{self.where.describe()}: {msg}" if self.where and self.where.describe() else msg
        if hint:
            text += (" —— 处理办法：" if lang == "zh" else " — what to do: ") + hint
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form used by the API and ``--json`` output."""
        return {
            "code": self.code,
            "message_zh": self.render("zh"),
            "message_en": self.render("en"),
            "where": {k: v for k, v in asdict(self.where).items() if v is not None}
            if self.where
            else None,
        }


class ConfigError(ConsumptionMonitorError, ValueError):
    """A setting is missing, malformed or unsafe."""

    http_status = 500
    code = "config"


class PlanError(ConsumptionMonitorError, ValueError):
    """An action-plan file is malformed (unknown unit, duplicate id, bad target…)."""

    http_status = 422
    code = "plan"


class DataValidationError(ConsumptionMonitorError, ValueError):
    """Input data failed validation; ``problems`` lists each located problem."""

    http_status = 422
    code = "validation"

    def __init__(
        self,
        en: str,
        zh: str | None = None,
        *,
        problems: list[ConsumptionMonitorError] | None = None,
        where: Location | None = None,
        hint_en: str | None = None,
        hint_zh: str | None = None,
    ) -> None:
        self.problems = problems or []
        super().__init__(en, zh, where=where, hint_en=hint_en, hint_zh=hint_zh)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["problems"] = [p.to_dict() for p in self.problems]
        return out


class NotFoundError(ConsumptionMonitorError, KeyError):
    """A named thing (task, indicator, batch, district…) does not exist."""

    http_status = 404
    code = "not_found"

    def __str__(self) -> str:  # KeyError quotes its argument; keep the plain message
        return self.render("en")


class PermissionDeniedError(ConsumptionMonitorError, PermissionError):
    """The caller's role or unit may not do this."""

    http_status = 403
    code = "forbidden"


class AuthenticationError(ConsumptionMonitorError, PermissionError):
    """No valid login or token."""

    http_status = 401
    code = "unauthenticated"


class ConflictError(ConsumptionMonitorError, ValueError):
    """The request conflicts with stored state (already exists, stale version…)."""

    http_status = 409
    code = "conflict"


class QuotaExceededError(ConsumptionMonitorError, ValueError):
    """An upload would take a user beyond their disk quota."""

    http_status = 413
    code = "quota"


class StorageError(ConsumptionMonitorError, OSError):
    """The lake, the stored results or the metadata database cannot be read or written (disk
    full, read-only, corrupt file): the request is refused, nothing is half-written."""

    http_status = 503
    code = "storage"


class CalendarError(ConsumptionMonitorError, ValueError):
    """The holiday calendar does not know a year; never guessed."""

    http_status = 422
    code = "calendar"


class EngineError(ConsumptionMonitorError, RuntimeError):
    """The compute engine (DuckDB/Spark) or an external binary (X-13) failed."""

    http_status = 500
    code = "engine"


class EvaluationError(ConsumptionMonitorError, ValueError):
    """An evaluation scheme or its weights cannot be used (inconsistent AHP matrix, bad YAML…)."""

    http_status = 422
    code = "evaluation"


class AmbiguousNameError(NotFoundError):
    """A name matches more than one thing (two indicators share an alias); ``candidates`` lists
    them so the caller can pick one by code. A :class:`NotFoundError` so every refusal path that
    handles an unknown name refuses an ambiguous one too."""

    http_status = 409
    code = "ambiguous"

    def __init__(
        self,
        en: str,
        zh: str | None = None,
        *,
        candidates: list[str] | None = None,
        where: Location | None = None,
        hint_en: str | None = None,
        hint_zh: str | None = None,
    ) -> None:
        self.candidates = candidates or []
        super().__init__(en, zh, where=where, hint_en=hint_en, hint_zh=hint_zh)
