"""Cards that steer (#20): a headline card whose indicator has a plan target shows 目标 · 完成% ·
差距 in its status colour; 目标进展 is one table, worst first; the 大屏 has the status ring and
the red/yellow/green counts.

The oracle is the status engine's own judgement (``target_statuses`` on the same lake): the
test picks the dated value behind each target's status and redoes the arithmetic by hand
(``current / goal``, ``goal − current``), so a wrong value, a wrong sign or a wrong unit fails.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest

from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.plan import load_plan
from consumption_monitor.store.results import COLUMNS, write_result
from consumption_monitor.targets.service import TargetReport, target_statuses
from consumption_monitor.targets.status import Escalation, Status, ValueStatus

CITY = "120000"
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024) for m in range(1, 13)] + [
    f"2025-{m:02d}" for m in range(1, 11)
]
#: Shares kept below their 2025 goals (online > 1/3, upgrade ≥ 20 %): both targets are behind.
SHARES = {"online_retail_share": 30.0, "upgrade_goods_share": 18.5}
#: Worst first, no data last: the order of the chips, the ring and the table.
WORST_FIRST = ["off_track", "at_risk", "watch", "on_track", "achieved", "no_data"]


def _table() -> pd.DataFrame:
    rows = []
    for code, level in SHARES.items():
        for i, p in enumerate(MONTHS):
            value = level + 0.01 * i
            rows.append(
                {"indicator": code, "region": CITY, "period": p, "basis": "ytd", "dim": "",
                 "dim_value": "", "value": value, "yoy_pct": 0.5, "note": "",
                 "provisional": False}
            )  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["vintage"] = date(2025, 11, 20)
    table["computed_at"] = pd.Timestamp("2025-11-20")
    return table


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    write_result(settings, ComputeResult(table=_table(), vintage=date(2025, 11, 20)))
    return settings


def _reports(settings: Settings) -> dict[str, TargetReport]:
    return {r.target.id: r for r in target_statuses(settings, plan=load_plan(settings=settings))}


def _deciding(report: TargetReport) -> ValueStatus:
    """The value the target's status comes from (nearest deadline among equals)."""
    pairs = [
        (v.end, s) for v, s in zip(report.target.values, report.values, strict=True)
        if s.status is report.status
    ]  # fmt: skip
    return min(pairs, key=lambda p: p[0])[1]


def _card(html: str, key: str) -> str:
    start = html.index(f'data-testid="card-{key}"')
    return html[start : html.index('class="spark"', start)]


def _text(fragment: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', fragment)
    assert found, f"{testid} missing in {fragment[:400]}"
    return found.group(1)


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".")


@pytest.mark.parametrize(
    ("indicator", "target_id"),
    [("online_retail_share", "T-online-retail-share"), ("upgrade_goods_share", "T-upgrade-share")],
)
def test_card_shows_goal_completion_and_gap_of_its_target(
    client, users, h, seeded, indicator: str, target_id: str
) -> None:
    h.as_user(client, users.ids["viewer"])
    html = client.get("/overview").text
    v = _deciding(_reports(seeded)[target_id])
    assert v.current is not None and v.goal is not None
    card = _card(html, indicator)
    assert _text(card, "card-goal").endswith(f"{_fmt(v.goal)}%")
    assert _text(card, "card-completion") == f"{v.current / v.goal * 100:.1f}%"
    gap = v.goal - v.current
    assert gap > 0  # the seeded shares are below their goals
    assert _text(card, "card-gap") == f"差{_fmt(gap)}个百分点"
    band = "red" if v.status is Status.OFF_TRACK or v.escalation is Escalation.RED else "yellow"
    if v.status in (Status.ON_TRACK, Status.ACHIEVED):
        band = "green"
    assert f'data-band="{band}"' in card and f"band-{band}" in card
    # English: the same numbers, in percentage points
    en = _card(client.get("/overview?lang=en").text, indicator)
    assert _text(en, "card-gap") == f"short by {_fmt(gap)} pp"


def test_a_card_without_target_shows_nothing_extra(client, users, h, settings) -> None:
    table = _table()
    table.loc[table["indicator"] == "upgrade_goods_share", "indicator"] = "card_spending"
    table.loc[table["indicator"] == "card_spending", "basis"] = "month"
    write_result(settings, ComputeResult(table=table, vintage=date(2025, 11, 20)))
    h.as_user(client, users.ids["viewer"])
    html = client.get("/overview").text
    assert 'data-testid="card-target"' in _card(html, "online_retail_share")
    plain = _card(html, "card_spending")
    assert 'data-testid="card-target"' not in plain and "banded" not in plain


