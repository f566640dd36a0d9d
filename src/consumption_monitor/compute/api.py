"""The entry point: :func:`compute`, full or incremental."""

from __future__ import annotations

from datetime import date

from ibis.backends import BaseBackend

from consumption_monitor.compute.full import full_compute
from consumption_monitor.compute.incremental import refresh
from consumption_monitor.compute.source import Source
from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.indicators import IndicatorCatalog


def compute(
    settings: Settings,
    *,
    as_of: date | None = None,
    con: BaseBackend | None = None,
    source: Source | None = None,
    codes: list[str] | None = None,
    catalog: IndicatorCatalog | None = None,
    incremental: bool = False,
) -> ComputeResult:
    """Compute the suite (or ``codes``) from the lake as of ``as_of`` (default: today).

    ``incremental=True`` starts from the latest stored result and recomputes only what the
    batches committed or reverted since then touch, falling back to a full computation when it
    cannot (:func:`.incremental.refresh`; the result's ``refresh`` says which ran). Nothing is
    stored: pass the result to :func:`consumption_monitor.store.results.write_result`.
    """
    run = refresh if incremental else full_compute
    return run(settings, as_of=as_of, con=con, source=source, codes=codes, catalog=catalog)


__all__ = ["compute"]
