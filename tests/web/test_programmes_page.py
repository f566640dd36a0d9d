"""专项监测 (#22): the 办公室 sees 以旧换新 by category, 离境退税/免税, 入境消费 by card, the
service-consumption estimate and 首发经济 by 商圈 — read from a stored indicator table, in 万/亿,
with "—" and its reason wherever a figure is not measured."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from consumption_monitor.compute.sanity import SMALL_BASE
from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.store.results import COLUMNS, write_result

CITY = "120000"


def _row(indicator: str, period: str, basis: str, value: float | None, yoy: float | None = None,
         dim: str = "", dim_value: str = "", note: str = "") -> dict[str, object]:  # fmt: skip
    return {"indicator": indicator, "region": CITY, "period": period, "basis": basis, "dim": dim,
            "dim_value": dim_value, "value": np.nan if value is None else value,
            "yoy_pct": np.nan if yoy is None else yoy, "note": note}  # fmt: skip


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["provisional"] = False
    table["vintage"] = date(2026, 12, 5)
    table["computed_at"] = pd.Timestamp("2026-12-05")
    return table


# fmt: off
ROWS = [
    # 以旧换新, YTD Jan–Nov 2026: total, 家电, 汽车报废更新; 数码产品 not reported.
    _row("trade_in_subsidy", "2026-11", "ytd", 12345.0),
    _row("trade_in_units", "2026-11", "ytd", 81234.0),
    _row("trade_in_sales", "2026-11", "ytd", 98765.0, 12.5),
    _row("trade_in_subsidy", "2026-11", "ytd", 4000.0, dim="category", dim_value="home_appliance"),
    _row("trade_in_units", "2026-11", "ytd", 60000.0, dim="category", dim_value="home_appliance"),
    _row(
        "trade_in_sales", "2026-11", "ytd", 30000.0, None, "category", "home_appliance", SMALL_BASE
    ),
    _row("trade_in_subsidy", "2026-11", "ytd", 8345.0, dim="category", dim_value="auto_scrap"),
    _row("trade_in_units", "2026-11", "ytd", 21234.0, dim="category", dim_value="auto_scrap"),
    _row("trade_in_sales", "2026-11", "ytd", 68765.0, 8.0, "category", "auto_scrap"),
    # 离境退税 reported, 免税 not.
    _row("tax_refund_sales", "2026-11", "month", 850.5, 20.0),
    _row("tax_refund_sales", "2026-11", "ytd", 9100.0, 15.0),
    # Overseas cards: November measured, October hidden by the privacy rule.
    _row("card_spending", "2026-11", "month", 3.2e9),
    _row("card_spending", "2026-11", "month", 3.2e7, 40.0, "origin", "overseas"),
    _row("card_spending", "2026-10", "month", 3.0e9),
    _row("card_spending", "2026-10", "month", None, None, "origin", "overseas", "suppressed"),
    # Service estimate: November 1.2亿元, October suppressed.
    _row("service_consumption_est", "2026-11", "month", 1.2e8, 6.0),
    _row("service_consumption_share", "2026-11", "month", 37.5),
    _row("service_consumption_est", "2026-10", "month", None, note="suppressed"),
    # 首发经济 YTD: 金街 3 first stores and 2 debut events, one store outside any 商圈.
    _row("first_stores_by_business_district", "2026-11", "ytd", 4.0),
    _row(
        "first_stores_by_business_district",
        "2026-11",
        "ytd",
        3.0,
        dim="business_district",
        dim_value="BD001",
    ),
    _row(
        "first_stores_by_business_district",
        "2026-11",
        "ytd",
        1.0,
        dim="business_district",
        dim_value="none",
    ),
    _row(
        "debut_events_by_business_district",
        "2026-11",
        "ytd",
        2.0,
        dim="business_district",
        dim_value="BD001",
    ),
    _row("first_stores_new", "2026-11", "ytd", 4.0),
    _row("debut_events", "2026-11", "ytd", 2.0, dim="kind", dim_value="debut_launch"),
]
# fmt: on


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    write_result(settings, ComputeResult(table=_table(ROWS), vintage=date(2026, 12, 5)))
    return settings


def _part(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def test_each_programme_in_wan_yi_with_reasons_for_dashes(client, users, h, seeded) -> None:  # type: ignore[no-untyped-def]
    h.as_user(client, users.ids["viewer"])
    html = client.get("/overview").text
    assert 'href="/programmes"' in html  # the nav leads here
    page = client.get("/programmes")
    assert page.status_code == 200
    html = page.text

    trade = _part(html, "prog-trade_in")
    assert "2026年1-11月" in trade
    total = trade[trade.index('data-testid="trade-in-total"') :].split("</tr>")[0]
    assert "1.23亿元" in total and "81,234" in total and "9.88亿元" in total and "+12.5%" in total
    appliance = trade[trade.index('data-testid="trade-in-home_appliance"') :].split("</tr>")[0]
    assert "家电" in appliance and "4,000.00万元" in appliance
    assert '— <span class="label">基数过小，不计算增速' in appliance  # growth withheld, why
    digital = trade[trade.index('data-testid="trade-in-digital"') :].split("</tr>")[0]
    assert "数码产品" in digital and digital.count("本期未报送") == 3 and "0" not in digital[40:]
    assert "消费品以旧换新报送中发放的补贴金额" in trade  # 口径 from the catalog

    tax = _part(html, "prog-tax_refund")
    assert "离境退税商品销售额" in tax and "850.50万元" in tax and "+20.0%" in tax
    duty = tax[tax.index("免税店销售额") :].split("</tr>")[0]
    assert "本期未报送" in duty

    inbound = _part(html, "prog-inbound")
    assert "3,200.00万元" in inbound and "+40.0%" in inbound and "1.00%" in inbound
    assert "样本过少，已按隐私规则隐藏" in inbound  # October

    service = _part(html, "prog-service")
    assert "1.20亿元" in service and "37.50%" in service and "非国家统计局口径" in service
    assert "样本过少，已按隐私规则隐藏" in service

    debut = _part(html, "prog-debut")
    jinjie = debut[debut.index("金街商圈") :].split("</tr>")[0]
    assert "地标商圈" in jinjie and "和平区" in jinjie
    assert [c.split("<")[0] for c in jinjie.split("<td>")[2:4]] == ["3", "2"]
    outside = debut[debut.index("商圈外") :].split("</tr>")[0]
    assert [c.split("<")[0] for c in outside.split("<td>")[2:4]] == ["1", "0"]
    city = debut[debut.index('data-testid="debut-city"') :].split("</div></div></div>")[0]
    assert "首发" in city and "首秀" in city and "首展" in city


def test_english_page(client, users, h, seeded) -> None:  # type: ignore[no-untyped-def]
    h.as_user(client, users.ids["viewer"])
    html = client.get("/programmes?lang=en").text
    assert "home appliances" in html and "123.00 million yuan" in html and "亿元" not in html
    assert "not reported for this period" in html and "base too small: no growth" in html
    assert "Outside any business district" in html


def test_an_earlier_month_and_a_dataset_never_loaded(client, users, h, settings) -> None:  # type: ignore[no-untyped-def]
    h.as_user(client, users.ids["viewer"])
    assert 'data-testid="no-data"' in client.get("/programmes").text  # nothing computed
    rows = [r for r in ROWS if not str(r["indicator"]).startswith("trade_in")]
    write_result(settings, ComputeResult(table=_table(rows), vintage=date(2026, 12, 5)))
    html = client.get("/programmes?period=2026年10月").text
    trade = _part(html, "prog-trade_in")
    assert "尚未导入消费品以旧换新数据" in trade and "<table" not in trade
    inbound = _part(html, "prog-inbound")
    assert "2026年10月" in inbound and "3,200.00万元" not in inbound  # November is later


def test_a_chosen_month_never_shows_a_later_one(client, users, h, seeded) -> None:  # type: ignore[no-untyped-def]
    h.as_user(client, users.ids["viewer"])
    html = client.get("/programmes?period=2026-10").text
    trade = _part(html, "prog-trade_in")
    assert "本期未报送" in trade and "1.23亿元" not in trade and "<table" not in trade
    assert "本期未报送" in _part(html, "prog-tax_refund")
    service = _part(html, "prog-service")
    assert "2026年10月" in service and "1.20亿元" not in service
