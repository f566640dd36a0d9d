"""Report definitions as data: the sections of each report and the narrative's sentence templates.

Loaded from ``report/data/reports.yaml`` (bundled) and validated with pydantic. Templates take
named placeholders only; the section builders fill them from table cells.

>>> defs = load_definitions()
>>> defs.reports["holiday"].sections
['holiday', 'alerts']
>>> defs.sentence("headline", "month", "zh", month="10月", value="1.00亿元，", growth="增长3%")
'其中，10月社会消费品零售总额1.00亿元，增长3%。'
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from consumption_monitor.errors import ConfigError, NotFoundError

ReportKind = Literal["monthly", "quarterly", "holiday"]
REPORT_KINDS: tuple[ReportKind, ...] = ("monthly", "quarterly", "holiday")


class Text(BaseModel):
    """A text in Chinese and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (anything but ``en`` is Chinese)."""
        return self.en if lang == "en" else self.zh


class SectionDef(BaseModel):
    """A section: heading, sentence templates and notes (口径) printed under its tables."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text
    sentences: dict[str, Text] = Field(default_factory=dict)
    notes: dict[str, Text] = Field(default_factory=dict)


class ReportDef(BaseModel):
    """A report kind: title template and its sections in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text
    sections: list[str] = Field(min_length=1)


class Definitions(BaseModel):
    """All report kinds and sections."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reports: dict[str, ReportDef]
    sections: dict[str, SectionDef]

    @model_validator(mode="after")
    def _sections_exist(self) -> Definitions:
        for name, rep in self.reports.items():
            missing = [s for s in rep.sections if s not in self.sections]
            if missing:
                raise ValueError(f"report {name!r} names undefined sections {missing}")
        return self

    def report(self, kind: str) -> ReportDef:
        """The definition of a report kind (:class:`NotFoundError` lists the known kinds)."""
        if kind not in self.reports:
            raise NotFoundError(
                f"unknown report kind {kind!r}; expected one of {', '.join(self.reports)}",
                f"未知的报告类型 {kind!r}，应为 {'、'.join(self.reports)} 之一",
            )
        return self.reports[kind]

    def title(self, section: str, lang: str) -> str:
        """Heading of a section."""
        return self.sections[section].title.get(lang)

    def sentence(self, section: str, key: str, lang: str, **values: str) -> str:
        """Fill one sentence template; every placeholder must be given (else a ConfigError)."""
        template = self.sections[section].sentences[key].get(lang)
        try:
            return template.format(**values)
        except KeyError as exc:
            raise ConfigError(
                f"report template {section}.{key} needs placeholder {exc}",
                f"报告模板 {section}.{key} 缺少占位符 {exc}",
            ) from exc

    def note(self, section: str, key: str, lang: str, **values: str) -> str:
        """Fill one note template."""
        return self.sections[section].notes[key].get(lang).format(**values)


@cache
def load_definitions() -> Definitions:
    """The bundled definitions (``report/data/reports.yaml``), validated and cached."""
    path = resources.files("consumption_monitor.report").joinpath("data", "reports.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return Definitions(**raw)
    except ValueError as exc:
        raise ConfigError(
            f"report definitions are invalid: {exc}", f"报告定义文件无效：{exc}"
        ) from exc
