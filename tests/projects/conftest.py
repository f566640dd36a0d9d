"""Small hand-made frames for the projects / chains / profiles tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from consumption_monitor.catalog.uscc import make_uscc


def uscc(n: int, district: str = "120101") -> str:
    """A valid USCC numbered ``n``."""
    return make_uscc("9", "1", district, f"MA{n:06d}")


def project(pid: str, **kw: Any) -> dict[str, Any]:
    """One projects row with defaults (a signed 美妆/渠道零售 project of 1 亿元)."""
    row: dict[str, Any] = {
        "project_id": pid, "name": f"项目{pid}", "chain": "美妆", "link": "渠道零售",
        "district_code": "120101", "investment": 1.0, "stage": "signed", "lead_unit": "市商务局",
        "enterprise_id": None, "signed_date": date(2024, 1, 10), "planned_start": None,
        "actual_start": None, "planned_operation": None, "actual_operation": None,
        "planned_full": None, "actual_full": None,
    }  # fmt: skip
    row.update(kw)
    return row


def em_rows(
    eid: str,
    industry: str,
    category: str,
    monthly: float,
    *,
    district: str = "120101",
    periods: list[str] | None = None,
    growth: float = 0.0,
    online: float = 0.0,
) -> list[dict[str, Any]]:
    """enterprise_monthly rows: ``monthly`` 万元 a month in 2025, ×(1+growth) in 2026 months."""
    periods = periods or [f"2025-{m:02d}" for m in range(2, 13)] + [
        f"2026-{m:02d}" for m in range(2, 13)
    ]
    rows = []
    for p in periods:
        value = monthly * (1 + growth) if p.startswith("2026") else monthly
        rows.append({
            "enterprise_id": eid, "enterprise_name": f"企业{eid[-4:]}", "district_code": district,
            "industry": industry, "period": p, "category": category, "retail_sales": value,
            "online_retail_sales": value * online,
        })  # fmt: skip
    return rows


@pytest.fixture(name="project")
def project_fixture() -> Any:
    """The :func:`project` row builder."""
    return project


@pytest.fixture(name="em_rows")
def em_rows_fixture() -> Any:
    """The :func:`em_rows` builder."""
    return em_rows


@pytest.fixture(name="uscc")
def uscc_fixture() -> Any:
    """The :func:`uscc` builder."""
    return uscc
