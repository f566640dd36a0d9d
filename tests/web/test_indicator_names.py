"""The API and the explorer take an indicator's catalog names, like the CLI (#18 item 2).

Before: `/explore?indicator=社零` was a 422 (the query allowed codes only) and
`/api/v1/indicators/社会消费品零售总额/values` a 404.
"""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import quote

import pandas as pd

from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.store.results import COLUMNS, write_result

MONTHS = [f"2024-{m:02d}" for m in range(2, 13)]


def _seed(settings: Settings) -> None:
    rows = [
        {"indicator": "retail_sales", "region": "120000", "period": p, "basis": "ytd",
         "dim": "", "dim_value": "", "value": 100.0 * (i + 1), "yoy_pct": 3.0, "note": "",
         "provisional": False}
        for i, p in enumerate(MONTHS)
    ]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["vintage"] = date(2025, 1, 20)
    table["computed_at"] = pd.Timestamp("2025-01-20")
    write_result(settings, ComputeResult(table=table, vintage=date(2025, 1, 20)))


def _level(html: str) -> list[float]:
    body = re.search(r'<script type="application/json" id="chart-level-data">(.*?)</script>',
                     html, re.S)  # fmt: skip
    assert body is not None
    return json.loads(body.group(1))["series"][0]["data"]  # type: ignore[no-any-return]


def test_explorer_and_api_resolve_names(client, db, users, h, settings) -> None:  # type: ignore[no-untyped-def]
    _seed(settings)
    h.as_user(client, users.ids["office"])
    by_code = client.get("/explore?indicator=retail_sales&basis=ytd")
    assert by_code.status_code == 200
    for name in ("社零", "社会消费品零售总额"):
        page = client.get(f"/explore?indicator={quote(name)}&basis=ytd")
        assert page.status_code == 200, page.text[:300]
        assert _level(page.text) == _level(by_code.text) == [100.0 * (i + 1) for i in range(11)]
    assert client.get(f"/explore?indicator={quote('不存在的指标')}").status_code == 404
    secret = h.token_for(db, "office", [])
    url = f"/api/v1/indicators/{quote('社会消费品零售总额')}/values?basis=ytd"
    body = client.get(url, headers=h.bearer(secret)).json()
    assert body["count"] == len(MONTHS)
    unknown = client.get(f"/api/v1/indicators/{quote('不存在的指标')}/values",
                         headers=h.bearer(secret))  # fmt: skip
    assert unknown.status_code == 404
