"""Thin loaders from the lake for the projects, chains and profile functions (which are pure).

Each returns a pandas DataFrame; heavy aggregation (card spending by MCC) runs in the engine
through Ibis, so only a small result comes back. An empty dataset gives an empty frame with the
catalog columns. Every loader takes the ``viewer`` whose rows it reads (published batches
only by default; the web passes the signed-in user's, ``auth.roles.data_viewer``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from consumption_monitor.chains.membership import derive_membership, read_membership
from consumption_monitor.chains.metrics import latest_period, period_index, prepare
from consumption_monitor.chains.models import Chains, load_chains
from consumption_monitor.config import Settings
from consumption_monitor.projects.pipeline import normalise_projects

if TYPE_CHECKING:
    from consumption_monitor.store import Viewer


def read_frame(
    settings: Settings, dataset: str, as_of: date | None = None, viewer: Viewer | None = None
) -> pd.DataFrame:
    """The rows of ``dataset`` that ``viewer`` may read (latest vintage per key) without
    storage columns; ``None`` reads published batches only."""
    from consumption_monitor.store import PUBLISHED_ONLY, Store

    with Store(settings, viewer=viewer or PUBLISHED_ONLY) as store:
        table = store.read_arrow(dataset, as_of=as_of)
    df: pd.DataFrame = table.to_pandas()
    return df.drop(columns=[c for c in df.columns if str(c).startswith("_")])


def load_projects(
    settings: Settings,
    as_of: date | None = None,
    chains: Chains | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """The ``projects`` dataset, normalised (:func:`normalise_projects`)."""
    return normalise_projects(read_frame(settings, "projects", as_of, viewer), chains)


def load_enterprise_monthly(
    settings: Settings, as_of: date | None = None, viewer: Viewer | None = None
) -> pd.DataFrame:
    """``enterprise_monthly`` prepared for the chain metrics (codes, floats, string periods)."""
    return prepare(read_frame(settings, "enterprise_monthly", as_of, viewer))


def load_card_spend(
    settings: Settings, latest: str, months: int = 12, viewer: Viewer | None = None
) -> pd.DataFrame:
    """Card spending (元) by MCC and channel over the ``months`` months ending with ``latest``."""
    import ibis

    from consumption_monitor.engine import connect
    from consumption_monitor.store import PUBLISHED_ONLY, Store

    end_ix = period_index(latest) + 1
    start = _month_start(end_ix - months)
    stop = _month_start(end_ix)
    con = connect(settings)
    try:
        with Store(settings, viewer=viewer or PUBLISHED_ONLY) as store:
            t = store.read_table(con, "card_transactions")
            expr = (
                t.filter((t.txn_ts >= ibis.literal(start)) & (t.txn_ts < ibis.literal(stop)))
                .group_by(["mcc", "channel"])
                .aggregate(amount=t.amount.sum())
            )
            result: pd.DataFrame = expr.to_pandas()
    finally:
        if settings.engine == "duckdb":  # a Spark session is shared for the process: keep it
            con.disconnect()
    return result


def _month_start(index: int) -> datetime:
    year, month0 = divmod(index, 12)
    return datetime(year, month0 + 1, 1)


@dataclass
class ChainData:
    """Everything the chain, promotion and profile views need, loaded once."""

    chains: Chains
    projects: pd.DataFrame
    enterprise_monthly: pd.DataFrame
    membership: pd.DataFrame
    card_spend: pd.DataFrame
    latest: str | None
    first_stores: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_chain_data(
    settings: Settings,
    *,
    membership_path: Path | str | None = None,
    chains_path: Path | str | None = None,
    as_of: date | None = None,
    with_cards: bool = True,
    viewer: Viewer | None = None,
) -> ChainData:
    """Load projects, enterprise_monthly, the membership table and card spending as
    ``viewer`` may read them (published batches only by default)."""
    chains = load_chains(chains_path)
    projects = load_projects(settings, as_of, chains, viewer)
    em = load_enterprise_monthly(settings, as_of, viewer)
    latest = latest_period(em)
    table = read_membership(membership_path) if membership_path else None
    membership = derive_membership(chains, em, projects, table, latest=latest)
    cards = (
        load_card_spend(settings, latest, viewer=viewer)
        if with_cards and latest is not None
        else pd.DataFrame({"mcc": pd.Series(dtype=str), "amount": pd.Series(dtype=float)})
    )
    stores = read_frame(settings, "first_stores", as_of, viewer)
    return ChainData(chains, projects, em, membership, cards, latest, stores)
