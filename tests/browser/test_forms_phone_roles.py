"""Issue #20 in Chromium: the query forms accept empty and Chinese dates, bad dates are refused
in the page's language naming the field, the language switch keeps the selection, a leader
opens 工作评价 and sees no link they may not follow, phone pages never scroll sideways, and no
growth on an incomplete base reaches the demo's table or pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.browser.signin import sign_in as _login

pytestmark = pytest.mark.browser
Page = Any

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
#: Every page of the app (one of each detail page), as the admin sees it.
PHONE_PAGES = [
    "/overview",
    "/explore?indicator=card_spending&basis=month",
    "/map",
    "/business-districts",
    "/holidays",
    "/plan",
    "/plan?view=status",
    "/plan/tasks/1",
    "/targets",
    "/targets/T-retail-sales-growth-parity",
    "/evaluation",
    "/alerts?status=all",
    "/projects",
    "/projects/chains",
    "/projects/chains/pet",
    "/reports",
    "/submissions",
    "/submissions/status",
    "/admin",
    "/audit",
    "/docs",
    "/bigscreen",
]
#: Lines a text takes in its element (one line box per client rect of a range over it).
LINES = """el => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _shot(tab: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _no_error_page(tab: Page) -> None:
    text = tab.inner_text("body")
    assert "出错了" not in text and "Something went wrong" not in text, text[:400]


def test_explorer_form_with_empty_and_chinese_dates(page: tuple[Page, Any], base_url: str) -> None:
    tab, problems = page
    tab.set_viewport_size(DESKTOP)
    _login(tab, base_url, "office")
    tab.goto(f"{base_url}/explore")
    tab.select_option('[data-testid="explore-indicator"]', "card_spending")
    tab.select_option('[data-testid="explore-basis"]', "month")
    tab.click('[data-testid="explore-submit"]')  # the date boxes are empty: "not set"
    tab.wait_for_selector('[data-testid="explore-table"]')
    _no_error_page(tab)
    for typed in ("2026年9月", "2026/09", "2026.9"):
        tab.fill('input[name="start"]', typed)
        tab.click('[data-testid="explore-submit"]')
        tab.wait_for_selector('[data-testid="explore-table"]')
        _no_error_page(tab)
        periods = tab.locator(
            '[data-testid="explore-table"] tbody td:first-child'
        ).all_inner_texts()
        assert periods and all(p >= "2026-09" for p in periods), (typed, periods)
        assert tab.input_value('input[name="start"]') == "2026-09"
    _shot(tab, "explore-chinese-date-1440")
    assert not problems.errors, "\n".join(problems.errors)


def test_a_bad_date_is_refused_in_the_page_language_naming_the_field(
    page: tuple[Page, Any], base_url: str
) -> None:
    tab, _ = page
    _login(tab, base_url, "office")
    response = tab.goto(f"{base_url}/explore?indicator=retail_sales&start=2025年13月&lang=zh")
    assert response.status == 422
    text = tab.inner_text("main")
    assert "起始月份" in text and "2025年13月" in text and "pattern" not in text
    response = tab.goto(f"{base_url}/explore?indicator=retail_sales&end=soon&lang=en")
    assert response.status == 422
    assert "To: 'soon' is not a period" in tab.inner_text("main")
    tab.goto(f"{base_url}/overview?lang=zh")


def test_projects_with_one_filter(page: tuple[Page, Any], base_url: str) -> None:
    tab, _ = page
    tab.set_viewport_size(DESKTOP)
    _login(tab, base_url, "office")
    tab.goto(f"{base_url}/projects")
    for select in ("filter-district", "filter-chain", "filter-stage"):
        tab.goto(f"{base_url}/projects")
        options = tab.locator(f'[data-testid="{select}"] option').all()
        tab.select_option(f'[data-testid="{select}"]', options[1].get_attribute("value"))
        tab.click('#project-filters button[type="submit"]')
        tab.wait_for_load_state()
        _no_error_page(tab)
        assert tab.locator('[data-testid="project-table"], [data-testid="no-projects"]').count()
    _shot(tab, "projects-filter-1440")


def test_language_switch_keeps_the_selection(page: tuple[Page, Any], base_url: str) -> None:
    tab, _ = page
    _login(tab, base_url, "office")
    tab.goto(f"{base_url}/explore?indicator=card_spending&basis=month&start=2026-09&lang=zh")
    tab.click('[data-testid="lang-en"]')
    tab.wait_for_selector('[data-testid="lang-zh"]')
    assert "indicator=card_spending" in tab.url and "start=2026-09" in tab.url
    assert tab.input_value('[data-testid="explore-indicator"]') == "card_spending"
    assert tab.input_value('[data-testid="explore-basis"]') == "month"
    tab.click('[data-testid="lang-zh"]')
    tab.wait_for_selector('[data-testid="lang-en"]')
    assert "indicator=card_spending" in tab.url and tab.url.count("lang=") == 1


def test_leader_opens_evaluation_and_sees_no_forbidden_link(
    page: tuple[Page, Any], base_url: str
) -> None:
    tab, _ = page
    tab.set_viewport_size(DESKTOP)
    _login(tab, base_url, "leader")
    assert tab.locator('[data-testid="nav-evaluation"]').count() == 1
    assert tab.locator('main a[href="/alerts"]').count() == 0
    response = tab.goto(f"{base_url}/evaluation")
    assert response.status == 200
    response = tab.goto(f"{base_url}/targets")
    assert response.status == 200
    for href in tab.locator("a[href^='/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    ):
        status = tab.request.get(f"{base_url}{href}").status
        assert status < 400, (href, status)
    _shot(tab, "leader-targets-1440")


def test_phone_pages_do_not_scroll_sideways(page: tuple[Page, Any], base_url: str) -> None:
    tab, _ = page
    # 工作评价 is computed on the first request (10–80 s on a busy 2-core box until the
    # precomputed views of #20 item 7 land); the width is what this test checks.
    tab.set_default_navigation_timeout(180_000)
    tab.set_viewport_size(PHONE)
    _login(tab, base_url, "admin")
    for path in PHONE_PAGES:
        tab.goto(f"{base_url}{path}")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        if path != "/bigscreen":  # the wall screen has no menu bar
            header = tab.locator("#topbar").bounding_box()
            assert header["height"] < 140, (path, header)
    # The task page's per-unit table is wider than the phone: it scrolls inside its own box,
    # and its cells keep their text on one line (not 和/平/区 one character a line).
    tab.goto(f"{base_url}/plan/tasks/1")
    box = tab.locator('.table-scroll:has([data-testid="task-progress"])')
    assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "the table should scroll"
    first = tab.locator('[data-testid="task-progress"] tbody tr').first
    for cell in first.locator("td").all()[:4]:  # unit, period, status, percent
        assert cell.evaluate(LINES) == 1, cell.inner_text()
    _shot(tab, "phone-task-390")
    assert not tab.locator("#main-nav").is_visible()
    tab.click('[data-testid="nav-toggle"]')
    assert tab.locator('[data-testid="nav-overview"]').is_visible()
    _shot(tab, "phone-menu-open-390")
    tab.goto(f"{base_url}/explore?indicator=card_spending&basis=month")
    _shot(tab, "phone-explore-390")
    tab.goto(f"{base_url}/overview")
    _shot(tab, "phone-overview-390")
    tab.set_viewport_size(DESKTOP)


def test_no_growth_on_an_incomplete_base_in_the_demo(
    page: tuple[Page, Any], base_url: str, demo_settings: object
) -> None:
    from consumption_monitor.compute import read_result
    from consumption_monitor.compute.sanity import BASE_INCOMPLETE, INCOMPLETE, month_span

    table = read_result(demo_settings)  # type: ignore[arg-type]
    incomplete = table[table.note == INCOMPLETE]
    assert len(incomplete), "the demo's card feed starts mid-night: one stub month is expected"
    assert incomplete.value.isna().all() and incomplete.yoy_pct.isna().all()
    # Oracle: the stub months are the ones before the card window's first full month.
    card = table[table.indicator == "card_spending"]
    first_full = min(p for p in card[card.note != INCOMPLETE].period)
    assert all(p < first_full for p in incomplete.period.unique())
    assert all(month_span(p)[0] < month_span(first_full)[0] for p in incomplete.period)
    # No growth above ±500% on a base that is incomplete or a stub (< 5% of the series median).
    key = ["indicator", "region", "basis", "dim", "dim_value"]
    prev = table[[*key, "period", "value", "note"]].copy()
    prev["period"] = [f"{int(p[:4]) + 1}{p[4:]}" for p in prev.period]
    m = table.merge(prev, on=[*key, "period"], how="left", suffixes=("", "_base"))
    wild = m[(m.yoy_pct.abs() > 500) & (m.note_base == INCOMPLETE)]
    assert wild.empty, wild[[*key, "period", "yoy_pct"]].head()
    assert not table[(table.note == BASE_INCOMPLETE) & table.yoy_pct.notna()].shape[0]
    # Pages: the explorer prints the stub month as "—" with its reason, never a 100% share.
    tab, _ = page
    _login(tab, base_url, "office")
    tab.goto(f"{base_url}/explore?indicator=night_spending_share&basis=month&lang=zh")
    rows = tab.locator('[data-testid="explore-table"] tbody tr').all_inner_texts()
    stub = [r for r in rows if r.startswith(str(incomplete.period.min()))]
    assert stub and "数据不完整" in stub[0] and "100.0" not in stub[0], rows
