"""Fault injection (#21 item 10): faults refuse with a located, bilingual message instead of
crashing. Every broken thing is built for real: xlsx archives with a DTD (XXE), a lying entry
size, malformed sheet XML, a compression bomb and a truncated archive; a truncated results
Parquet and a truncated lake Parquet; a metadata database opened read-only by SQLite; a file
size limit (``RLIMIT_FSIZE``) so that writes fail as on a full disk; a huge audit offset.
"""

from __future__ import annotations

import logging
import re
import resource
import signal
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from consumption_monitor.auth import Role, create_user
from consumption_monitor.cli import app as cli_app
from consumption_monitor.compute.steps import ComputeResult
from consumption_monitor.config import Settings, get_settings, load_settings
from consumption_monitor.report.scheduler import ReportScheduler
from consumption_monitor.store.results import COLUMNS, result_path, write_result
from consumption_monitor.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from builders import HEAD_ZH, human_rows
from builders import write_xlsx as write_input_xlsx

SECRET = "test-secret-key-with-more-than-32-characters"
SHEET = "xl/worksheets/sheet1.xml"

# ------------------------------------------------------------------------- broken workbooks


def _good(folder: Path) -> Path:
    return write_input_xlsx(folder / "good.xlsx", HEAD_ZH, human_rows())


def _rewrite(src: Path, dst: Path, change: dict[str, bytes], extra: dict[str, bytes] | None = None):
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            zo.writestr(info.filename, change.get(info.filename, zi.read(info.filename)))
        for name, data in (extra or {}).items():
            zo.writestr(name, data)
    return dst


def xxe(folder: Path) -> Path:
    """The sheet XML declares an external entity and uses it in a cell."""
    good = _good(folder)
    with zipfile.ZipFile(good) as z:
        xml = z.read(SHEET)
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    return _rewrite(
        good, folder / "xxe.xlsx", {SHEET: dtd + xml.replace(b"<t>F52</t>", b"<t>&e;</t>", 1)}
    )


