"""Major-project pipeline (重大项目): stages, milestones, record checks and the transition log.

A project moves 在谈 negotiating → 签约 signed → 开工 construction → 投产 operation → 达产
full_capacity. Each stage after negotiating has a milestone date: the signing date, and planned
and actual dates of start, operation and full capacity (columns of the ``projects`` dataset).

Rules checked here (each problem names the project and the field):

* the stage and the actual dates agree: a project at stage *s* has the actual date of every
  milestone up to *s* and none beyond it;
* actual dates run in order (signed ≤ start ≤ operation ≤ full), planned dates too, and no actual
  date lies after the as-of date;
* in a transition log, dates never go backwards, a transition starts from the stage the project
  is in, a move back (e.g. operation → construction after a halt) needs a reason, and a move
  forward over a stage is allowed but reported as a warning (its milestone date is then missing).

>>> parse_stage("开工"), Stage.OPERATION.zh, Stage.SIGNED < Stage.CONSTRUCTION
(<Stage.CONSTRUCTION: 'construction'>, '投产', True)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from consumption_monitor.chains.models import Chains, is_blank, load_chains, squash
from consumption_monitor.errors import ConsumptionMonitorError, DataValidationError, Location


class Stage(StrEnum):
    """Project stage; comparisons follow the pipeline order (negotiating first)."""

    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    CONSTRUCTION = "construction"
    OPERATION = "operation"
    FULL_CAPACITY = "full_capacity"

    @property
    def order(self) -> int:
        """0 for negotiating … 4 for full capacity."""
        return _ORDER[self]

    @property
    def zh(self) -> str:
        """Chinese label (在谈, 签约, 开工, 投产, 达产)."""
        return _STAGE_ZH[self]

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Stage):
            return self.order < other.order
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, Stage):
            return self.order <= other.order
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Stage):
            return self.order > other.order
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Stage):
            return self.order >= other.order
        return NotImplemented


STAGES: tuple[Stage, ...] = tuple(Stage)
_ORDER = {s: i for i, s in enumerate(STAGES)}
_STAGE_ZH = {
    Stage.NEGOTIATING: "在谈",
    Stage.SIGNED: "签约",
    Stage.CONSTRUCTION: "开工",
    Stage.OPERATION: "投产",
    Stage.FULL_CAPACITY: "达产",
}
_STAGE_IX = {squash(k): s for s in STAGES for k in (s.value, s.zh, s.name)}


@dataclass(frozen=True, slots=True)
class Milestone:
    """The milestone reached on entering ``stage``: its planned and actual date columns."""

    stage: Stage
    planned: str | None
    actual: str
    name_zh: str
    name_en: str


#: Milestones in order; signing has no planned date in the dataset.
MILESTONES: tuple[Milestone, ...] = (
    Milestone(Stage.SIGNED, None, "signed_date", "签约", "signing"),
    Milestone(Stage.CONSTRUCTION, "planned_start", "actual_start", "开工", "start of construction"),
    Milestone(Stage.OPERATION, "planned_operation", "actual_operation", "投产", "operation"),
    Milestone(Stage.FULL_CAPACITY, "planned_full", "actual_full", "达产", "full capacity"),
)
DATE_COLUMNS = (
    "signed_date", "planned_start", "actual_start", "planned_operation", "actual_operation",
    "planned_full", "actual_full",
)  # fmt: skip
PROJECT_COLUMNS = (
    "project_id", "name", "chain", "link", "district_code", "investment", "stage", "lead_unit",
    "enterprise_id", *DATE_COLUMNS,
)  # fmt: skip


def parse_stage(value: object) -> Stage:
    """A stage from its code (``construction``) or Chinese label (开工)."""
    found = _STAGE_IX.get(squash(value)) if value is not None else None
    if found is None:
        raise DataValidationError(
            f"unknown project stage {value!r}",
            f"未知的项目阶段 {value!r}",
            hint_en="use negotiating, signed, construction, operation or full_capacity",
            hint_zh="请填写 在谈、签约、开工、投产 或 达产",
        )
    return found


def as_date(value: object) -> date | None:
    """A date from a date, datetime, pandas Timestamp or ISO string; ``None`` for blanks/NaT."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text or text.lower() in {"nan", "nat", "none"}:
        return None
    return date.fromisoformat(text[:10])


Severity = Literal["error", "warning"]


class Problem(BaseModel):
    """One finding about a project record or transition (errors block, warnings inform)."""

    model_config = ConfigDict(frozen=True)

    project_id: str
    field: str | None = None
    severity: Severity = "error"
    message_zh: str
    message_en: str

    def to_error(self) -> DataValidationError:
        """The problem as a located platform error (for :class:`DataValidationError` lists)."""
        return DataValidationError(
            self.message_en, self.message_zh,
            where=Location(entry=self.project_id, field=self.field),
        )  # fmt: skip


