"""The REST API through TestClient on SQLite and PostgreSQL: tokens, scopes, lists, uploads."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from consumption_monitor.auth import revoke_token
from consumption_monitor.auth.models import ApiToken
from consumption_monitor.plan import load_plan

GOOD_CSV = "报送单位,指标,时期,数值,计量单位\n和平区,tourists,2025-03,12.5,万人次\n"


def test_me_needs_a_valid_bearer_token(client, db: Session, users, h) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/me", headers=h.bearer("cmon_nonsense")).status_code == 401
    secret = h.token_for(db, "heping", ["unit_reports"])
    body = client.get("/api/v1/me", headers=h.bearer(secret)).json()
    assert (body["username"], body["role"], body["unit"]) == ("heping", "district", "120101")
    assert body["token"]["datasets"] == ["unit_reports"]
    assert "manage_users" not in body["permissions"] and "submit_data" in body["permissions"]
    assert "cmon_" not in str(body["token"]) or body["token"]["prefix"].startswith("cmon_")
    assert secret not in str(body)


def test_the_api_ignores_session_cookies(client, users, h) -> None:
    h.as_user(client, users.ids["admin"])
    assert client.get("/api/v1/users").status_code == 401


def test_revoked_token_is_401_and_last_used_is_stamped(
    client,
    db: Session,
    users,
    h,
) -> None:
    secret = h.token_for(db, "office", [])
    assert client.get("/api/v1/me", headers=h.bearer(secret)).status_code == 200
    db.expire_all()
    token = db.query(ApiToken).one()
    assert token.last_used_at is not None
    revoke_token(db, token.id, actor="admin")
    db.commit()
    response = client.get("/api/v1/me", headers=h.bearer(secret))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_lists_are_paged_data_and_count(client, db: Session, users, h) -> None:
    secret = h.token_for(db, "viewer", [])
    plan = load_plan()
    everything = client.get("/api/v1/plan/tasks?limit=500", headers=h.bearer(secret)).json()
    assert everything["count"] == len(plan.tasks) == len(everything["data"])
    page = client.get("/api/v1/plan/tasks?limit=7&offset=10", headers=h.bearer(secret)).json()
    assert page["count"] == len(plan.tasks)
    assert [t["id"] for t in page["data"]] == [t["id"] for t in everything["data"]][10:17]
    sport = client.get("/api/v1/plan/tasks?unit=sport", headers=h.bearer(secret)).json()
    assert [t["id"] for t in sport["data"]] == [t.id for t in plan.tasks_for_unit("sport")]
    targets = client.get("/api/v1/plan/targets?limit=3", headers=h.bearer(secret)).json()
    assert targets["count"] == len(plan.targets) and len(targets["data"]) == 3
    bad = client.get("/api/v1/plan/tasks?limit=0", headers=h.bearer(secret))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation"
    one = client.get("/api/v1/plan/tasks/21", headers=h.bearer(secret)).json()
    assert one["title_zh"] == plan.task(21).title_zh
    missing = client.get("/api/v1/plan/tasks/999", headers=h.bearer(secret))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_users_list_for_admins_only(client, db: Session, users, h) -> None:
    admin = h.token_for(db, "admin", [])
    office = h.token_for(db, "office", [])
    body = client.get("/api/v1/users?limit=2", headers=h.bearer(admin)).json()
    assert body["count"] == len(users.ids) and len(body["data"]) == 2
    assert all("password" not in str(u) for u in body["data"])
    assert client.get("/api/v1/users", headers=h.bearer(office)).status_code == 403


def test_audit_verify_reports_a_tampered_row(client, db: Session, users, h) -> None:
    admin = h.token_for(db, "admin", [])
    body = client.get("/api/v1/audit/verify", headers=h.bearer(admin)).json()
    assert body["ok"] and body["checked"] >= len(users.ids)
    db.execute(text("UPDATE audit_log SET target = 'forged' WHERE id = 3"))
    db.commit()
    body = client.get("/api/v1/audit/verify", headers=h.bearer(admin)).json()
    assert body == {**body, "ok": False, "first_broken": 3}


def test_token_scope_and_upload(
    client,
    db: Session,
    users,
    h,
    tmp_path: Path,
) -> None:
    heping = h.token_for(db, "heping", ["unit_reports"])
    url = "/api/v1/datasets/{}/batches"
    files = {"file": ("report.csv", GOOD_CSV.encode(), "text/csv")}
    # Scoped to unit_reports: pushing another dataset is forbidden before anything is read.
    denied = client.post(url.format("first_stores"), headers=h.bearer(heping), files=files)
    assert denied.status_code == 403 and "first_stores" in denied.json()["error"]["message_en"]
    # The right dataset goes through validation and into the lake.
    ok = client.post(url.format("unit_reports"), headers=h.bearer(heping), files=files)
    assert ok.status_code == 201, ok.text
    assert ok.json()["rows_loaded"] == 1 and ok.json()["duplicate"] is False
    again = client.post(url.format("unit_reports"), headers=h.bearer(heping), files=files)
    assert again.json()["duplicate"] is True
    listed = client.get(url.format("unit_reports"), headers=h.bearer(heping)).json()
    assert listed["count"] == 1 and listed["data"][0]["loaded_by"] == "heping"
    # Another district does not see it; the office does.
    hedong = h.token_for(db, "hedong", ["unit_reports"])
    assert client.get(url.format("unit_reports"), headers=h.bearer(hedong)).json()["count"] == 0
    office = h.token_for(db, "office", [])
    assert client.get(url.format("unit_reports"), headers=h.bearer(office)).json()["count"] == 1


def test_an_upload_with_vintage_9999_12_31_is_refused(client, db: Session, users, h) -> None:
    """A pushed unit report dated in the far future is a 422 and loads nothing (#18 item 7)."""
    secret = h.token_for(db, "heping", ["unit_reports"])
    url = "/api/v1/datasets/unit_reports/batches"
    files = {"file": ("report.csv", GOOD_CSV.encode(), "text/csv")}
    refused = client.post(url, headers=h.bearer(secret), files=files,
                          params={"vintage": "9999-12-31"})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert "晚于今天" in refused.json()["error"]["message_zh"]
    assert client.get(url, headers=h.bearer(secret)).json()["count"] == 0


def test_bad_file_is_refused_with_located_problems(client, db: Session, users, h) -> None:
    secret = h.token_for(db, "heping", ["unit_reports"])
    bad = "报送单位,指标,时期,数值\n和平区,tourists,2025-13,abc\n"
    response = client.post(
        "/api/v1/datasets/unit_reports/batches",
        headers=h.bearer(secret),
        files={"file": ("bad.csv", bad.encode(), "text/csv")},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation" and error["problems"]
    wrong_type = client.post(
        "/api/v1/datasets/unit_reports/batches",
        headers=h.bearer(secret),
        files={"file": ("evil.exe", b"MZ", "application/octet-stream")},
    )
    assert wrong_type.status_code == 422 and ".exe" in wrong_type.json()["error"]["message_en"]


def test_role_may_not_push_other_sides_even_with_a_token(client, db: Session, users, h) -> None:
    secret = h.token_for(db, "heping", ["card_transactions"])
    response = client.post(
        "/api/v1/datasets/card_transactions/batches",
        headers=h.bearer(secret),
        files={"file": ("c.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert response.status_code == 403


def test_openapi_is_served_and_swagger_cdn_is_not(client, app: FastAPI) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/me" in schema["paths"] and "/overview" not in schema["paths"]
    assert "HTTPBearer" in str(schema["components"]["securitySchemes"])
    assert client.get("/redoc").status_code in (303, 404)
    docs = client.get("/docs").text
    assert "cdn" not in docs.lower() and "/api/v1/plan/tasks" in docs


def test_offset_beyond_the_database_integer_range_is_a_422(client, db: Session, users, h) -> None:
    # Found by schemathesis: offset=2**63 reached SQLite and raised OverflowError (a 500).
    auth = h.bearer(h.token_for(db, "admin", []))
    too_far = client.get("/api/v1/users", params={"limit": 1, "offset": 2**63}, headers=auth)
    assert too_far.status_code == 422
    last = client.get("/api/v1/users", params={"limit": 1, "offset": 2**31 - 1}, headers=auth)
    assert last.status_code == 200
    assert last.json()["data"] == []
