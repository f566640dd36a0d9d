"""District isolation on the data itself: every dataset a unit submits × role × page and API.

和平区 (district 120101) submits one file of each dataset a department or district may submit
(``projects``, ``task_progress``, ``first_stores``, ``events``, ``unit_reports``) through the
upload page, as units do. Until the batch is published, no other unit, department or viewer
sees any of its rows on any page or API route that shows that dataset: raw rows (the project
list, a task's progress narrative and status) are read only by 和平区 and the office, and the
computed indicator table — the city's published figures, read by everyone — reflects published
batches only. After 和平区 publishes its batches (the submissions page's button, CSRF as every
form) and the indicators are computed again, every role sees them.

The figures each role reads are compared with a hand-written oracle (``MARKERS``, ``SEES``), not
with the code's own rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from consumption_monitor import clock
from consumption_monitor.auth.models import AuditEntry
from consumption_monitor.compute import compute, write_result
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.store import Store

TODAY = clock.today()
#: A day of the current year before today (the figures are year-to-date).
EARLIER = date(TODAY.year, 1, 5) if TODAY.month > 1 or TODAY.day > 5 else TODAY
MONTH = f"{EARLIER:%Y-%m}"

#: The roles of the matrix (users of tests/web/conftest.py): the owner unit, the office and
#: three others (another district, a department, a viewer).
OWNER = "heping"
ROLES = ("office", "heping", "hedong", "dept", "viewer")
#: Who reads a raw unpublished row of 和平区: the unit itself and the office.
SEES_UNPUBLISHED = {"office", "heping"}

FILES: dict[str, tuple[str, str]] = {
    "projects": (
        "项目编号,项目名称,区划代码,总投资,项目阶段",
        "PRJ-HP-SECRET,和平隐秘项目甲,120101,12.5,在谈",
    ),
    "task_progress": (
        "任务序号,时期,报送单位,进展状态,完成进度(%),进展情况",
        f"1,{TODAY.year}-Q{(EARLIER.month - 1) // 3 + 1},和平区,滞后,10,和平区未公开进展叙述",
    ),
    "first_stores": (
        "品牌,首店级别,开业日期,区划代码",
        f"和平隐秘品牌,national,{EARLIER.isoformat()},120101",
    ),
    "events": (
        "活动编号,活动名称,活动类型,开始日期,区划代码,参与人数",
        f"EV-HP-SECRET,和平隐秘音乐节,concert,{EARLIER.isoformat()},120101,20000",
    ),
    "unit_reports": (
        "报送单位,指标,时期,数值,计量单位",
        f"和平区,tourists,{MONTH},4321.5,万人次",
    ),
}


def _csv(dataset: str) -> bytes:
    header, row = FILES[dataset]
    return f"{header}\n{row}\n".encode()


def _upload(client: Any, h: Any, dataset: str) -> Any:
    page = client.get("/submissions")
    form = {"dataset": dataset, "csrf_token": h.csrf_of(page.text)}
    files = {"file": (f"{dataset}.csv", _csv(dataset), "text/csv")}
    return client.post("/submissions", data=form, files=files)


def _values(client: Any, h: Any, secret: str, code: str, region: str) -> list[float]:
    url = f"/api/v1/indicators/{code}/values?region={region}&basis=ytd&limit=500"
    body = client.get(url, headers=h.bearer(secret))
    assert body.status_code == 200, body.text
    return [r["value"] for r in body.json()["data"] if r["value"] is not None]


def _map_value(client: Any, indicator: str, basis: str, district: str) -> float | None:
    page = client.get(f"/map?indicator={indicator}&basis={basis}")
    assert page.status_code == 200
    blocks = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page.text)
    for _name, body in blocks:
        option = json.loads(body)
        for series in option.get("series", []):
            for point in series.get("data", []) or []:
                if isinstance(point, dict) and point.get("name") == district:
                    value = point.get("value")
                    return float(value) if value is not None else None
    return None


def _task_api(client: Any, h: Any, secret: str) -> str:
    body = client.get("/api/v1/plan/tasks/1", headers=h.bearer(secret))
    assert body.status_code == 200, body.text
    status: str = body.json()["status"]
    return status


#: Dataset → (what a role reads, evidence that the 和平区 row is in it). Each probe returns True
#: when the submitted row shows on that page or API route.
Probe = Callable[[Any, Any, str], bool]
PROBES: dict[str, dict[str, Probe]] = {
    "projects": {
        "page /projects": lambda c, h, s: "和平隐秘项目甲" in c.get("/projects").text,
        "page /projects?district=120101": lambda c, h, s: (
            "PRJ-HP-SECRET" in c.get("/projects?district=120101").text
        ),
        "api /api/v1/projects": lambda c, h, s: (
            "PRJ-HP-SECRET" in c.get("/api/v1/projects", headers=h.bearer(s)).text
        ),
    },
    "task_progress": {
        "page /plan/tasks/1": lambda c, h, s: "和平区未公开进展叙述" in c.get("/plan/tasks/1").text,
        "page /plan (status)": lambda c, h, s: bool(
            re.search(r'data-testid="task-status-1">滞后<', c.get("/plan").text)
        ),
        "api /api/v1/plan/tasks/1": lambda c, h, s: _task_api(c, h, s) == "delayed",
    },
    "first_stores": {
        "page /map": lambda c, h, s: bool(_map_value(c, "first_stores_new", "ytd", "和平区")),
        "api first_stores_new": lambda c, h, s: bool(
            _values(c, h, s, "first_stores_new", "120101")
        ),
    },
    "events": {
        "api concerts_10k": lambda c, h, s: bool(_values(c, h, s, "concerts_10k", "120101")),
        "page /explore": lambda c, h, s: _explore(c, "concerts_10k"),
    },
    "unit_reports": {
        "api tourists": lambda c, h, s: bool(_values(c, h, s, "tourists", "120101")),
        "page /explore": lambda c, h, s: _explore(c, "tourists"),
    },
}
#: (role, dataset) pairs whose pages the role may not open at all (the permission table: a
#: viewer has no 重大项目 pages), so it sees the rows neither before nor after publishing.
NO_ACCESS = {("viewer", "projects")}
#: Datasets whose rows reach pages only through the computed indicator table (the city's
#: published figures): nobody reads an unpublished row there, the office included.
COMPUTED = {"first_stores", "events", "unit_reports"}


def _explore(client: Any, code: str) -> bool:
    """True when the explorer has rows of ``code`` for 和平区 (its table is drawn)."""
    page = client.get(f"/explore?indicator={code}&basis=ytd&region=120101")
    assert page.status_code == 200
    return 'data-testid="explore-table"' in page.text


def _compute(settings: Settings) -> None:
    """What `cmon compute` does: compute from the lake (published batches) and store it."""
    with Store(settings) as lake:  # the default reader: published batches only
        write_result(settings, compute(settings, source=lake))


def _seen(client: Any, h: Any, users: Any, db: Session) -> dict[tuple[str, str, str], bool]:
    seen = {}
    for name in ROLES:
        secret = h.token_for(db, name, [])
        h.as_user(client, users.ids[name])
        for dataset, probes in PROBES.items():
            for where, probe in probes.items():
                seen[(name, dataset, where)] = probe(client, h, secret)
    return seen


@pytest.fixture
def submitted(client: Any, users: Any, h: Any, settings: Settings) -> dict[str, int]:
    """和平区's batch id of each dataset, uploaded through the page, then computed."""
    h.as_user(client, users.ids[OWNER])
    batches = {}
    for dataset in FILES:
        response = _upload(client, h, dataset)
        assert response.status_code == 200, (dataset, response.text[-2000:])
        found = re.search(r"(?:批次号|batch) (\d+)", response.text)
        assert found, response.text[-2000:]
        batches[dataset] = int(found.group(1))
    _compute(settings)
    return batches


