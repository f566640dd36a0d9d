"""The 节日快报 leads with card spending (#22): all cards, non-local and inbound cards, against
the same holiday one year earlier, from a real lake on DuckDB; the oracle is a loop over the
payments written. Privacy: an origin below the thresholds is hidden, and so is the smallest
other origin (the three add up to the published total)."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest

from consumption_monitor.calendar import holiday_block, previous_block
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
from consumption_monitor.ingest import ingest
from consumption_monitor.monitor.holiday import holiday_growth, holiday_report
from consumption_monitor.monitor.holiday_cards import card_figures, read_card_blocks

BLOCK = holiday_block("2025-national-day")  # 8 days
BASE = previous_block(BLOCK)  # 2024, 7 days


def _payments() -> list[dict[str, object]]:
    rows = []
    n = 0
    for block, scale in ((BLOCK, 1.2), (BASE, 1.0)):
        for day in block.dates():
            for origin, merchants, cards, amount in (
                ("local", 6, 8, 100.0), ("other_province", 5, 6, 40.0), ("overseas", 4, 5, 10.0),
            ):  # fmt: skip
                for i in range(cards):
                    n += 1
                    rows.append({
                        "txn_id": f"T{n}", "txn_ts": f"{day} 12:{i:02d}:00",
                        "merchant_id": f"M-{origin}-{i % merchants}", "mcc": "5311",
                        "amount": amount * scale, "channel": "offline", "card_origin": origin,
                        "card_hash": f"C-{origin}-{i}", "district_code": "120101",
                    })  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("holiday-cards")
    settings = load_settings(data_dir=root / "data")
    rows = _payments()
    path = root / "cards.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    ingest([path], "card_transactions", settings=settings, vintage="2025-10-20")
    return settings, rows


def test_card_aggregates_equal_a_loop_over_the_payments(lake) -> None:  # type: ignore[no-untyped-def]
    settings, rows = lake
    agg = read_card_blocks(connect(load_settings(duckdb_threads=1)), settings, [BLOCK, BASE])
    for block in (BLOCK, BASE):
        days = {d.isoformat() for d in block.dates()}
        mine = [r for r in rows if str(r["txn_ts"])[:10] in days]
        got = agg[(agg.block == block.key) & (agg.origin == "")].iloc[0]
        assert got.amount == pytest.approx(sum(float(r["amount"]) for r in mine))  # type: ignore[arg-type]
        assert got.cards == len({r["card_hash"] for r in mine})
        overseas = agg[(agg.block == block.key) & (agg.origin == "overseas")].iloc[0]
        assert overseas.merchants == 4


def test_growth_by_daily_average_and_the_flash_leads_with_cards(lake) -> None:  # type: ignore[no-untyped-def]
    settings, rows = lake
    figs = card_figures(
        read_card_blocks(connect(load_settings(duckdb_threads=1)), settings, [BLOCK, BASE]),
        BLOCK, BASE, min_merchants=3, min_cards=3,
    )  # fmt: skip
    total = figs[0]
    cur = sum(
        float(r["amount"])
        for r in rows
        if dt.date.fromisoformat(str(r["txn_ts"])[:10]) in BLOCK.dates()
    )  # type: ignore[arg-type]
    prev = sum(
        float(r["amount"])
        for r in rows
        if dt.date.fromisoformat(str(r["txn_ts"])[:10]) in BASE.dates()
    )  # type: ignore[arg-type]
    assert BLOCK.days == 8 and BASE.days == 7
    assert total.growth_pct == pytest.approx(holiday_growth(cur, 8, prev, 7))
    assert total.growth_pct == pytest.approx(
        (1.2 * 150 * 8 / 8) / (150 * 7 / 7) * 100 - 100, rel=1e-6
    )
    inbound = next(f for f in figs if f.origin == "overseas")
    assert inbound.share_pct == pytest.approx(5 * 10 / (8 * 100 + 6 * 40 + 5 * 10) * 100)
    empty = pd.DataFrame(
        columns=["enterprise_id", "date", "format", "business_district_id", "sales"]
    )
    loose = settings.model_copy(update={"min_cell_merchants": 3, "min_cell_cards": 3})
    report = holiday_report(
        BLOCK.key, loose, reports=empty, with_2019=False, cards=report_cards(settings)
    )
    assert report.flash_zh.startswith("国庆节假期（10月1日至8日，8天），全市银行卡消费")
    assert "境外卡（入境消费）" in report.flash_zh and "外地卡（外省）" in report.flash_zh
    assert "重点监测" not in report.flash_zh  # no key-enterprise reports: no "0.00元" sentence
    # with the default thresholds (more merchants and cards), the small origins are hidden
    strict = holiday_report(BLOCK.key, settings, reports=empty, with_2019=False,
                            cards=report_cards(settings))  # fmt: skip
    assert "境外卡" not in strict.flash_zh and "外地卡" not in strict.flash_zh


def report_cards(settings):  # type: ignore[no-untyped-def]
    return read_card_blocks(connect(load_settings(duckdb_threads=1)), settings, [BLOCK, BASE])


def test_a_small_origin_and_its_complement_are_hidden() -> None:
    agg = pd.DataFrame(
        [
            (BLOCK.key, "", 1500.0, 20, 40), (BLOCK.key, "local", 1000.0, 12, 25),
            (BLOCK.key, "other_province", 450.0, 6, 12), (BLOCK.key, "overseas", 50.0, 2, 3),
            (BASE.key, "", 1300.0, 20, 40), (BASE.key, "local", 900.0, 12, 25),
            (BASE.key, "other_province", 360.0, 6, 12), (BASE.key, "overseas", 40.0, 3, 3),
        ],
        columns=["block", "origin", "amount", "merchants", "cards"],
    )  # fmt: skip
    figs = {f.origin: f for f in card_figures(agg, BLOCK, BASE, min_merchants=3, min_cards=3)}
    assert figs["overseas"].suppressed and figs["overseas"].spending is None
    # total − local would give the overseas amount if other_province stayed published
    assert figs["other_province"].suppressed and figs["other_province"].spending is None
    assert figs["local"].spending == 1000.0 and figs[""].spending == 1500.0
