"""End to end: a projects table written through the Store, read back by the ``cmon`` commands."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from consumption_monitor.cli import app
from consumption_monitor.config import load_settings
from consumption_monitor.store import Store

ROWS = [
    {"project_id": "XM0001", "name": "和平区美妆渠道项目", "chain": "美妆", "link": "渠道零售",
     "district_code": "120101", "investment": 12.5, "stage": "construction",
     "lead_unit": "市商务局", "enterprise_id": None, "signed_date": date(2024, 1, 10),
     "planned_start": date(2024, 3, 1), "actual_start": date(2024, 3, 20),
     "planned_operation": date(2024, 12, 1), "actual_operation": None,
     "planned_full": date(2025, 12, 1), "actual_full": None},
    {"project_id": "XM0002", "name": "滨海宠物食品项目", "chain": "宠物", "link": "宠物食品",
     "district_code": "120116", "investment": 30.0, "stage": "negotiating",
     "lead_unit": "市商务局", "enterprise_id": None, "signed_date": None,
     "planned_start": date(2025, 9, 1), "actual_start": None, "planned_operation": None,
     "actual_operation": None, "planned_full": date(2027, 1, 1), "actual_full": None},
]  # fmt: skip


@pytest.fixture
def env(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    with Store(settings) as store:
        store.write_batch("projects", pa.Table.from_pylist(ROWS), vintage=date(2025, 5, 31),
                          content_hash="test-projects-1", source="test")  # fmt: skip
    return {"CMON_DATA_DIR": str(tmp_path), "COLUMNS": "200"}


def _json(env, *args):
    res = CliRunner(env=env).invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_projects_list_json_reads_the_lake(env):
    out = _json(env, "projects", "list")
    assert out["count"] == 2 and out["investment_total"] == 42.5
    assert {r["project_id"]: r["link_id"] for r in out["data"]} == {
        "XM0001": "channel_retail", "XM0002": "pet_food"}  # fmt: skip
    only = _json(env, "projects", "list", "--district", "滨海新区")
    assert [r["project_id"] for r in only["data"]] == ["XM0002"]
    assert _json(env, "projects", "list", "--stage", "开工")["count"] == 1


def test_projects_status_and_show(env):
    out = _json(env, "projects", "status", "--as-of", "2025-06-30")
    by_id = {r["project_id"]: r for r in out["data"]}
    # operation planned 2024-12-01, not reached by 2025-06-30: ~7 months late, deadline < 6 months
    assert (by_id["XM0001"]["status"], by_id["XM0001"]["rag"]) == ("off_track", "red")
    assert by_id["XM0002"]["status"] == "on_track"
    show = _json(env, "projects", "show", "XM0001", "--as-of", "2025-06-30")
    assert [t["to_stage"] for t in show["transitions"]] == ["signed", "construction"]
    assert show["problems"] == []
    res = CliRunner(env=env).invoke(app, ["projects", "show", "NOPE"])
    assert res.exit_code == 4


def test_chains_gaps_and_candidates_without_enterprise_data(env):
    gaps = _json(env, "chains", "gaps", "--chain", "美妆")
    status = {r["link_id"]: r["status"] for r in gaps["data"]}
    assert status["channel_retail"] == "weak" and status["packaging"] == "missing"
    assert gaps["thresholds"]["min_enterprises"] == 3
    cands = _json(env, "chains", "candidates", "美妆.包装")
    assert cands["data"][0]["candidate_id"] == "premium_packaging"
    assert "formula" in cands["method"]
    assert _json(env, "chains", "list")["count"] == 5
    shown = _json(env, "chains", "show", "宠物")
    assert len(shown["graph"]["nodes"]) == 4


def test_investment_by_stage_adds_up(env):
    out = _json(env, "projects", "investment", "--by", "stage")
    rows = {r["stage"]: r["investment"] for r in out["data"]}
    assert rows["construction"] == 12.5 and rows["negotiating"] == 30.0 and rows["total"] == 42.5


def test_profile_command_applies_the_role(env, tmp_path, em_rows, uscc):
    rows = em_rows(uscc(1), "F5234", "cosmetics", 10.0, growth=0.1)
    with Store(load_settings(data_dir=tmp_path)) as store:
        table = pa.Table.from_pylist(rows)
        store.write_batch(
            "enterprise_monthly", table, vintage=date(2026, 12, 1), content_hash="em-1", source="t"
        )
    office = _json(env, "profile", uscc(1))
    assert office["sales_12m"] == pytest.approx(11 * 11.0) and not office["restricted"]
    district = _json(env, "profile", uscc(1), "--role", "district")
    assert district["restricted"] and district["sales_12m"] is None
    assert district["chain_positions"][0]["link_id"] == "channel_retail"