def malformed(folder: Path) -> Path:
    """The sheet XML is cut in the middle of a tag."""
    good = _good(folder)
    with zipfile.ZipFile(good) as z:
        xml = z.read(SHEET)
    return _rewrite(good, folder / "malformed.xlsx", {SHEET: xml[: len(xml) // 2]})


def lying(folder: Path) -> Path:
    """The sheet's entry declares 10 bytes (local header and central directory) but holds more."""
    good = _good(folder)
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo(SHEET)
    raw[info.header_offset + 22 : info.header_offset + 26] = (10).to_bytes(4, "little")
    name = SHEET.encode()
    for m in re.finditer(rb"PK\x01\x02", raw):
        start = m.start()
        length = int.from_bytes(raw[start + 28 : start + 30], "little")
        if bytes(raw[start + 46 : start + 46 + length]) == name:
            raw[start + 24 : start + 28] = (10).to_bytes(4, "little")
    out = folder / "lying.xlsx"
    out.write_bytes(bytes(raw))
    with zipfile.ZipFile(out) as z:
        assert z.getinfo(SHEET).file_size == 10  # the lie is in place
    return out


def bomb(folder: Path) -> Path:
    """An extra part of 20 MB of zeros (compressed about 1000 times)."""
    return _rewrite(_good(folder), folder / "bomb.xlsx", {}, {"xl/media/pad.bin": bytes(20 << 20)})


def truncated(folder: Path) -> Path:
    data = _good(folder).read_bytes()
    out = folder / "truncated.xlsx"
    out.write_bytes(data[: len(data) // 2])
    return out


BROKEN = {
    "xxe": (xxe, "文档类型声明", "document type"),
    "malformed": (malformed, "XML", "malformed"),
    "lying": (lying, "校验值", "size"),
    "bomb": (bomb, "压缩炸弹", "zip bomb"),
    "truncated": (truncated, "损坏", "corrupt"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_workbook_upload_is_a_located_refusal(
    kind: str, client, db: Session, users, h, tmp_path: Path
) -> None:
    build, zh, en = BROKEN[kind]
    book = build(tmp_path)
    secret = h.token_for(db, "office", ["enterprise_monthly"])
    response = client.post(
        "/api/v1/datasets/enterprise_monthly/batches",
        headers=h.bearer(secret),
        files={"file": (book.name, book.read_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["where"]["file"].endswith(book.name)  # stored under a random prefix
    assert zh in error["message_zh"] and en in error["message_en"]
    listed = client.get("/api/v1/datasets/enterprise_monthly/batches", headers=h.bearer(secret))
    assert listed.json()["count"] == 0


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """The CLI reads the process settings (cached): read them again from the environment."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_workbook_cli_exits_3_without_traceback(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CMON_DATABASE_URL", raising=False)
    build, zh, _en = BROKEN[kind]
    book = build(tmp_path)
    result = CliRunner().invoke(cli_app, ["ingest", str(book), "--dataset", "enterprise_monthly"])
    assert result.exit_code == 3, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and book.name in result.output
    assert zh in re.sub(r"\s+", "", result.output)


# -------------------------------------------------------------------- corrupt stored files


def _table() -> pd.DataFrame:
    rows = [
        {"indicator": "retail_sales", "region": "120000", "period": f"2025-0{m}", "basis": "ytd",
         "dim": "", "dim_value": "", "value": 100.0 * m, "note": "", "provisional": False}
        for m in range(1, 7)
    ]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table["vintage"] = date(2025, 7, 20)
    table["computed_at"] = pd.Timestamp("2025-07-20")
    return table


@pytest.fixture
def corrupt_result(settings: Settings) -> Path:
    write_result(settings, ComputeResult(table=_table(), vintage=date(2025, 7, 20)))
    path = Path(result_path(settings))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # truncated: no Parquet footer
    return path


@pytest.mark.parametrize("page", ["/overview", "/explore?indicator=retail_sales", "/map"])
def test_corrupt_results_give_a_clear_503_page(client, users, h, corrupt_result, page) -> None:
    h.as_user(client, users.ids["viewer"])
    response = client.get(page)
    assert response.status_code == 503, response.text[:500]
    assert "指标计算结果文件已损坏" in response.text and "cmon compute" in response.text
    assert "Traceback" not in response.text


def test_corrupt_results_give_503_json_on_the_api(client, db, users, h, corrupt_result) -> None:
    secret = h.token_for(db, "viewer", [])
    response = client.get("/api/v1/indicators/retail_sales/values", headers=h.bearer(secret))
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "storage" and corrupt_result.name in error["where"]["file"]
    assert "损坏" in error["message_zh"] and "corrupt" in error["message_en"]


def test_corrupt_results_cli_exits_1_without_traceback(
    settings: Settings, corrupt_result, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("CMON_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CMON_DATABASE_URL", settings.metadata_url)
    result = CliRunner().invoke(cli_app, ["indicator", "show", "retail_sales", "--json"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and '"code": "storage"' in result.output


def test_scheduler_survives_any_exception(
    settings: Settings, corrupt_result, caplog: pytest.LogCaptureFixture
) -> None:
    """A corrupt result file fails every tick, and the first tick's callback raises a bug-like
    error on top: the thread logs both and keeps ticking."""
    ticks: list[object] = []

    def on_run(result: object) -> None:
        ticks.append(result)
        if len(ticks) == 1:
            raise RuntimeError("a bug in the callback")

    scheduler = ReportScheduler(settings, interval_seconds=0.05, on_run=on_run)
    with caplog.at_level(logging.WARNING, logger="cmon.reports"):
        scheduler.start()
        try:
            deadline = time.monotonic() + 20
            while len(ticks) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            thread = scheduler._thread
            assert thread is not None and thread.is_alive()
        finally:
            scheduler.stop()
    assert len(ticks) >= 3 and all(t is None for t in ticks)
    assert "a bug in the callback" in caplog.text and "corrupt" in caplog.text


def test_corrupt_lake_parquet_gives_a_clear_503(
    client, db: Session, users, h, settings: Settings
) -> None:
    secret = h.token_for(db, "office", ["task_progress"])
    content = "任务序号,时期,报送单位,进展状态,完成进度(%)\n1,2026-Q3,市商务局,推进中,40\n"
    pushed = client.post(
        "/api/v1/datasets/task_progress/batches",
        headers=h.bearer(secret),
        files={"file": ("p.csv", content.encode(), "text/csv")},
    )
    assert pushed.status_code == 201, pushed.text
    (part,) = (settings.lake_dir / "task_progress").rglob("*.parquet")
    part.write_bytes(part.read_bytes()[:40])
    h.as_user(client, users.ids["office"])
    response = client.get("/plan/tasks/1")
    assert response.status_code == 503, response.text[:500]
    assert "存储的数据文件已损坏" in response.text and "Traceback" not in response.text


# -------------------------------------------------------------- read-only DB and full disk


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[FastAPI, int]]:
    """An app on a SQLite file that SQLite itself opens read-only (``mode=ro``): root or not,
    every write fails as on a read-only volume."""
    path = tmp_path / "metadata.db"
    writable = load_settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{path}",
                             mode="development", secret_key=SECRET)  # fmt: skip
    setup = create_app(writable)
    with setup.state.cmon.sessions() as session:
        uid = create_user(session, username="admin", password="pw-123456789", role=Role.ADMIN).id
        session.commit()
    setup.state.cmon.engine.dispose()
    ro = writable.model_copy(update={"database_url": f"sqlite:///file:{path}?mode=ro&uri=true"})
    yield create_app(ro, migrate=False), uid


def test_read_only_metadata_db_gives_503_not_a_traceback(read_only, h_factory) -> None:
    app, uid = read_only
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        h = h_factory(app)
        h.as_user(client, uid, csrf="c")
        assert client.get("/admin").status_code == 200  # reads still work
        form = {"csrf_token": "c", "username": "new", "password": "pw-123456789",
                "role": "viewer", "unit": ""}  # fmt: skip
        page = client.post("/admin/users", data=form, follow_redirects=False)
        assert page.status_code == 503, page.text[:500]
        assert "元数据库为只读" in page.text and "read-only" not in page.text  # zh page
        en = client.post("/admin/users?lang=en", data=form, follow_redirects=False)
        assert en.status_code == 503 and "metadata database is read-only" in en.text


@pytest.fixture
def h_factory():
    from tests.web.conftest import Helpers

    return Helpers


@pytest.fixture
def file_size_limit() -> Iterator[int]:
    """Writes beyond 200 kB fail with EFBIG in this process (SIGXFSZ ignored), as writes fail
    on a full disk; restored afterwards."""
    limit = 200_000
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    old = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old[1]))
    try:
        yield limit
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old)
        signal.signal(signal.SIGXFSZ, old_handler)


def test_full_disk_upload_gives_503_and_keeps_nothing(
    client, db: Session, users, h, settings: Settings, file_size_limit: int
) -> None:
    assert threading.current_thread() is threading.main_thread()
    secret = h.token_for(db, "office", ["enterprise_monthly"])
    big = b"a,b\n" + b"1,2\n" * (file_size_limit // 2)
    response = client.post(
        "/api/v1/datasets/enterprise_monthly/batches",
        headers=h.bearer(secret),
        files={"file": ("big.csv", big, "text/csv")},
    )
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "storage" and "磁盘空间已满" in error["message_zh"]
    uploads = settings.data_dir / "uploads"
    assert [p for p in uploads.rglob("*") if p.is_file()] == []


# ------------------------------------------------------------------------------ audit offset


@pytest.mark.parametrize("offset", [2**63, 2**63 + 5, 10**30, -(2**70)])
def test_audit_page_with_a_huge_offset_is_not_a_500(client, users, h, offset: int) -> None:
    h.as_user(client, users.ids["admin"])
    response = client.get(f"/audit?offset={offset}")
    assert response.status_code == 200


def test_only_storage_faults_are_translated() -> None:
    """A bug or a network error stays what it is; file and database faults become 503s."""
    import errno

    import duckdb
    from sqlalchemy.exc import IntegrityError

    from consumption_monitor.store.faults import storage_error

    for not_storage in (
        ValueError("x"), KeyError("k"), ConnectionRefusedError(), TimeoutError(),
        duckdb.BinderException("no such column"), IntegrityError("insert", {}, Exception("dup")),
    ):  # fmt: skip
        assert storage_error(not_storage) is None, not_storage
    full = storage_error(OSError(errno.ENOSPC, "No space left on device", "/srv/cmon/lake/x"))
    assert full is not None and full.http_status == 503 and full.where is not None
    assert "磁盘空间已满" in full.render("zh") and "/srv/cmon/lake/x" in full.render("en")
