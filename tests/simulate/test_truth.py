"""Every planted fact in truth.json is visible in the raw files."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate import SimulationResult

COLS = ["txn_ts", "amount", "mcc", "district_code", "business_district_id"]


def cards(sim: SimulationResult) -> pd.DataFrame:
    tables = []
    for p in sim.files["card_transactions"]:
        if p.suffix == ".parquet":
            tables.append(pq.read_table(p, columns=COLS))
        else:
            types = {
                "txn_ts": pa.timestamp("ms"),
                "mcc": pa.string(),
                "district_code": pa.string(),
                "business_district_id": pa.string(),
            }
            opts = pacsv.ConvertOptions(column_types=types)
            tables.append(pacsv.read_csv(p, convert_options=opts).select(COLS))
    df = pa.concat_tables(tables).to_pandas()
    df["day"] = df.txn_ts.dt.date
    return df


def anomaly(truth: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(a for a in truth["anomalies"] if a["kind"] == kind)


def xlsx_rows(path: Any) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_truth_lists_four_anomaly_kinds(truth: dict[str, Any]) -> None:
    kinds = {a["kind"] for a in truth["anomalies"]}
    assert kinds == {"business_district_outage", "feed_stop", "spike", "slow_decline"}
    lo, hi = truth["card_window"]
    for a in truth["anomalies"]:
        assert lo <= a["start"] <= a["end"] <= hi


def test_outage_visible(sim: SimulationResult, truth: dict[str, Any]) -> None:
    a = anomaly(truth, "business_district_outage")
    df = cards(sim)
    per_day = df[df.business_district_id == a["business_district_id"]].groupby("day").amount.sum()
    days = [dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"])]
    normal = per_day.drop(days, errors="ignore").median()
    assert all(per_day.get(d, 0.0) < 0.2 * normal for d in days)


def test_spike_visible(sim: SimulationResult, truth: dict[str, Any]) -> None:
    a = anomaly(truth, "spike")
    df = cards(sim)
    cell = df[(df.district_code == a["district_code"]) & df.mcc.isin(a["mcc"])]
    per_day = cell.groupby("day").amount.sum()
    day = dt.date.fromisoformat(a["start"])
    assert per_day[day] > 2.5 * per_day.drop(day).median()
    assert per_day.idxmax() == day


def test_slow_decline_visible(sim: SimulationResult, truth: dict[str, Any]) -> None:
    a = anomaly(truth, "slow_decline")
    df = cards(sim)
    df["in_district"] = df.district_code == a["district_code"]
    start, end = dt.date.fromisoformat(a["start"]), dt.date.fromisoformat(a["end"])
    before = df[df.day < start]
    late = df[df.day > end - dt.timedelta(days=14)]

    def share(x: pd.DataFrame) -> float:  # payment counts: amounts are too heavy-tailed
        return float(x.in_district.mean())

    assert share(late) < share(before) * (1 + a["magnitude"] / 2)


def test_feed_stop_visible(sim: SimulationResult, truth: dict[str, Any]) -> None:
    a = anomaly(truth, "feed_stop")
    stop = dt.date.fromisoformat(a["start"])
    dates = []
    for p in sim.files["key_enterprise_daily"]:
        if p.suffix == ".parquet":
            t = pq.read_table(p, columns=["enterprise_id", "date"]).to_pandas()
        else:
            t = pd.read_csv(p, usecols=["enterprise_id", "date"], parse_dates=["date"])
            t["date"] = t.date.dt.date
        dates += list(t[t.enterprise_id == a["enterprise_id"]].date)
    assert max(dates) == stop - dt.timedelta(days=1)


def test_revisions_visible(sim: SimulationResult, truth: dict[str, Any]) -> None:
    cat = load_catalog()
    revision = next(p for p in sim.files["official_stats"] if "revision" in p.name)
    rev = pd.read_csv(revision, encoding="utf-8-sig", dtype={"时期": str})
    assert len(rev) == len(truth["official_revisions"]) >= 2
    for r in truth["official_revisions"]:
        name = cat.indicator_name(r["indicator"]).name_zh
        region = cat.region_name(r["region"])
        row = rev[(rev["指标"] == name) & (rev["地区"] == region) & (rev["时期"] == r["period"])]
        assert float(row["数值"].iloc[0]) == r["new_value"] != r["old_value"]
        year_file = next(p for p in sim.files["official_stats"] if p.stem.endswith(r["period"][:4]))
        old = pd.read_csv(year_file, encoding="utf-8-sig", dtype={"时期": str})
        orow = old[(old["指标"] == name) & (old["地区"] == region) & (old["时期"] == r["period"])]
        assert float(orow["数值"].iloc[0]) == r["old_value"]


def test_unit_report_status_matches_values(sim: SimulationResult, truth: dict[str, Any]) -> None:
    cat = load_catalog()
    rows = [r for p in sim.files["unit_reports"] for r in xlsx_rows(p)[1:]]
    judged = [t for t in truth["unit_reports"] if t["status"] != "unjudged"]
    assert {t["status"] for t in judged} == {"on_track", "behind"}
    for t in judged:
        name = cat.indicator_name(t["indicator"]).name_zh
        value = next(r[3] for r in rows if r[1] == name and str(r[2]) == "2025")
        assert (value >= t["goal"]) == (t["status"] == "on_track"), t


def test_task_progress_late_links(sim: SimulationResult, truth: dict[str, Any]) -> None:
    rows = [r for p in sim.files["task_progress"] for r in xlsx_rows(p)[1:]]
    delayed = {(str(r[0]), r[2]) for r in rows if r[3] == "滞后"}
    late = {(t["task_id"], t["unit_name"]) for t in truth["task_progress"]["late"]}
    assert late and delayed <= late
    for m in truth["task_progress"]["missing_latest"]:
        assert not any(
            str(r[0]) == m["task_id"] and r[2] == m["unit_name"] and r[1] == m["period"]
            for r in rows
        )


def test_empty_chain_link_and_first_stores(sim: SimulationResult, truth: dict[str, Any]) -> None:
    rows = xlsx_rows(sim.files["projects"][0])[1:]
    gap = truth["empty_chain_link"]
    links = {(r[2], r[3]) for r in rows}
    assert (gap["chain"], gap["link"]) not in links
    assert len({c for c, _ in links}) == 5
    stores_2025 = next(p for p in sim.files["first_stores"] if p.stem.endswith("2025"))
    assert len(xlsx_rows(stores_2025)) - 1 == truth["first_stores_per_year"]["2025"] > 300
    events = xlsx_rows(sim.files["events"][0])[1:]
    concerts_2025 = [r for r in events if r[2] == "演唱会" and str(r[3]).startswith("2025")]
    assert len(concerts_2025) > 10 and all(r[7] >= 10000 for r in concerts_2025)


def test_unit_reports_agree_with_registries(sim: SimulationResult, truth: dict[str, Any]) -> None:
    cat = load_catalog()
    rows = [r for p in sim.files["unit_reports"] for r in xlsx_rows(p)[1:]]
    name = cat.indicator_name("first_stores_new").name_zh
    value = next(r[3] for r in rows if r[1] == name and str(r[2]) == "2025")
    assert value == truth["first_stores_per_year"]["2025"]
    concerts = cat.indicator_name("concerts_10k").name_zh
    value = next(r[3] for r in rows if r[1] == concerts and str(r[2]) == "2025")
    assert value == truth["events_per_year"]["2025"]["concert"]
