"""Privacy of the daily monitor (#21 item 6), end to end over a real lake and DuckDB.

Oracle (:func:`tests.privacy_oracle.linked_ranges`, scipy ``linprog``): an attacker holds every
published cell of one day (spending, transactions and night share of the city, each district
and every breakdown) and the relations between them — each breakdown sums to its region's
total, the districts to the city, each city breakdown cell to its district cells, a published
night share times a published spending is the night spending, night spending never exceeds
spending, nothing is negative. These relations are written below as a naive loop over the raw
payments' cells, independently of the code under test. For every suppressed cell the smallest
and largest value consistent with all of that must differ (the protection interval is not a
point) and contain the true value.

Before the fix, night shares got primary suppression only: a thin night share was
``(city night spending - published district night spending) / its spending``; and suppressed
cells printed their exact merchant and card counts.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.monitor.conftest import DUCKDB_DEPRECATION
from tests.privacy_oracle import linked_ranges
from typer.testing import CliRunner

from consumption_monitor.catalog import load_catalog
from consumption_monitor.config import Settings, load_settings
from consumption_monitor.monitor.daily import CARD_BREAKDOWNS, DailyReport, daily_report
from consumption_monitor.store import Store

pytestmark = pytest.mark.filterwarnings(DUCKDB_DEPRECATION)

DAY = dt.date(2025, 6, 10)
CITY = "120000"
#: district → merchants: a big district, middling ones, one with too few merchants
DISTRICTS = {"120101": 30, "120102": 14, "120103": 8, "120104": 5, "120105": 1}
MCCS = ["5812", "5411", "5311", "5611", "5977", "5732"]
ORIGINS = (["local", "other_province", "overseas"], [0.86, 0.11, 0.03])
CHANNELS = (["offline", "online"], [0.7, 0.3])


def _payments(seed: int) -> pd.DataFrame:
    """One day of payments; district 120103's evenings come from a single merchant."""
    rng = np.random.default_rng(seed)
    merchants = [
        (d, f"{d}-m{i}", MCCS[int(rng.integers(0, len(MCCS)))], [None, "BD001", "BD002"][i % 3])
        for d, n in DISTRICTS.items()
        for i in range(n)
    ]
    weights = np.array([1.0 + (i % 7) for i in range(len(merchants))])
    rows = []
    for k in range(1600):
        district, merchant, mcc, bd = merchants[
            int(rng.choice(len(merchants), p=weights / weights.sum()))
        ]
        hour = int(rng.integers(8, 24))
        if district == "120103" and hour >= 18 and not merchant.endswith("-m0"):
            hour -= 8  # only one merchant of 120103 trades at night
        rows.append(
            {
                "txn_id": f"t{seed}-{k}",
                "txn_ts": dt.datetime.combine(DAY, dt.time(hour, int(rng.integers(0, 60)))),
                "merchant_id": merchant,
                "mcc": mcc,
                "amount": float(rng.integers(20, 3000)),
                "channel": str(rng.choice(CHANNELS[0], p=CHANNELS[1])),
                "card_origin": str(rng.choice(ORIGINS[0], p=ORIGINS[1])),
                "card_hash": f"c{int(rng.integers(0, 400))}",
                "district_code": district,
                "business_district_id": bd,
            }
        )
    return pd.DataFrame(rows)


def _truth(pay: pd.DataFrame) -> pd.DataFrame:
    """Exact cells (spending ``S``, transactions ``T``, night spending ``N``) by naive groupby."""
    cat = load_catalog()
    to_cat = {m: cc.code for cc in cat.card_categories for m in cc.mcc}
    p = pay.assign(
        category=pay["mcc"].map(to_cat).fillna("other"),
        business_district=pay["business_district_id"].fillna("none"),
        night=[ts.hour >= 18 for ts in pay["txn_ts"]],
        region_city=CITY,
    )
    p["N"] = p["amount"].where(p["night"], 0.0)
    out = []
    for level, dim in CARD_BREAKDOWNS:
        region = "region_city" if level == "city" else "district_code"
        keys = [region, dim] if dim else [region]
        g = p.groupby(keys).agg(S=("amount", "sum"), T=("amount", "size"), N=("N", "sum"))
        g = g.reset_index().rename(
            columns={region: "region", **({dim: "dim_value"} if dim else {})}
        )
        out.append(g.assign(dim=dim, dim_value=g["dim_value"] if dim else ""))
    return pd.concat(out, ignore_index=True)[["region", "dim", "dim_value", "S", "T", "N"]]


