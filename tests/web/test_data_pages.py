"""Pages and API over real data: a hand-written indicator table (the oracle), files loaded
through the upload path, alerts recorded through the monitor's service.

Checks: headline cards and sparklines show the stored figures; the explorer's CSV/XLSX export
holds exactly the selected rows; suppressed card cells stay hidden; a district or department
cannot load another unit's rows; task status follows task_progress; deadlines turn overdue and
escalate; alerts are acknowledged and resolved with the right roles; a district sees only its
own evaluation breakdown.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from consumption_monitor.catalog import load_catalog
from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings
from consumption_monitor.evaluate import load_scheme
from consumption_monitor.ingest.templates import write_template
from consumption_monitor.monitor.alerts import AlertHit, AlertService
from consumption_monitor.plan import load_plan
from consumption_monitor.store.results import COLUMNS, write_result
from consumption_monitor.web import pages_analysis
from consumption_monitor.web.plan_data import obligations

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01", "2025-02", "2025-03"]


def _row(**kw: object) -> dict[str, object]:
    base = {"dim": "", "dim_value": "", "note": "", "provisional": False, "basis": "ytd"}
    return {**base, **kw}


def _table() -> pd.DataFrame:
    rows = [
        _row(indicator="retail_sales", region="120000", period=p, value=100.0 * (i + 1),
             yoy_pct=2.0 + i / 10)
        for i, p in enumerate(MONTHS)
    ]  # fmt: skip
    rows[-1]["value"] = 1234.5  # the headline figure: 1,234.50亿元, 同比 +3.4%
    for code, value in (("120101", 300.0), ("120102", 120.0), ("120116", 800.0)):
        rows.append(_row(indicator="retail_sales", region=code, period="2025-03", value=value))
    for bd, value, note in (("BD001", 5.0e6, ""), ("BD002", np.nan, "suppressed")):
        rows.append(
            _row(indicator="card_spending", region="120000", period="2025-03", basis="month",
                 dim="business_district", dim_value=bd, value=value, note=note)
        )  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["vintage"] = date(2025, 4, 20)
    table["computed_at"] = pd.Timestamp("2025-04-20")
    return table


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    write_result(settings, ComputeResult(table=_table(), vintage=date(2025, 4, 20)))
    return settings


def _json_blocks(html: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def test_overview_cards_show_the_stored_figures(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["viewer"])
    html = client.get("/overview").text
    card = html[html.index('data-testid="card-retail_sales"') :]
    card = card[: card.index("</a>")]
    assert "1,234.50亿元" in card and "2025年3月" in card and "+3.4%" in card
    spark = _json_blocks(html)["spark-retail_sales-data"]
    assert spark["series"][0]["data"] == [100.0 * (i + 1) for i in range(3, 14)] + [1234.5]
    assert spark["xAxis"]["data"] == [f"{p[:4]}年{int(p[5:])}月" for p in MONTHS[-12:]]
    assert 'data-testid="no-data"' not in html
    areas = _json_blocks(html)["chart-map-data"]["series"][0]["data"]
    assert sorted(a["value"] for a in areas if a["value"] is not None) == [120.0, 300.0, 800.0]


def test_explorer_export_holds_exactly_the_rows_shown(client, users, h, seeded) -> None:
    h.as_user(client, users.ids["dept"])
    query = "indicator=retail_sales&basis=ytd&start=2024-06&end=2024-12"
    page = client.get(f"/explore?{query}&compare=last_year")
    assert page.status_code == 200
    level = _json_blocks(page.text)["chart-level-data"]
    assert level["xAxis"]["data"] == [f"{p[:4]}年{int(p[5:])}月" for p in MONTHS[5:12]]
    assert level["series"][1]["data"] == [None] * 7  # no 2023 rows: nothing to overlay
    out = client.get(f"/explore/export?{query}&format=csv")
    assert out.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(out.content.decode("utf-8-sig"))))
    assert [r["period"] for r in rows] == MONTHS[5:12]
    assert [float(r["value"]) for r in rows] == [100.0 * (i + 1) for i in range(5, 12)]
    xlsx = client.get(f"/explore/export?{query}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("indicator", "region", "period") and len(values) == 1 + 7


def test_suppressed_business_district_cells_stay_hidden(client, db, users, h, seeded) -> None:
    h.as_user(client, users.ids["office"])
    html = client.get("/business-districts").text
    table = html[html.index('data-testid="bd-table-card_spending"') :]
    assert table.count('data-testid="suppressed"') == 1 and "500.00万元" in table
    secret = h.token_for(db, "office", [])
    url = "/api/v1/indicators/card_spending/values?basis=month&dim=business_district"
    body = client.get(url + "&dim_value=BD002", headers=h.bearer(secret)).json()
    assert body["count"] == 1
    assert body["data"][0]["value"] is None and body["data"][0]["note"] == "suppressed"


def _csv(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


UNIT_REPORTS = "报送单位,指标,时期,数值,计量单位"


def _upload(client, h, dataset: str, content: bytes, name: str = "f.csv"):
    page = client.get("/submissions")
    form = {"dataset": dataset, "csrf_token": h.csrf_of(page.text)}
    return client.post("/submissions", data=form, files={"file": (name, content, "text/csv")})


def test_a_district_cannot_load_another_units_rows(client, db: Session, users, h) -> None:
    h.as_user(client, users.ids["heping"])
    mixed = _csv(
        UNIT_REPORTS, "和平区,tourists,2025-03,12.5,万人次", "河西区,tourists,2025-03,9,万人次"
    )
    refused = _upload(client, h, "unit_reports", mixed)
    assert refused.status_code == 422
    block = re.search(r'data-testid="upload-problems">(.*?)</ul>', refused.text, re.S)
    assert block is not None
    problems = re.findall(r"<li>(.*?)</li>", block.group(1))
    assert len(problems) == 1 and "第 3 行" in problems[0] and "河西区" in problems[0]
    assert "“报送单位”列" in problems[0] and "reporting_unit" not in refused.text  # its header
    assert 'data-testid="no-batches"' in refused.text  # nothing was loaded
    own = _upload(
        client, h, "unit_reports", _csv(UNIT_REPORTS, "120101,tourists,2025-03,12,万人次")
    )
    assert own.status_code == 200 and 'data-testid="upload-report"' in own.text
    # The API path applies the same rule.
    secret = h.token_for(db, "heping", ["unit_reports"])
    files = {"file": ("x.csv", _csv(UNIT_REPORTS, "河东区,tourists,2025-04,1,万人次"), "text/csv")}
    pushed = client.post(
        "/api/v1/datasets/unit_reports/batches", headers=h.bearer(secret), files=files
    )
    assert pushed.status_code == 422
    assert pushed.json()["error"]["problems"][0]["where"]["column"] == "reporting_unit"


def test_district_scoped_registry_rows_must_name_the_district(
    client, users, h, tmp_path: Path
) -> None:
    template = write_template("first_stores", "csv", tmp_path / "t.csv")
    header, example = template.read_text("utf-8-sig").splitlines()[:2]
    h.as_user(client, users.ids["heping"])
    elsewhere = _upload(
        client, h, "first_stores", _csv(header, example.replace("和平区", "河西区"))
    )
    assert elsewhere.status_code == 422 and "“区划代码”列" in elsewhere.text
    assert _upload(client, h, "first_stores", _csv(header, example)).status_code == 200


def test_a_department_cannot_report_for_another_department(client, users, h) -> None:
    h.as_user(client, users.ids["dept"])
    row = "1,2025-Q1,市商务局,进行中,30"
    header = "任务序号,时期,报送单位,进展状态,完成进度(%)"
    refused = _upload(client, h, "task_progress", _csv(header, row.replace("进行中", "推进中")))
    assert refused.status_code == 422 and "市商务局" in refused.text


def test_task_status_and_deadlines_follow_task_progress(
    client, users, h, settings: Settings
) -> None:
    h.as_user(client, users.ids["office"])
    header = "任务序号,时期,报送单位,进展状态,完成进度(%)"
    content = _csv(header, "1,2026-Q3,市商务局,推进中,40", "1,2026-Q3,和平区,滞后,10")
    assert _upload(client, h, "task_progress", content).status_code == 200
    plan_page = client.get("/plan").text
    assert re.search(r'data-testid="task-status-1">滞后<', plan_page)
    assert re.search(r'data-testid="task-status-2">未报送<', plan_page)
    task = client.get("/plan/tasks/1").text
    progress = task[task.index('data-testid="task-progress"') :]
    assert "市商务局" in progress and "和平区" in progress and "40%" in progress
    plan = load_plan(settings=settings)
    due = {
        (o.unit, o.period): o
        for o in obligations(plan, settings, today=date(2026, 10, 30))
        if o.dataset == "task_progress"
    }
    assert due[("commerce", "2026-Q3")].state == "submitted"
    late = due[("120102", "2026-Q3")]
    assert (late.state, late.days_late, late.due) == ("escalated", 20, date(2026, 10, 10))
    assert due[("120102", "2026-Q4")].state == "upcoming"
    early = obligations(plan, settings, today=date(2026, 10, 15), unit="120102")
    assert {o.state for o in early if o.dataset == "task_progress"} == {"overdue", "upcoming"}


def _hit(**kw: object) -> AlertHit:
    base: dict[str, object] = {
        "rule": "drop", "side": "card", "indicator": "card_spending", "region": "120101",
        "dim": "", "dim_value": "", "condition": "yoy_pct < -10", "severity": "warning",
        "first_date": date(2025, 3, 1), "last_date": date(2025, 3, 31), "value": -12.0,
        "message_zh": "和平区消费下降", "message_en": "Heping spending down",
    }  # fmt: skip
    return AlertHit.model_validate({**base, **kw})


def test_alerts_are_acknowledged_and_resolved_by_the_right_roles(
    client, db: Session, users, h, settings: Settings
) -> None:
    with AlertService(settings) as service:
        (alert,) = service.record([_hit()])
    h.as_user(client, users.ids["heping"])
    assert "和平区消费下降" in client.get("/alerts").text
    assert 'data-testid="ack-' not in client.get("/alerts").text
    denied = client.post(f"/alerts/{alert.id}/ack", data={"csrf_token": "test-csrf"})
    assert denied.status_code == 403
    h.as_user(client, users.ids["office"])
    assert "和平区消费下降" in client.get("/overview").text
    acked = client.post(
        f"/alerts/{alert.id}/ack", data={"csrf_token": "test-csrf"}, follow_redirects=False
    )
    assert acked.status_code == 303
    admin = h.token_for(db, "admin", [])
    listed = client.get("/api/v1/alerts?status=acknowledged", headers=h.bearer(admin)).json()
    assert listed["count"] == 1 and listed["data"][0]["acknowledged_by"] == "office"
    url = f"/api/v1/alerts/{alert.id}/resolve"
    done = client.post(url, headers=h.bearer(admin), json={"note": "checked"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    again = client.post(url, headers=h.bearer(admin), json={"note": "again"})
    assert again.status_code == 409


def _complete_input() -> pd.DataFrame:
    scheme = load_scheme("district_default")
    rng = np.random.default_rng(7)
    codes = [d.code for d in load_catalog().districts]
    rows = [
        {"unit": u, "period": y, "indicator": i.code, "value": float(rng.uniform(1, 100))}
        for y in ("2023", "2024", "2025")
        for u in codes
        for i in scheme.indicators
    ]
    return pd.DataFrame(rows)


def test_a_district_sees_only_its_own_evaluation_breakdown(
    client, users, h, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages_analysis, "evaluation_input", lambda _s: _complete_input())
    h.as_user(client, users.ids["heping"])
    html = client.get("/evaluation").text
    scores = html[html.index('data-testid="score-table"') : html.index("</table>")]
    assert scores.count("<tr>") == 1 + 16
    breakdown = html[html.index('data-testid="explanation-table"') :]
    breakdown = breakdown[: breakdown.index("</table>")]
    assert breakdown.count("和平区") == 10 and "河东区" not in breakdown
    h.as_user(client, users.ids["office"])
    html = client.get("/evaluation").text
    breakdown = html[html.index('data-testid="explanation-table"') :]
    assert breakdown[: breakdown.index("</table>")].count("<tr>") == 1 + 16 * 10


def test_a_unit_downloads_its_template(client, users, h) -> None:
    h.as_user(client, users.ids["heping"])
    page = client.get("/submissions").text
    assert 'data-testid="template-unit_reports"' in page
    assert 'data-testid="template-enterprise_monthly"' not in page  # not a district's form
    out = client.get("/submissions/templates/unit_reports?format=xlsx")
    assert out.status_code == 200
    first = next(load_workbook(io.BytesIO(out.content)).worksheets[0].values)
    assert first[0] == "报送单位"
