"""What the pages show, gathered from the library modules that exist today.

Each function returns only what really exists: no fake numbers. When a module lands (indicator
engine, task progress), the matching function here is the one place to wire it in:

* :func:`headline_cards` — the 总览 / 大屏 cards; empty until computed indicators exist, and
  the pages then say "暂无数据 / no data yet".
* :func:`task_status` — a task's reporting status; ``not_reported`` until ``task_progress``
  submissions are read.
* :func:`run_ingest` — the upload pipeline (``consumption_monitor.ingest``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from consumption_monitor.auth import User, can_see
from consumption_monitor.auth.roles import HasRoleAndUnit, UnitDirectory, may_submit_side
from consumption_monitor.catalog import Dataset, load_catalog
from consumption_monitor.config import Settings
from consumption_monitor.errors import PlanError
from consumption_monitor.ingest.api import IngestResult, ingest
from consumption_monitor.plan import Plan, load_plan
from consumption_monitor.store.manifest import BatchInfo, Manifest

#: Datasets whose rows are published figures (official releases), visible to every reader.
PUBLISHED_DATASETS = frozenset({"official_stats"})

#: Reporting status of a task, in display order.
TASK_STATUSES = ("not_reported", "on_track", "at_risk", "behind", "done")


@dataclass(frozen=True)
class HeadlineCard:
    """One number on the overview: an indicator's latest published value."""

    key: str
    label_zh: str
    label_en: str
    value: str
    period: str
    yoy: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Overview:
    """Everything the 总览 and 大屏 pages show."""

    plan: Plan | None
    cards: list[HeadlineCard] = field(default_factory=list)


def plan_or_none(settings: Settings) -> Plan | None:
    """The configured plan, or ``None`` when the plan file is broken (pages then say so)."""
    try:
        return load_plan(settings=settings)
    except PlanError:
        return None


def unit_directory(settings: Settings) -> UnitDirectory | None:
    """Unit codes of the plan registry (departments and district codes) for user checks."""
    plan = plan_or_none(settings)
    if plan is None:
        return None
    return UnitDirectory(
        departments=frozenset(u.code for u in plan.units.departments),
        districts=frozenset(u.code for u in plan.units.districts),
    )


#: Functions returning headline cards; the lead appends the indicator engine's here.
CARD_SOURCES: list[Callable[[Settings], Sequence[HeadlineCard]]] = []


def headline_cards(settings: Settings) -> list[HeadlineCard]:
    """Cards from every registered source; empty (no data yet) when none is registered."""
    cards: list[HeadlineCard] = []
    for source in CARD_SOURCES:
        cards.extend(source(settings))
    return cards


def overview(settings: Settings) -> Overview:
    """The data of the overview pages."""
    return Overview(plan=plan_or_none(settings), cards=headline_cards(settings))


def task_status(plan: Plan, task_id: int) -> str:
    """Reporting status of a task: ``not_reported`` until task-progress data is wired in."""
    del plan, task_id
    return "not_reported"


def submittable_datasets(user: HasRoleAndUnit, city: str) -> list[Dataset]:
    """Datasets this user may upload, in catalog order."""
    return [ds for ds in load_catalog(city).datasets if may_submit_side(user, ds.side)]


def _owner_units(session: Session, loaders: set[str]) -> dict[str, str | None]:
    if not loaders:
        return {}
    rows = session.execute(select(User.username, User.unit).where(User.username.in_(loaders)))
    return {row.username: row.unit for row in rows}


def visible_batches(
    sessions: sessionmaker[Session],
    session: Session,
    user: HasRoleAndUnit,
    *,
    dataset: str | None = None,
) -> list[BatchInfo]:
    """Batches the user may see, newest first (row-level rule: :func:`can_see`).

    A batch belongs to the unit of the user who loaded it; loads by the system or the CLI are
    city-level. Official releases count as published.
    """
    batches = Manifest(sessions).batches(dataset)
    owners = _owner_units(session, {b.loaded_by for b in batches})
    shown = [
        b
        for b in batches
        if can_see(user, owners.get(b.loaded_by), published=b.dataset in PUBLISHED_DATASETS)
    ]
    return sorted(shown, key=lambda b: b.id, reverse=True)


def run_ingest(
    settings: Settings,
    dataset: str,
    path: Path,
    *,
    loaded_by: str,
    vintage: date | None = None,
) -> IngestResult:
    """Validate and load one uploaded file as one batch (all-or-nothing).

    Refusals arrive as :class:`~consumption_monitor.errors.DataValidationError` with located
    problems; loading the same content twice returns the existing batch (``duplicate``).
    """
    return ingest([path], dataset, settings=settings, loaded_by=loaded_by, vintage=vintage)