def test_no_unpublished_row_of_another_unit_is_visible(
    client: Any, users: Any, h: Any, db: Session, settings: Settings, submitted: dict[str, int]
) -> None:
    seen = _seen(client, h, users, db)
    leaks = [
        f"{dataset} on {where} as {name}"
        for (name, dataset, where), shown in seen.items()
        if shown and (name not in SEES_UNPUBLISHED or dataset in COMPUTED)
    ]
    assert not leaks, "unpublished rows of 和平区 leak:\n" + "\n".join(leaks)
    # The unit and the office do read the unpublished raw rows (not hidden from everyone).
    missing = [
        f"{dataset} on {where} as {name}"
        for (name, dataset, where), shown in seen.items()
        if not shown and name in SEES_UNPUBLISHED and dataset not in COMPUTED
    ]
    assert not missing, "the owner or the office cannot read:\n" + "\n".join(missing)

    # Publishing (the owner's button on the submissions page) shows them to every role.
    h.as_user(client, users.ids[OWNER])
    page = client.get("/submissions").text
    for dataset, batch in submitted.items():
        assert f'data-testid="publish-{batch}"' in page, dataset
        done = client.post(
            f"/submissions/{batch}/publish",
            data={"csrf_token": h.csrf_of(page)},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    _compute(settings)
    after = _seen(client, h, users, db)
    hidden = [
        f"{d} on {w} as {n}"
        for (n, d, w), shown in after.items()
        if not shown and (n, d) not in NO_ACCESS
    ]
    assert not hidden, "published rows still hidden:\n" + "\n".join(hidden)


def test_publish_is_for_the_owner_unit_or_the_office_with_csrf_and_audited(
    client: Any, users: Any, h: Any, db: Session, settings: Settings
) -> None:
    h.as_user(client, users.ids[OWNER])
    assert _upload(client, h, "projects").status_code == 200
    assert _upload(client, h, "first_stores").status_code == 200
    with Store(settings) as store:
        projects, stores = (store.list_batches(d)[-1].id for d in ("projects", "first_stores"))
    for name in ("hedong", "dept", "viewer"):
        h.as_user(client, users.ids[name])
        refused = client.post(f"/submissions/{projects}/publish", data={"csrf_token": "test-csrf"})
        assert refused.status_code == 403, name
    h.as_user(client, users.ids[OWNER])
    no_csrf = client.post(f"/submissions/{projects}/publish", data={})
    assert no_csrf.status_code == 403
    with Store(settings) as store:
        assert not store.get_batch(projects).published
    h.as_user(client, users.ids["office"])
    page = client.get("/submissions").text
    assert f'data-testid="publish-{projects}"' in page  # the office may publish any unit's
    ok = client.post(
        f"/submissions/{projects}/publish",
        data={"csrf_token": h.csrf_of(page)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    again = client.post(f"/submissions/{projects}/publish", data={"csrf_token": h.csrf_of(page)})
    assert again.status_code == 409
    with Store(settings) as store:
        published = store.get_batch(projects)
        assert published.published and published.published_by == "office"
        assert published.owner_unit == "120101"
        assert not store.get_batch(stores).published
    db.expire_all()
    rows = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "batch.publish")))
    assert [(r.actor, r.target, r.detail["batch"]) for r in rows] == [
        ("office", "projects", projects)
    ]


