"""Warm the page memo before ``cmon serve`` starts listening, so the first visitor does not
wait.

Target judgements, the evaluation inputs, the chain bundles, the holiday comparison and the
overview cards are the values that take seconds to compute (see docs/performance.md, W6).
``cmon serve`` computes them once before it listens (synchronously: nothing runs beside the
first requests, and a test that runs the command leaves no thread behind); a failure is logged
and left to the first request, which then computes (and reports) it as before. After that,
:mod:`web.memo` keeps them fresh (stale-while-revalidate), and a new computation is picked up
by the first request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from consumption_monitor.config import Settings
from consumption_monitor.web.analysis_data import chain_data, evaluation_input, holiday_view
from consumption_monitor.web.plan_data import target_reports_or_none
from consumption_monitor.web.providers import overview, plan_or_none

log = logging.getLogger("cmon.web")


@dataclass(frozen=True)
class _PublishedReader:
    """A reader of published rows only: the chain bundle it warms is the one shared by every
    user who reads the same files (a unit's unpublished batches give that unit its own)."""

    role: str = "viewer"
    unit: str | None = None


def warm(settings: Settings) -> list[str]:
    """Compute every warmed value once; the names of those that failed."""
    plan = plan_or_none(settings)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("overview", lambda: overview(settings)),
        ("chains", lambda: chain_data(settings, _PublishedReader())),
        ("chains with cards", lambda: chain_data(settings, _PublishedReader(), with_cards=True)),
        ("holidays", lambda: holiday_view(settings, None)),
        ("evaluation", lambda: evaluation_input(settings)),
    ]
    if plan is not None:
        steps.insert(1, ("targets", lambda: target_reports_or_none(settings, plan)))
    failed = []
    for name, step in steps:
        try:
            step()
        except Exception:  # warming is best effort; the page reports the error
            log.exception("warming %s failed; the first request computes it", name)
            failed.append(name)
    return failed
