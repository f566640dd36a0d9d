"""以旧换新, 入境消费 and the service-consumption estimate in the monthly report (#22): the
figures of the table reach the sections, each section prints its 口径 from the indicator
catalog, and a month withheld by the growth-sanity rules is "—" with its reason."""

from __future__ import annotations

import pandas as pd

from consumption_monitor.indicators import load_indicators
from consumption_monitor.report import build_report, make_report_data
from consumption_monitor.report.html_writer import render_html

from .conftest import COLUMNS, _row


def _table() -> pd.DataFrame:
    rows = []
    for measure, (ytd, month, g) in {
        "subsidy": (163_589.46, 14_772.94, 4.7),
        "units": (1_470_156.0, 133_280.0, 4.9),
        "sales": (1_555_756.95, 143_550.73, 5.12),
    }.items():
        rows.append(_row(f"trade_in_{measure}", "2025-10", "ytd", ytd, g))
        rows.append(_row(f"trade_in_{measure}", "2025-10", "month", month, g + 1))
    for code, v, g in (("auto_replace", 743_518.70, 5.49), ("digital", 215_856.61, 4.18)):
        rows.append(_row("trade_in_sales", "2025-10", "ytd", v, g, dim="category", dv=code))
        rows.append(_row("trade_in_subsidy", "2025-10", "ytd", v / 10, g, dim="category", dv=code))
        rows.append(_row("trade_in_units", "2025-10", "ytd", 1000.0, g, dim="category", dv=code))
    rows.append(_row("tax_refund_sales", "2025-10", "ytd", 33_207.26, 17.88))
    rows.append(_row("tax_refund_sales", "2025-10", "month", 3_289.09, 25.15))
    rows.append(_row("duty_free_sales", "2025-10", "ytd", 66_114.28, 19.01))
    rows.append(_row("card_spending", "2025-10", "month", 20_000_000.0, None))
    rows.append(
        _row("card_spending", "2025-10", "month", 500_000.0, 12.5, dim="origin", dv="overseas")
    )
    rows.append(_row("service_consumption_est", "2025-08", "month", None, None, note="incomplete"))
    rows.append(_row("service_consumption_est", "2025-09", "month", 4_100_000.0, None))
    rows.append(_row("service_consumption_est", "2025-10", "month", 4_000_000.0, None))
    rows.append(_row("service_consumption_share", "2025-09", "month", 19.8, None))
    rows.append(_row("service_consumption_share", "2025-10", "month", 20.0, None))
    return pd.DataFrame(rows, columns=COLUMNS)


def _sections(lang: str = "zh") -> dict[str, object]:
    rep = build_report("monthly", make_report_data(_table()), "2025-10", lang)
    return {s.key: s for s in rep.sections}


def test_trade_in_section_reads_the_table_and_prints_its_scope() -> None:
    sec = _sections()["trade_in"]
    text = "".join(sec.paragraphs)
    # 163,589.46万元 = 16.36亿元; 1,555,756.95万元 = 155.58亿元 (hand-converted).
    assert "发放补贴16.36亿元" in text and "1,470,156台（辆、件）" in text
    assert "带动销售额155.58亿元，同比增长5.1%" in text
    assert "汽车置换更新（74.35亿元，同比增长5.5%）" in text  # largest category first
    ind = load_indicators().get("trade_in_subsidy")
    assert any(ind.definition_zh in n for n in sec.notes)
    rows = sec.tables[0].texts()
    assert rows[0][:3] == ["合计", "2025年1—10月", "16.36亿元"]


def test_inbound_section_has_refund_duty_free_and_overseas_cards() -> None:
    sec = _sections()["inbound"]
    text = "".join(sec.paragraphs)
    assert "离境退税商品销售额3.32亿元，同比增长17.9%" in text
    assert "免税店销售额6.61亿元，同比增长19.0%" in text
    # 500,000 / 20,000,000 = 2.5% of all card spending, by hand.
    assert "境外卡在本市消费50.00万元，同比增长12.5%，占银行卡消费金额的2.5%" in text
    assert any(load_indicators().get("duty_free_sales").definition_zh in n for n in sec.notes)


def test_service_estimate_is_labelled_and_a_withheld_month_says_why() -> None:
    sec = _sections()["service_consumption"]
    assert "服务消费额（本市估算）为400.00万元，占银行卡消费金额的20.0%" in sec.paragraphs[0]
    rows = sec.tables[0].texts()
    assert rows[0] == ["2025年8月", "—", "—", "—"]
    notes = "".join(sec.notes)
    assert "2025年8月为“—”：数据不完整" in notes
    assert "非国家统计局口径" in notes
    en = _sections("en")["service_consumption"]
    assert "city estimate" in en.paragraphs[0] and "4.00 million yuan" in en.paragraphs[0]


def test_sections_say_no_data_and_the_html_writer_renders_them() -> None:
    empty = make_report_data(pd.DataFrame(columns=COLUMNS))
    rep = build_report("monthly", empty, "2025-10", "zh")
    by_key = {s.key: s for s in rep.sections}
    assert by_key["trade_in"].paragraphs == ["本期尚无以旧换新报送数据。"]
    assert by_key["inbound"].paragraphs == ["本期尚无入境消费数据。"]
    full = build_report("monthly", make_report_data(_table()), "2025-10", "zh")
    html = render_html(full, {})
    assert "消费品以旧换新" in html and "服务消费（本市估算）" in html and "口径" in html