def _load(settings: Settings, pay: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(pay, preserve_index=False).cast(
        pa.schema(
            [
                ("txn_id", pa.string()),
                ("txn_ts", pa.timestamp("us")),
                ("merchant_id", pa.string()),
                ("mcc", pa.string()),
                ("amount", pa.float64()),
                ("channel", pa.string()),
                ("card_origin", pa.string()),
                ("card_hash", pa.string()),
                ("district_code", pa.string()),
                ("business_district_id", pa.string()),
            ]
        )
    )
    with Store(settings) as store:
        store.write_batch(
            "card_transactions", table, vintage=DAY + dt.timedelta(days=1),
            content_hash=f"h{pay['txn_id'].iloc[0]}", source="test",
        )  # fmt: skip


def _oracle(truth: pd.DataFrame, published: pd.DataFrame) -> list[tuple[str, float, float, float]]:
    """(cell, true value, min, max) of every hidden spending, transaction and night cell."""
    keys = list(zip(truth.region, truth.dim, truth.dim_value, strict=True))
    n = len(keys)
    var = {(q, k): j * n + i for j, q in enumerate("STN") for i, k in enumerate(keys)}
    values = np.concatenate([truth[q].to_numpy(float) for q in "STN"])
    pub = {
        (r.indicator, (r.region, r.dim, r.dim_value)): r.value
        for r in published.itertuples()
        if r.side == "card" and not pd.isna(r.value)
    }
    hidden = np.ones(3 * n, dtype=bool)
    eqs: list[tuple[list[int], list[float]]] = []
    for k in keys:
        for q, ind in (("S", "card_spending"), ("T", "card_txns")):
            if (ind, k) in pub:
                hidden[var[q, k]] = False
                assert pub[ind, k] == pytest.approx(values[var[q, k]])
        share = pub.get(("card_night_share", k))
        if share is not None:  # N = share × S: known when S is, else one more equation
            if not hidden[var["S", k]]:
                hidden[var["N", k]] = False
            else:
                eqs.append(([var["N", k], var["S", k]], [1.0, -share / 100.0]))
    districts = [k for k in keys if k[0] != CITY and k[1] == ""]
    for q in "STN":
        eqs.append(([var[q, k] for k in districts] + [var[q, (CITY, "", "")]],
                    [1.0] * len(districts) + [-1.0]))  # fmt: skip
        for region in {k[0] for k in keys}:
            for dim in {k[1] for k in keys if k[1]}:
                cells = [k for k in keys if k[0] == region and k[1] == dim]
                if cells:
                    eqs.append(([var[q, k] for k in cells] + [var[q, (region, "", "")]],
                                [1.0] * len(cells) + [-1.0]))  # fmt: skip
        district_dims = {k[1] for k in keys if k[0] != CITY and k[1]}
        for city_cell in [k for k in keys if k[0] == CITY and k[1] in district_dims]:
            cells = [k for k in keys if k[0] != CITY and k[1:] == city_cell[1:]]
            eqs.append(([var[q, k] for k in cells] + [var[q, city_cell]],
                        [1.0] * len(cells) + [-1.0]))  # fmt: skip
    night_le_day = [([var["N", k], var["S", k]], [1.0, -1.0]) for k in keys]
    ranges = linked_ranges(values, hidden, eqs, night_le_day)
    names = [f"{q}{k}" for q in "STN" for k in keys]
    return [
        (names[i], float(values[i]), lo, hi)
        for i, (lo, hi) in zip(np.flatnonzero(hidden), ranges, strict=True)
    ]


@pytest.fixture(params=[1, 2, 3])
def lake(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, pd.DataFrame]:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CMON_DATABASE_URL", raising=False)
    settings = load_settings(data_dir=tmp_path / "data", database_url=None)
    pay = _payments(int(request.param))
    _load(settings, pay)
    return settings, pay


def test_no_suppressed_daily_cell_is_narrowed_to_a_point(
    lake: tuple[Settings, pd.DataFrame],
) -> None:
    settings, pay = lake
    report = daily_report(settings, day=DAY)
    rows = report.rows
    hidden_share = rows[(rows.indicator == "card_night_share") & (rows.suppressed != "")]
    # the attack of #21: 120103's night share is thin while its spending is published
    thin = hidden_share[(hidden_share.region == "120103") & (hidden_share.dim == "")]
    assert thin["suppressed"].tolist() == ["primary"]
    spend = rows[(rows.indicator == "card_spending") & (rows.region == "120103")]
    assert spend.loc[spend.dim == "", "suppressed"].tolist() == [""]
    results = _oracle(_truth(pay), rows)
    assert any(name.startswith("N") for name, *_ in results)
    for name, true, lo, hi in results:
        tol = 1e-6 * max(1.0, abs(true))
        assert lo - tol <= true <= hi + tol, name
        assert hi - lo > tol, f"suppressed cell {name} = {true} is recoverable: [{lo}, {hi}]"


def _true_counts(pay: pd.DataFrame, region: str, dim: str, value: str) -> tuple[int, int]:
    cat = load_catalog()
    to_cat = {m: cc.code for cc in cat.card_categories for m in cc.mcc}
    col = {"category": pay["mcc"].map(to_cat).fillna("other"),
           "business_district": pay["business_district_id"].fillna("none")}  # fmt: skip
    sel = pd.Series(True, index=pay.index) if region == CITY else pay.district_code == region
    if dim:
        sel &= (col[dim] if dim in col else pay[dim]) == value
    part = pay[sel]
    return part["merchant_id"].nunique(), part["card_hash"].nunique()


def _assert_no_counts(payload: dict[str, object], pay: pd.DataFrame) -> int:
    data = payload["data"]
    assert isinstance(data, list)
    primary = 0
    for row in data:
        if not row["suppressed"]:
            continue
        assert row["value"] is None
        for col in ("merchants", "cards"):
            assert row[col] == (
                "below_threshold" if row["suppressed"] == "primary" else "protected"
            )
        if row["suppressed"] == "primary" and row["indicator"] != "card_night_share":
            merchants, cards = _true_counts(pay, row["region"], row["dim"], row["dim_value"])
            primary += merchants + cards > 0
    return primary


def test_suppressed_cells_show_no_counts_in_cli_json(lake: tuple[Settings, pd.DataFrame]) -> None:
    from consumption_monitor.cli import app

    settings, pay = lake
    out = CliRunner().invoke(app, ["monitor", "daily", "--date", DAY.isoformat(), "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    # cells with real (non-zero) counts behind them were suppressed: the check is not vacuous
    assert _assert_no_counts(payload, pay) > 0
    assert DailyReport.to_dict(daily_report(settings, day=DAY)) == payload
    published = [r for r in payload["data"] if not r["suppressed"] and r["side"] == "card"]
    assert all(isinstance(r["merchants"], int | float) for r in published)