def normalise_projects(frame: pd.DataFrame | Any, chains: Chains | None = None) -> pd.DataFrame:
    """The projects table in canonical form: one row per project.

    Accepts a DataFrame or an Arrow table. Dates become ``datetime.date`` (blank → ``None``),
    ``stage`` becomes the stage code (Chinese labels accepted), ``investment`` a float (亿元;
    blank → 0.0). Adds ``chain_id`` and ``link_id``: the canonical ids of ``chain``/``link``
    (``None`` where the value is blank or not in the chain definitions). Storage columns
    (``_batch_id``, ``_vintage``) are dropped. An unknown stage raises
    :class:`DataValidationError` naming the project.
    """
    df = frame.copy() if isinstance(frame, pd.DataFrame) else frame.to_pandas()
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("_")])
    for col in PROJECT_COLUMNS:
        if col not in df.columns:
            df[col] = None
    df = df.astype({"project_id": str}).reset_index(drop=True)
    for col in DATE_COLUMNS:
        df[col] = pd.Series([as_date(v) for v in df[col]], index=df.index, dtype=object)
    stages: list[str] = []
    problems: list[ConsumptionMonitorError] = []
    for pid, raw in zip(df["project_id"], df["stage"], strict=True):
        try:
            stages.append(parse_stage(raw).value)
        except DataValidationError as exc:
            problems.append(
                DataValidationError(exc.en, exc.zh, where=Location(entry=pid, field="stage"))
            )
            stages.append("")
    if problems:
        raise DataValidationError(
            "projects: unknown stage values", "重大项目：阶段取值有误", problems=problems
        )
    df["stage"] = stages
    df["investment"] = pd.to_numeric(df["investment"], errors="coerce").fillna(0.0).astype(float)
    chains = chains or load_chains()
    resolved = [chains.resolve(c, k) for c, k in zip(df["chain"], df["link"], strict=True)]
    df["chain_id"] = [r[0] for r in resolved]
    df["link_id"] = [r[1] for r in resolved]
    df["district_code"] = df["district_code"].astype(str)
    return df


def _p(pid: str, field: str | None, zh: str, en: str, severity: Severity = "error") -> Problem:
    return Problem(project_id=pid, field=field, severity=severity, message_zh=zh, message_en=en)


def check_record(row: Mapping[Any, Any], as_of: date | None = None) -> list[Problem]:
    """Problems of one project record (a row of :func:`normalise_projects`)."""
    pid = str(row["project_id"])
    stage = parse_stage(row["stage"])
    out: list[Problem] = []
    for m in MILESTONES:
        actual = row.get(m.actual)
        if stage >= m.stage and actual is None:
            out.append(_p(
                pid, m.actual, f"阶段为“{stage.zh}”，但缺少{m.name_zh}日期",
                f"stage is {stage.value} but the {m.name_en} date is missing",
            ))  # fmt: skip
        if stage < m.stage and actual is not None:
            out.append(_p(
                pid, m.actual, f"阶段为“{stage.zh}”，却填写了实际{m.name_zh}日期 {actual}",
                f"stage is {stage.value} but an actual {m.name_en} date ({actual}) is given",
            ))  # fmt: skip
        if as_of is not None and actual is not None and actual > as_of:
            out.append(_p(
                pid, m.actual, f"实际{m.name_zh}日期 {actual} 晚于统计截止日 {as_of}",
                f"actual {m.name_en} date {actual} is after the as-of date {as_of}",
            ))  # fmt: skip
    out.extend(_order_problems(pid, row, [m.actual for m in MILESTONES], "actual"))
    planned = [m.planned for m in MILESTONES if m.planned]
    out.extend(_order_problems(pid, row, planned, "planned"))
    signed, start = row.get("signed_date"), row.get("planned_start")
    if signed is not None and start is not None and start < signed:
        out.append(_p(
            pid, "planned_start", f"计划开工日期 {start} 早于签约日期 {signed}",
            f"planned start {start} is before signing {signed}", "warning",
        ))  # fmt: skip
    return out


def _order_problems(
    pid: str, row: Mapping[Any, Any], cols: Sequence[str], kind: str
) -> list[Problem]:
    out: list[Problem] = []
    dated: list[tuple[str, date]] = [(c, row[c]) for c in cols if row.get(c) is not None]
    for (c1, d1), (c2, d2) in itertools.pairwise(dated):
        if d2 < d1:
            out.append(_p(
                pid, c2, f"{_ZH_COL[c2]} {d2} 早于 {_ZH_COL[c1]} {d1}（{kind}日期须按顺序）",
                f"{c2} {d2} is before {c1} {d1} ({kind} dates must be in order)",
            ))  # fmt: skip
    return out


_ZH_COL = {
    "signed_date": "签约日期", "planned_start": "计划开工日期", "actual_start": "实际开工日期",
    "planned_operation": "计划投产日期", "actual_operation": "实际投产日期",
    "planned_full": "计划达产日期", "actual_full": "实际达产日期",
}  # fmt: skip


