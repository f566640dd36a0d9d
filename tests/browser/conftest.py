"""Fixtures of the browser tests: a seeded app served by uvicorn on loopback, and Debian's
Chromium driven by Playwright.

The data directory is built once per session by :func:`consumption_monitor.demo.build_demo`
(simulator at tiny scale, every file through ingestion, indicators computed, scheduled reports,
demo users) plus one stored alert, so every page has something real to draw. Chromium is the
Debian package (``/usr/bin/chromium``; ``.ci/run`` installs it): Playwright's own browser
download is never used, and when Chromium is missing the tests FAIL with that message.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CMON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET = "browser-test-secret-key-with-more-than-32-characters"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _seed(data_dir: Path) -> object:
    from consumption_monitor.config import load_settings
    from consumption_monitor.demo import build_demo
    from consumption_monitor.monitor.alerts import AlertHit, AlertService

    settings = load_settings(
        data_dir=data_dir, database_url=None, mode="development", secret_key=SECRET
    )
    build_demo(settings, scale="tiny", seed=0, end="2026-09")
    hit = AlertHit(
        rule="browser-test", side="card", indicator="card_spending", region="120101", dim="",
        dim_value="", condition="yoy_pct < -10", severity="warning", first_date=date(2026, 9, 1),
        last_date=date(2026, 9, 30), value=-12.5, message_zh="和平区银行卡消费同比下降12.5%",
        message_en="Heping card spending down 12.5% YoY",
    )  # fmt: skip
    with AlertService(settings) as service:
        service.record([hit])
    return settings


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Settings of the seeded data directory the app serves (built once per session)."""
    return _seed(tmp_path_factory.mktemp("browser") / "data")


@pytest.fixture(scope="session")
def base_url(demo_settings: object) -> Iterator[str]:
    """URL of the app on a seeded data directory, served by uvicorn in a thread."""
    import uvicorn

    from consumption_monitor.web.app import create_app

    settings = demo_settings
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the app did not start", pytrace=False)
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A Chromium context with a fresh profile (no network beyond the app, no first-run)."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install the Debian package `chromium` "
            "(.ci/run does) to run the @pytest.mark.browser tests",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1366, "height": 900},
            locale="zh-CN",
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Problems:
    """Console errors and uncaught page errors seen by a page."""

    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser_context: object, base_url: str) -> Iterator[tuple[object, Problems]]:
    """A new tab that records console errors, page errors and requests to other hosts."""
    problems = Problems()
    tab = browser_context.new_page()  # type: ignore[attr-defined]

    def on_console(msg: object) -> None:
        if msg.type == "error":  # type: ignore[attr-defined]
            problems.errors.append(f"console: {msg.text}")  # type: ignore[attr-defined]

    def on_request(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        if not url.startswith((base_url, "data:", "blob:", "about:")):
            problems.external.append(url)

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: problems.errors.append(f"pageerror: {exc}"))
    tab.on("request", on_request)
    try:
        yield tab, problems
    finally:
        tab.close()
