"""docs/indicators.md is generated from the catalog and must be fresh."""

from __future__ import annotations

from consumption_monitor.docsgen import main, render_indicators, stale_pages
from consumption_monitor.indicators import load_indicators


def test_indicators_page_is_fresh() -> None:
    assert stale_pages(names=["indicators.md"]) == [], "run: make docs"


def test_page_documents_every_indicator() -> None:
    page = render_indicators()
    for ind in load_indicators():
        assert f"### {ind.code}\n" in page
        assert ind.definition_zh in page and ind.formula in page
        for t in ind.targets:
            assert f"`{t}`" in page


def test_check_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    only = ["--docs", str(tmp_path), "--only", "indicators.md"]
    assert main([*only, "--check"]) == 1
    assert main(only) == 0
    assert main([*only, "--check"]) == 0
    assert not (tmp_path / "cli.md").exists()