def validate_projects(frame: pd.DataFrame, as_of: date | None = None) -> list[Problem]:
    """Every problem of every record, plus duplicate ids and links unknown to the chains."""
    out: list[Problem] = []
    dup = frame["project_id"][frame["project_id"].duplicated()]
    out.extend(_p(p, "project_id", f"项目编号 {p} 重复", f"duplicate project id {p}") for p in dup)
    for row in frame.to_dict("records"):
        out.extend(check_record(row, as_of))
        if not is_blank(row.get("chain")) and is_blank(row.get("link_id")):
            out.append(_p(
                str(row["project_id"]), "link",
                f"产业链/环节“{row.get('chain')}/{row.get('link')}”不在产业链图谱中",
                f"chain/link {row.get('chain')}/{row.get('link')} is not in the chain definitions",
                "warning",
            ))  # fmt: skip
    return out


# -- transition log ------------------------------------------------------------------------------


class Transition(BaseModel):
    """One recorded stage change of a project."""

    model_config = ConfigDict(frozen=True)

    project_id: str
    from_stage: Stage | None = None
    to_stage: Stage
    on: date
    reason: str | None = None
    recorded_by: str | None = None

    @property
    def is_setback(self) -> bool:
        """A move back along the pipeline (needs a reason)."""
        return self.from_stage is not None and self.to_stage < self.from_stage


def check_transitions(
    transitions: Iterable[Transition],
    *,
    initial: Stage | None = None,
    after: date | None = None,
    as_of: date | None = None,
) -> list[Problem]:
    """Problems of a project's transition log, read in the given order.

    ``initial`` is the stage before the first transition (``None``: the first transition
    defines it); ``after`` is the date of the last transition already recorded. Errors: a
    transition that does not start where the project is, a no-op, a date before the previous
    transition or after ``as_of``, a move back without a reason. Warning: a forward move over
    one or more stages.
    """
    out: list[Problem] = []
    current, last = initial, after
    for t in transitions:
        pid, to = t.project_id, t.to_stage
        start = t.from_stage if t.from_stage is not None else current
        if current is not None and start is not None and start != current:
            zh = f"变更记录的起始阶段“{start.zh}”与当前阶段“{current.zh}”不符"
            en = f"transition starts at {start.value} but the project is at {current.value}"
            out.append(_p(pid, "from_stage", zh, en))
        if start is not None and to == start:
            out.append(_p(pid, "to_stage", f"阶段未变化（{start.zh}）", f"no change ({to.value})"))
        if last is not None and t.on < last:
            zh = f"变更日期 {t.on} 早于上一条记录 {last}"
            out.append(_p(pid, "on", zh, f"date {t.on} is before the previous one ({last})"))
        if as_of is not None and t.on > as_of:
            zh = f"变更日期 {t.on} 晚于统计截止日 {as_of}"
            out.append(_p(pid, "on", zh, f"date {t.on} is after the as-of date {as_of}"))
        if start is not None and to < start and not (t.reason or "").strip():
            zh = f"阶段由“{start.zh}”退回“{to.zh}”，须填写原因"
            en = f"moving back from {start.value} to {to.value} needs a reason"
            out.append(_p(pid, "reason", zh, en))
        if start is not None and to.order > start.order + 1:
            skipped = STAGES[start.order + 1 : to.order]
            zh = f"跳过阶段：{'、'.join(s.zh for s in skipped)}（请补填其节点日期）"
            en = f"skips {', '.join(s.value for s in skipped)} (fill in their milestone dates)"
            out.append(_p(pid, "to_stage", zh, en, "warning"))
        current, last = to, t.on
    return out


def apply_transition(
    log: Sequence[Transition], transition: Transition, *, as_of: date | None = None
) -> list[Transition]:
    """The log with ``transition`` appended, or :class:`DataValidationError` listing the errors."""
    current = log[-1].to_stage if log else None
    after = log[-1].on if log else None
    found = check_transitions([transition], initial=current, after=after, as_of=as_of)
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise DataValidationError(
            f"project {transition.project_id}: stage change refused",
            f"项目 {transition.project_id}：阶段变更被拒绝",
            problems=[p.to_error() for p in errors],
        )
    return [*log, transition]


def transitions_from_record(row: Mapping[Any, Any]) -> list[Transition]:
    """The forward transitions implied by a record's actual milestone dates, oldest first."""
    pid = str(row["project_id"])
    stage = parse_stage(row["stage"])
    out: list[Transition] = []
    previous = Stage.NEGOTIATING
    for m in MILESTONES:
        actual = row.get(m.actual)
        if actual is None or m.stage > stage:
            continue
        out.append(Transition(project_id=pid, from_stage=previous, to_stage=m.stage, on=actual))
        previous = m.stage
    return out