def test_targets_table_is_worst_first_with_chips_in_order(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["office"])
    html = client.get("/targets").text
    reports = _reports(seeded)
    table = html[html.index('data-testid="targets-table"') :]
    rows = re.findall(
        r'data-testid="target-row" data-target="([^"]+)" data-status="([^"]+)"', table
    )
    assert sorted(t for t, _ in rows) == sorted(reports)  # every target once
    ranks = [WORST_FIRST.index(s) for _, s in rows]
    assert ranks == sorted(ranks), rows
    assert [s for _, s in rows] == [reports[t].status.value for t, _ in rows]
    # within one status, the smallest share of the goal comes first
    pct = re.findall(r'data-testid="row-completion">([^<]*)<', table)
    by_status: dict[str, list[float]] = {}
    for (_, status), p in zip(rows, pct, strict=True):
        if p.endswith("%"):
            by_status.setdefault(status, []).append(float(p.rstrip("%")))
    assert all(v == sorted(v) for v in by_status.values()), by_status
    # the online-share row carries the engine's numbers, Chinese labels, and its units
    row = table[table.index('data-target="T-online-retail-share"') :]
    row = row[: row.index("</tr>")]
    v = _deciding(reports["T-online-retail-share"])
    assert _text(row, "row-current") == f"{_fmt(v.current)}%"
    assert f"差{_fmt(v.goal - v.current)}个百分点" in row
    esc = {"red": "红色预警", "yellow": "黄色预警", "blue": "蓝色提示"}
    assert v.escalation.value == "none" or esc[v.escalation.value] in row
    assert "市商务局" in row and "off_track" not in re.sub(
        r'data-[a-z]+="[^"]*"|class="[^"]*"', "", row
    )
    # chips: coloured, counted from the statuses, worst first
    chips = re.findall(r'class="chip st-([a-z_]+)"[^>]*><b>(\d+)</b>', html)
    expected: dict[str, int] = {}
    for r in reports.values():
        expected[r.status.value] = expected.get(r.status.value, 0) + 1
    assert [s for s, _ in chips] == [s for s in WORST_FIRST if s in expected]
    assert {s: int(n) for s, n in chips} == expected
    # one status only: the worst one present
    worst = rows[0][1]
    only = client.get(f"/targets?status={worst}").text
    kept = re.findall(r'data-testid="target-row" data-target="[^"]+" data-status="([^"]+)"', only)
    assert len(kept) == expected[worst] and set(kept) == {worst}


def test_overview_chips_are_ordered_and_link_to_the_status(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["viewer"])
    html = client.get("/overview").text
    chips = re.findall(r'data-testid="target-count-([a-z_]+)"', html)
    assert chips == [s for s in WORST_FIRST if s in chips] and len(chips) >= 2
    assert f'href="/targets?status={chips[0]}"' in html


def test_bigscreen_has_the_ring_and_the_band_counts(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["viewer"])
    html = client.get("/bigscreen").text
    reports = _reports(seeded)
    ring_json = re.search(
        r'<script type="application/json" id="chart-ring-data">(.*?)</script>', html, re.S
    )
    assert ring_json
    ring = json.loads(ring_json.group(1))
    data = ring["series"][0]["data"]
    counts = {s: sum(r.status.value == s for r in reports.values()) for s in WORST_FIRST}
    zh = {"off_track": "明显滞后", "at_risk": "存在风险", "watch": "需关注", "on_track": "进度正常",
          "achieved": "已完成", "no_data": "暂无数据"}  # fmt: skip
    assert [(d["name"], d["value"]) for d in data] == [(zh[s], n) for s, n in counts.items() if n]
    assert sum(d["value"] for d in data) == len(reports)
    red = sum(
        _deciding(r).status is Status.OFF_TRACK
        or (_deciding(r).escalation is Escalation.RED and r.status is not Status.NO_DATA)
        for r in reports.values()
    )
    bands = re.findall(r'data-testid="band-([a-z]+)"><b>(\d+)</b>', html)
    assert [b for b, _ in bands] == ["red", "yellow", "green", "grey"]
    assert sum(int(n) for _, n in bands) == len(reports) and dict(bands)["red"] == str(red)
    assert "数据截至 2025年10月" in html
    main = html[html.index("<main") : html.index("</main>")]
    assert "<a " not in main and "查看明细" not in main  # a wall screen has no links
    card = _card(html, "online_retail_share")
    assert 'data-testid="card-completion"' in card
