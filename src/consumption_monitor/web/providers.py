"""What the pages show, gathered from the library modules that exist today.

Each function returns only what really exists: no fake numbers. When a module lands (indicator
engine, task progress), the matching function here is the one place to wire it in:

* :func:`headline_cards` — the 总览 / 大屏 cards from :data:`CARD_SOURCES` (the computed
  indicator table is registered); empty until indicators were computed, and the pages then
  say "暂无数据 / no data yet".
* :func:`task_status` — a task's reporting status from the ``task_progress`` dataset
  (``not_reported`` when no unit has reported on it).
* :func:`run_ingest` — the upload pipeline (``consumption_monitor.ingest``), after the
  owner-unit check of :mod:`consumption_monitor.web.uploads`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from consumption_monitor.auth import User, can_see, data_viewer, may_publish, published_on_load
from consumption_monitor.auth.roles import HasRoleAndUnit, UnitDirectory, may_submit_side
from consumption_monitor.catalog import Dataset, load_catalog
from consumption_monitor.config import Settings
from consumption_monitor.errors import ConsumptionMonitorError, PermissionDeniedError, PlanError
from consumption_monitor.ingest.api import IngestResult, ingest
from consumption_monitor.plan import Plan, load_plan
from consumption_monitor.store.faults import storage_error
from consumption_monitor.store.manifest import PUBLISHED_ONLY, BatchInfo, Manifest
from consumption_monitor.web.indicator_data import headline_data, result_key
from consumption_monitor.web.memo import memo
from consumption_monitor.web.plan_data import TASK_STATUSES, task_progress_table, task_statuses
from consumption_monitor.web.uploads import check_owner, discard_refused

#: Datasets whose rows are published figures (official releases), visible to every reader.
PUBLISHED_DATASETS = frozenset({"official_stats"})

__all__ = ["TASK_STATUSES"]


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
    yoy_note: str = ""
    mom: str | None = None
    spark: dict[str, object] | None = None  # ECharts option of the last months
    href: str = ""
    #: The indicator's 口径 (definition) in Chinese and English, shown on programme cards.
    scope_zh: str = ""
    scope_en: str = ""


@dataclass(frozen=True)
class Overview:
    """Everything the 总览 and 大屏 pages show."""

    plan: Plan | None
    cards: list[HeadlineCard] = field(default_factory=list)
    #: 以旧换新, 入境消费 and the service-consumption estimate (#22).
    programmes: list[HeadlineCard] = field(default_factory=list)


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


def indicator_cards(settings: Settings) -> list[HeadlineCard]:
    """Cards of the computed indicator table (:data:`indicator_data.HEADLINE`)."""
    from consumption_monitor.indicators import load_indicators
    from consumption_monitor.web.figures import sparkline

    catalog = load_indicators()
    cards = []
    for d in headline_data(settings):
        ind = catalog.get(d.indicator)
        cards.append(
            HeadlineCard(
                key=d.indicator,
                label_zh=f"{ind.name_zh}（{_BASIS_ZH.get(d.basis, d.basis)}）",
                label_en=f"{ind.name_en} ({_BASIS_EN.get(d.basis, d.basis)})",
                value=d.value,
                period=d.period,
                yoy=d.yoy,
                mom=d.mom,
                note="provisional" if d.provisional else "",
                yoy_note=d.yoy_note,
                spark=sparkline(d.spark_periods, d.spark_values, unit=str(ind.unit), lang="zh"),
                href=f"/explore?indicator={d.indicator}&basis={d.basis}",
            )
        )
    return cards


_BASIS_ZH = {"month": "当月", "ytd": "累计", "quarter": "当季", "year": "全年"}
_BASIS_EN = {"month": "month", "ytd": "year to date", "quarter": "quarter", "year": "year"}
#: Card labels of a breakdown shown on its own (入境消费 by card).
_DIM_LABEL = {"overseas": ("境外卡消费金额", "Overseas-card spending")}


def programme_cards(settings: Settings) -> list[HeadlineCard]:
    """Cards of the plan's programmes (:data:`indicator_data.PROGRAMMES`) with their 口径."""
    from consumption_monitor.indicators import load_indicators
    from consumption_monitor.web.figures import sparkline
    from consumption_monitor.web.indicator_data import programme_data

    catalog = load_indicators()
    cards = []
    for d, dim_value in programme_data(settings):
        ind = catalog.get(d.indicator)
        zh, en = _DIM_LABEL.get(dim_value, (ind.name_zh, ind.name_en))
        scope_zh, scope_en = ind.definition_zh, ind.definition_en
        if dim_value == "overseas":
            scope_zh = (
                "入境消费：发卡地在境外的银行卡在本市商户的消费金额（银行卡消费按卡来源分列）。"
            )
            scope_en = (
                "Inbound spending: card payments at the city's merchants by cards issued abroad."
            )
        cards.append(
            HeadlineCard(
                key=f"{d.indicator}-{dim_value}" if dim_value else d.indicator,
                label_zh=f"{zh}（{_BASIS_ZH.get(d.basis, d.basis)}）",
                label_en=f"{en} ({_BASIS_EN.get(d.basis, d.basis)})",
                value=d.value,
                period=d.period,
                yoy=d.yoy,
                mom=d.mom,
                note="provisional" if d.provisional else "",
                yoy_note=d.yoy_note,
                spark=sparkline(d.spark_periods, d.spark_values, unit=str(ind.unit), lang="zh"),
                href=f"/explore?indicator={d.indicator}&basis={d.basis}",
                scope_zh=scope_zh,
                scope_en=scope_en,
            )
        )
    return cards