def test_loads_of_the_office_and_providers_are_published_at_once(
    client: Any, users: Any, h: Any, settings: Settings
) -> None:
    h.as_user(client, users.ids["office"])
    assert _upload(client, h, "projects").status_code == 200
    with Store(settings) as store:
        batch = store.list_batches("projects")[-1]
    assert batch.published and batch.owner_unit == "commerce"


def test_cli_publish(
    client: Any,
    users: Any,
    h: Any,
    db: Session,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from consumption_monitor.cli import app as cli

    h.as_user(client, users.ids[OWNER])
    assert _upload(client, h, "projects").status_code == 200
    with Store(settings) as store:
        batch = store.list_batches("projects")[-1].id
    monkeypatch.setenv("CMON_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CMON_DATABASE_URL", settings.metadata_url)
    get_settings.cache_clear()
    try:
        run = CliRunner().invoke(
            cli, ["batches", "publish", str(batch), "--by", "bob", "--lang", "en"]
        )
        assert run.exit_code == 0, run.output
        again = CliRunner().invoke(
            cli, ["batches", "publish", str(batch), "--by", "bob", "--lang", "en"]
        )
        assert again.exit_code != 0 and "already published" in again.output
    finally:
        get_settings.cache_clear()
    with Store(settings) as store:
        assert store.get_batch(batch).published
    db.expire_all()
    rows = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "batch.publish")))
    assert [(r.actor, r.detail["batch"]) for r in rows] == [("cli:bob", batch)]


def test_a_departments_unpublished_progress_stays_with_it_and_the_office(
    client: Any, users: Any, h: Any, db: Session
) -> None:
    quarter = f"{TODAY.year}-Q{(EARLIER.month - 1) // 3 + 1}"
    h.as_user(client, users.ids["dept"])  # 市体育局, responsible for task 5
    page = client.get("/submissions")
    form = {"dataset": "task_progress", "csrf_token": h.csrf_of(page.text)}
    header = "任务序号,时期,报送单位,进展状态,完成进度(%),进展情况"
    body = f"{header}\n5,{quarter},市体育局,滞后,5,体育局未公开叙述\n"
    files = {"file": ("tp.csv", body.encode(), "text/csv")}
    assert client.post("/submissions", data=form, files=files).status_code == 200

    def shown() -> dict[str, bool]:
        out = {}
        for name in ROLES:
            secret = h.token_for(db, name, [])
            h.as_user(client, users.ids[name])
            narrative = "体育局未公开叙述" in client.get("/plan/tasks/5").text
            api = client.get("/api/v1/plan/tasks/5", headers=h.bearer(secret)).json()
            out[name] = narrative or api["status"] == "delayed"
        return out

    assert shown() == {"office": True, "heping": False, "hedong": False, "dept": True,
                       "viewer": False}  # fmt: skip
    h.as_user(client, users.ids["dept"])
    page = client.get("/submissions")
    found = re.search(r'data-testid="publish-(\d+)"', page.text)
    assert found
    publish = client.post(
        f"/submissions/{found.group(1)}/publish",
        data={"csrf_token": h.csrf_of(page.text)},
        follow_redirects=False,
    )
    assert publish.status_code == 303
    assert set(shown().values()) == {True}
