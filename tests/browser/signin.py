"""Sign a Playwright tab in as a demo user (shared by the browser tests)."""

from __future__ import annotations

import re
from typing import Any

from consumption_monitor.demo import DEMO_PASSWORD


def sign_in(tab: Any, base_url: str, username: str) -> None:
    """Sign out whoever is signed in, sign ``username`` in, and wait for the overview."""
    tab.goto(f"{base_url}/login")
    if tab.locator('[data-testid="logout"]').count():
        tab.click('[data-testid="logout"]')
        tab.goto(f"{base_url}/login")
    tab.fill("#username", username)
    tab.fill("#password", DEMO_PASSWORD)
    tab.click('button[type="submit"]')
    tab.wait_for_url(re.compile(r".*/overview$"))
