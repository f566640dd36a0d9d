"""Server-rendered pages: sign-in, CSRF, backoff, languages, no external requests, uploads."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session

from consumption_monitor.config import PLACEHOLDER_SECRET, Settings, load_settings
from consumption_monitor.errors import ConfigError
from consumption_monitor.targets.status import Status
from consumption_monitor.web.app import create_app
from consumption_monitor.web.i18n import catalog
from consumption_monitor.web.indicator_data import BASES, COMPARISONS
from consumption_monitor.web.plan_data import TASK_STATUSES
from consumption_monitor.web.templating import NAV, TEMPLATE_DIR

PAGES = [
    "/overview",
    "/bigscreen",
    "/plan",
    "/plan?view=status",
    "/plan/tasks/21",
    "/explore",
    "/map",
    "/business-districts",
    "/holidays",
    "/programmes",
    "/evaluation",
    "/targets",
    "/targets/T-retail-sales-growth-parity",
    "/alerts",
    "/projects",
    "/projects/chains",
    "/projects/chains/pet",
    "/reports",
    "/submissions/status",
    "/submissions",
    "/admin",
    "/audit",
    "/docs",
    "/login",
]


def _login(client, username: str, password: str, next_: str = "/overview"):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"username": username, "password": password, "csrf_token": token, "next": next_}
    return client.post("/login", data=form, follow_redirects=False)


def test_sign_in_and_out(client, users, h) -> None:
    anonymous = client.get("/overview", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/overview"
    before = client.cookies.get("cmon_session")
    response = _login(client, "heping", h.password, next_="/plan")
    assert response.status_code == 303 and response.headers["location"] == "/plan"
    assert client.cookies.get("cmon_session") != before  # a new session after sign-in
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    overview = client.get("/overview")
    assert overview.status_code == 200 and 'data-testid="current-user">heping' in overview.text
    out = client.post(
        "/logout", data={"csrf_token": h.csrf_of(overview.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    assert client.get("/overview", follow_redirects=False).status_code == 303


def test_wrong_password_and_backoff_through_the_page(
    client,
    db: Session,
    users,
    h,
) -> None:
    for _ in range(5):
        failed = _login(client, "hedong", "not the password")
        assert failed.status_code == 401 and "用户名或密码错误" in failed.text
    slowed = _login(client, "hedong", h.password)  # this pair waits; other addresses do not
    assert slowed.status_code == 401 and "秒后再试" in slowed.text
    db.execute(text("DELETE FROM login_attempts"))
    db.commit()
    assert _login(client, "hedong", h.password).status_code == 303


def test_post_without_csrf_token_is_403(client, users, h) -> None:
    h.as_user(client, users.ids["admin"], csrf="the-real-token")
    form = {"username": "newbie", "password": "long enough pw", "role": "viewer"}
    assert client.post("/admin/users", data=form).status_code == 403
    wrong = client.post("/admin/users", data={**form, "csrf_token": "guess"})
    assert wrong.status_code == 403
    login = client.post("/login", data={"username": "admin", "password": h.password})
    assert login.status_code == 403
    ok = client.post(
        "/admin/users", data={**form, "csrf_token": "the-real-token"}, follow_redirects=False
    )
    assert ok.status_code == 303
    via_header = client.post(
        "/admin/users/newbie/active",
        data={"active": "false"},
        headers={"X-CSRF-Token": "the-real-token"},
        follow_redirects=False,
    )
    assert via_header.status_code == 303


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_in_both_languages(client, users, h, lang: str) -> None:
    h.as_user(client, users.ids["admin"])
    expected = {
        "zh": ("消费市场监测平台", 'lang="zh-CN"'),
        "en": ("Consumption Monitor", 'lang="en"'),
    }[lang]
    first = client.get(f"/overview?lang={lang}")
    assert first.status_code == 200
    for path in PAGES:
        page = client.get(path)  # the language cookie carries over
        assert page.status_code == 200, path
        assert expected[1] in page.text and expected[0] in page.text, path
        leftover = re.findall(
            r"\b(?:nav|login|overview|plan|admin|audit|status|task|api|"
            r"submissions|bigscreen|error|app)\.[a-z_]+\b",
            page.text,
        )
        assert not leftover, f"untranslated keys on {path}: {leftover}"


def test_overview_says_no_data_instead_of_inventing_numbers(client, users, h) -> None:
    h.as_user(client, users.ids["viewer"])
    page = client.get("/overview").text
    assert 'data-testid="no-data"' in page and "暂无数据" in page
    assert 'data-testid="card-plan-tasks"' in page  # the plan's counts are real
    big = client.get("/bigscreen?lang=en").text
    assert "No data yet" in big and 'id="topbar"' not in big


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") and value:
                self.refs.append(value)


def _external(ref: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", ref.strip(), re.IGNORECASE))


def test_no_page_references_another_host(client, users, h) -> None:
    h.as_user(client, users.ids["admin"])
    assets: set[str] = set()
    for path in PAGES:
        for lang in ("zh", "en"):
            html = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text
            parser = _Refs()
            parser.feed(html)
            external = [r for r in parser.refs if _external(r)]
            assert not external, f"{path} references {external}"
            assert "http://" not in html and "https://" not in html, path
            assets |= {r for r in parser.refs if r.endswith((".js", ".css"))}
    assert {"/vendor/echarts.min.js", "/static/charts.js", "/static/cmon.css"} <= assets
    for asset in assets - {"/vendor/echarts.min.js"}:
        body = client.get(asset).text
        assert "http://" not in body and "https://" not in body, asset
    echarts = client.get("/vendor/echarts.min.js")
    assert echarts.status_code == 200 and len(echarts.content) > 1_000_000
    assert "javascript" in echarts.headers["content-type"]
    csp = client.get("/overview").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp


def test_next_parameter_cannot_redirect_off_site(client, users, h) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = _login(client, "viewer", h.password, next_=target)
        assert response.headers["location"] == "/overview", target
        client.cookies.clear()


def test_admin_creates_a_user_and_a_disabled_user_loses_the_session(
    client,
    users,
    h,
) -> None:
    h.as_user(client, users.ids["heping"], csrf="c1")
    assert client.get("/overview").status_code == 200
    h.as_user(client, users.ids["admin"], csrf="c2")
    bad = client.post(
        "/admin/users",
        data={
            "csrf_token": "c2",
            "username": "x1",
            "password": "long enough pw",
            "role": "district",
            "unit": "commerce",
        },
    )
    assert bad.status_code == 422 and "commerce" in bad.text
    made = client.post(
        "/admin/users",
        data={
            "csrf_token": "c2",
            "username": "binhai",
            "password": "long enough pw",
            "role": "district",
            "unit": "120116",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert 'data-testid="user-binhai"' in client.get("/admin").text
    client.post("/admin/users/heping/active", data={"csrf_token": "c2", "active": "false"})
    h.as_user(client, users.ids["heping"], csrf="c1")
    assert client.get("/overview", follow_redirects=False).status_code == 303


def test_token_secret_is_shown_once(client, db: Session, users, h) -> None:
    h.as_user(client, users.ids["admin"], csrf="c")
    page = client.post(
        "/admin/tokens",
        data={
            "csrf_token": "c",
            "username": "provider",
            "datasets": ["card_transactions", "no_such_dataset"],
        },
    )
    secret = re.search(r'id="new-token-secret">(cmon_[^<]+)<', page.text).group(1)
    assert secret not in client.get("/admin").text
    me = client.get("/api/v1/me", headers=h.bearer(secret)).json()
    assert me["username"] == "provider" and me["token"]["datasets"] == ["card_transactions"]


def test_upload_page_shows_the_validation_report(client, users, h) -> None:
    h.as_user(client, users.ids["heping"], csrf="c")
    page = client.get("/submissions").text
    assert 'value="unit_reports"' in page and 'value="card_transactions"' not in page
    bad = client.post(
        "/submissions",
        data={"csrf_token": "c", "dataset": "unit_reports"},
        files={"file": ("bad.csv", "报送单位,指标\n和平区,x\n".encode(), "text/csv")},
    )
    assert bad.status_code == 422 and 'data-testid="upload-error"' in bad.text
    good = "报送单位,指标,时期,数值\n和平区,tourists,2025-03,3\n"
    ok = client.post(
        "/submissions",
        data={"csrf_token": "c", "dataset": "unit_reports", "vintage": "2025-04-10"},
        files={"file": ("ok.csv", good.encode(), "text/csv")},
    )
    assert ok.status_code == 200 and 'data-testid="upload-report"' in ok.text
    # PostgreSQL sequences do not roll back, so the refused load may have used an id.
    batch = re.search(r"批次号 (\d+)", ok.text)
    assert batch is not None
    assert f'data-testid="batch-{batch.group(1)}"' in ok.text and "2025-04-10" in ok.text
    forbidden = client.post(
        "/submissions",
        data={"csrf_token": "c", "dataset": "card_transactions"},
        files={"file": ("c.csv", b"a\n1\n", "text/csv")},
    )
    assert forbidden.status_code == 403


def test_audit_page_shows_a_broken_chain(client, db: Session, users, h) -> None:
    h.as_user(client, users.ids["admin"])
    assert 'data-testid="chain-ok"' in client.get("/audit").text
    db.execute(text("UPDATE audit_log SET detail = '{}' WHERE id = 2"))
    db.commit()
    page = client.get("/audit?lang=en").text
    assert 'data-testid="chain-broken"' in page and "row 2" in page


def test_placeholder_secret_is_refused_in_every_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):  # config.py refuses it first …
        load_settings(mode="production", secret_key=PLACEHOLDER_SECRET, data_dir=tmp_path)
    for mode, key in (
        ("production", PLACEHOLDER_SECRET),
        ("production", "short"),
        ("demo", PLACEHOLDER_SECRET),
        ("development", PLACEHOLDER_SECRET),
    ):
        unsafe = Settings.model_construct(
            **{**load_settings(data_dir=tmp_path).model_dump(), "mode": mode, "secret_key": key}
        )
        with pytest.raises(ConfigError, match="secret"):  # … and create_app checks again
            create_app(unsafe, migrate=False)
    demo = load_settings(mode="demo", data_dir=tmp_path)
    assert demo.secret_key is None  # generated into the data folder by create_app
    app = create_app(demo)
    assert app.state.cmon.settings.secret_key not in (None, PLACEHOLDER_SECRET)
    app.state.cmon.engine.dispose()


def test_every_template_key_is_in_the_catalog() -> None:
    used: set[str] = set()
    for template in TEMPLATE_DIR.glob("*.html"):
        found = re.findall(r"\bt\('([a-z_.]+)'", template.read_text("utf-8"))
        used |= {k for k in found if not k.endswith(".")}  # 'status.' ~ name: added below
    # Keys built from a vocabulary ('status.' ~ name): every value the code can produce.
    vocabularies = {
        "status": TASK_STATUSES,
        "tstatus": [s.value for s in Status],
        "compliance": ["submitted", "upcoming", "due_soon", "overdue", "escalated"],
        "alerts": ["open", "acknowledged", "resolved", "all"],
        "basis": BASES,
        "compare": COMPARISONS,
        "holiday": ["total", "daily_average"],
        "reports": ["monthly", "quarterly", "holiday"],
        "overview": ["provisional"],
        "prog": ["trade_in", "tax_refund", "inbound", "service", "debut"],
    }
    used |= {f"{prefix}.{v}" for prefix, values in vocabularies.items() for v in values}
    nav_keys = {item.key for item in NAV}
    missing = sorted((used | nav_keys) - set(catalog()))
    assert not missing, f"keys missing from messages.yaml: {missing}"
    half = [k for k, v in catalog().items() if not (v.get("zh") and v.get("en"))]
    assert not half, f"keys without both languages: {half}"


def test_app_with_secure_cookies_marks_them_secure(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    app: FastAPI = create_app(settings.model_copy(update={"secure_cookies": True}))
    with TestClient(app) as client:
        cookie = client.get("/login").headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie
