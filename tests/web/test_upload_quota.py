"""Uploads on disk (#21 item 9): a refused upload is deleted (its problem report stays), and a
per-user quota (``CMON_UPLOAD_QUOTA_MB``) refuses an upload beyond it with a bilingual 413.

The oracle is the uploads folder itself: the bytes of every file in it are summed and listed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from consumption_monitor.catalog.uscc import make_uscc
from consumption_monitor.config import Settings, load_settings

SECRET = "test-secret-key-with-more-than-32-characters"

HEADER = "统一社会信用代码,企业名称,区划代码,行业代码,时期,商品类别,零售额,网上零售额\n"
MIB = 2**20


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", database_url=db_url, mode="development", secret_key=SECRET,
        upload_quota_mb=1,
    )  # fmt: skip


def _good_csv(rows: int, seed: int) -> bytes:
    """A valid enterprise_monthly file of distinct enterprises (about 75 bytes a row)."""
    lines = [HEADER]
    for i in range(rows):
        code = make_uscc("9", "1", "120101", f"M{seed}{i:06d}")
        lines.append(f"{code},企业{i},和平区,F52,2024-0{seed},apparel,{1000 + i}.5,{i}\n")
    return "".join(lines).encode()


def _bad_csv(size: int) -> bytes:
    """A refused file (unknown headers) of about ``size`` bytes."""
    row = "x,y,z\n"
    return ("a,b,c\n" + row * (size // len(row))).encode()


def _files(settings: Settings) -> dict[str, int]:
    root = settings.data_dir / "uploads"
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def _push(client, h, secret: str, name: str, content: bytes):
    return client.post(
        "/api/v1/datasets/enterprise_monthly/batches",
        headers=h.bearer(secret),
        files={"file": (name, content, "text/csv")},
    )


def test_a_refused_upload_is_deleted_and_its_report_kept(
    client, db: Session, users, h, settings: Settings
) -> None:
    secret = h.token_for(db, "office", ["enterprise_monthly"])
    refused = _push(client, h, secret, "bad.csv", _bad_csv(300_000))
    assert refused.status_code == 422
    files = _files(settings)
    assert len(files) == 1, files  # only the problem report
    (report_name,) = files
    assert report_name.endswith("bad.csv.refused.json") and "/office/" in report_name
    report = json.loads((settings.data_dir / "uploads" / report_name).read_text("utf-8"))
    assert report["size"] > 290_000 and report["error"]["problems"]
    assert report["error"]["message_zh"] == refused.json()["error"]["message_zh"]
    assert files[report_name] < 10_000
    # The page path deletes too.
    h.as_user(client, users.ids["heping"], csrf="c")
    page = client.post(
        "/submissions",
        data={"csrf_token": "c", "dataset": "unit_reports"},
        files={"file": ("bad2.csv", _bad_csv(200_000), "text/csv")},
    )
    assert page.status_code == 422
    kept = _files(settings)
    assert sorted(n.rsplit("_", 1)[-1] for n in kept) == [
        "bad.csv.refused.json", "bad2.csv.refused.json",
    ]  # fmt: skip


def test_refused_uploads_do_not_use_the_quota(client, db: Session, users, h, settings) -> None:
    secret = h.token_for(db, "office", ["enterprise_monthly"])
    for i in range(4):  # 4 × 0.6 MiB refused: far beyond the 1 MiB quota if they were kept
        assert _push(client, h, secret, f"bad{i}.csv", _bad_csv(600_000)).status_code == 422
    assert sum(_files(settings).values()) < 40_000
    ok = _push(client, h, secret, "ok.csv", _good_csv(50, 2))
    assert ok.status_code == 201, ok.text


def test_quota_refuses_with_413_and_keeps_nothing(client, db: Session, users, h, settings) -> None:
    secret = h.token_for(db, "office", ["enterprise_monthly"])
    first = _good_csv(8000, 2)
    assert 0.5 * MIB < len(first) < MIB
    assert _push(client, h, secret, "first.csv", first).status_code == 201
    before = _files(settings)
    assert sum(before.values()) == len(first)  # the accepted upload is kept as evidence
    second = _push(client, h, secret, "second.csv", _good_csv(8000, 3))
    assert second.status_code == 413, second.text
    error = second.json()["error"]
    assert error["code"] == "quota"
    assert "上传空间配额 1 MiB" in error["message_zh"] and "quota of 1 MiB" in error["message_en"]
    assert error["where"]["file"] == "second.csv"
    assert _files(settings) == before  # nothing of the refused upload stays
    listed = client.get("/api/v1/datasets/enterprise_monthly/batches", headers=h.bearer(secret))
    assert listed.json()["count"] == 1
    # The page shows the same refusal, in Chinese by default.
    h.as_user(client, users.ids["office"], csrf="c")
    page = client.post(
        "/submissions",
        data={"csrf_token": "c", "dataset": "enterprise_monthly"},
        files={"file": ("third.csv", _good_csv(8000, 4), "text/csv")},
    )
    assert page.status_code == 413 and "上传空间配额" in page.text
    # Another user's quota is their own.
    other = h.token_for(db, "admin", ["enterprise_monthly"])
    assert _push(client, h, other, "own.csv", _good_csv(8000, 5)).status_code == 201