#: Functions returning headline cards, in display order.
CARD_SOURCES: list[Callable[[Settings], Sequence[HeadlineCard]]] = [indicator_cards]


def headline_cards(settings: Settings) -> list[HeadlineCard]:
    """Cards from every registered source; empty (no data yet) when none is registered."""
    cards: list[HeadlineCard] = []
    for source in CARD_SOURCES:
        cards.extend(source(settings))
    return cards


#: Seconds the overview's cards are reused within one stored computation (cards may read
#: target judgements, which follow submissions).
OVERVIEW_TTL = 60.0


def overview(settings: Settings) -> Overview:
    """The data of the overview pages, built once per stored computation."""

    def make() -> Overview:
        return Overview(
            plan=plan_or_none(settings),
            cards=headline_cards(settings),
            programmes=programme_cards(settings),
        )

    key = ("overview", str(settings.data_dir), result_key(settings))
    return memo(key, make, ttl=OVERVIEW_TTL, stale=True)


def task_status_map(
    settings: Settings, plan: Plan, user: HasRoleAndUnit | None = None
) -> dict[int, str]:
    """Status of every task from the ``task_progress`` rows ``user`` may read (published rows
    only without a user)."""
    viewer = data_viewer(user) if user is not None else PUBLISHED_ONLY
    return task_statuses(plan, task_progress_table(settings, viewer))


def task_status(plan: Plan, task_id: int, statuses: Mapping[int, str] | None = None) -> str:
    """Reporting status of a task (``not_reported`` when absent from ``statuses``)."""
    del plan
    return (statuses or {}).get(task_id, "not_reported")


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


def publishable(user: HasRoleAndUnit, batches: Sequence[BatchInfo]) -> set[int]:
    """Ids of the committed, unpublished ``batches`` that ``user`` may publish."""
    return {
        b.id
        for b in batches
        if b.status == "committed" and not b.published and may_publish(user, b.owner_unit)
    }


def publish_batch(settings: Settings, user: HasRoleAndUnit, batch_id: int, *, by: str) -> BatchInfo:
    """Publish one batch for ``user`` (:func:`~consumption_monitor.auth.roles.may_publish`).

    Another unit's batch is refused with :class:`PermissionDeniedError` (403) without saying
    whether it exists; an unknown id is :class:`NotFoundError`, a published or reverted batch
    :class:`ConflictError`.
    """
    from consumption_monitor.store import EVERY_BATCH, Store

    with Store(settings, viewer=EVERY_BATCH) as store:
        batch = store.get_batch(batch_id)
        if not may_publish(user, batch.owner_unit):
            raise PermissionDeniedError(
                f"only the submitting unit or the office may publish batch {batch_id}",
                f"仅报送单位或办公室可发布批次 {batch_id}",
                hint_en="ask the office to publish it",
                hint_zh="请联系办公室发布",
            )
        return store.publish(batch_id, by=by)


def run_ingest(
    settings: Settings,
    dataset: str,
    path: Path,
    *,
    loaded_by: str,
    vintage: date | None = None,
    user: HasRoleAndUnit | None = None,
) -> IngestResult:
    """Validate and load one uploaded file as one batch (all-or-nothing).

    With ``user``, a department or district may only load rows of its own unit
    (:func:`~consumption_monitor.web.uploads.check_owner`), and its batch stays unpublished
    (read only by the unit and the office) until published (:func:`publish_batch`). Refusals
    arrive as :class:`~consumption_monitor.errors.DataValidationError` with located problems;
    loading the same content twice returns the existing batch (``duplicate``). A refused file
    is deleted; its problem report stays beside where it was
    (:func:`~consumption_monitor.web.uploads.discard_refused`).
    """
    try:
        if user is not None:
            check_owner(settings, dataset, path, user)
        return ingest(
            [path], dataset, settings=settings, loaded_by=loaded_by, vintage=vintage,
            published=user is None or published_on_load(user),
            owner_unit=user.unit if user is not None else None,
        )  # fmt: skip
    except ConsumptionMonitorError as exc:
        discard_refused(path, exc)
        raise
    except Exception as exc:
        err = storage_error(exc)  # a full disk, read-only database…: refused, not a traceback
        if err is None:
            raise
        discard_refused(path, err)
        raise err from exc
