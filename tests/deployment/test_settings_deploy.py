"""The deployment settings of docs/deployment.md, set the way an operator sets them: CMON_* env.

Spark by master URL or Spark Connect, PostgreSQL metadata URL, production refusing the
placeholder secret, Secure cookies behind HTTPS, and every CMON_ variable the guide names being
a real setting (so the guide cannot drift from the code).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consumption_monitor.config import PLACEHOLDER_SECRET, Settings, load_settings
from consumption_monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "Zq8-Vw3_pL0sRt7yUe2nKj5aXc9bMh4dFg6-Tr1W"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"CMON_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path / "data"))


@pytest.mark.parametrize(
    "master", ["sc://spark-connect.internal:15002", "spark://10.0.0.5:7077", "local[4]"]
)
def test_spark_engine_by_environment(monkeypatch: pytest.MonkeyPatch, master: str) -> None:
    monkeypatch.setenv("CMON_ENGINE", "spark")
    monkeypatch.setenv("CMON_SPARK_MASTER", master)
    settings = load_settings()
    assert settings.engine == "spark" and settings.spark_master == master
    direct = load_settings(engine="spark", spark_master="sc://host:15002")
    assert direct.spark_master == "sc://host:15002"


def test_unknown_engine_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CMON_ENGINE", "flink")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "CMON_ENGINE" in (info.value.hint_en or "")


def test_postgresql_metadata_url_is_used_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://cmon:secret@db.internal:5432/cmon"
    monkeypatch.setenv("CMON_DATABASE_URL", url)
    assert load_settings().metadata_url == url
    monkeypatch.delenv("CMON_DATABASE_URL")
    assert load_settings().metadata_url.startswith("sqlite:///")


def test_production_refuses_placeholder_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMON_MODE", "production")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "CMON_SECRET_KEY" in info.value.en + (info.value.hint_en or "")
    monkeypatch.setenv("CMON_SECRET_KEY", PLACEHOLDER_SECRET)
    with pytest.raises(ConfigError):
        load_settings()
    monkeypatch.setenv("CMON_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError):
        load_settings()
    monkeypatch.setenv("CMON_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("CMON_SECURE_COOKIES", "true")
    settings = load_settings()
    assert settings.mode == "production" and settings.secure_cookies is True


def test_production_app_sets_secure_session_cookie(monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    from starlette.exceptions import StarletteDeprecationWarning

    from consumption_monitor.web.app import create_app

    with warnings.catch_warnings():
        # starlette asks for the httpx2 package instead of httpx; the client works the same.
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    monkeypatch.setenv("CMON_MODE", "production")
    monkeypatch.setenv("CMON_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("CMON_SECURE_COOKIES", "true")
    app = create_app(load_settings())
    with TestClient(app, base_url="https://cmon.example.gov.cn") as client:
        response = client.get("/login")
    cookies = response.headers.get_list("set-cookie")
    assert cookies, "the sign-in page starts a session"
    assert all("secure" in c.lower() and "httponly" in c.lower() for c in cookies)


def test_every_variable_in_the_deployment_guide_is_a_setting() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    named = set(re.findall(r"CMON_([A-Z_]+)", text))
    assert {"ENGINE", "SPARK_MASTER", "DATABASE_URL", "SECRET_KEY", "MODE"} <= named
    fields = {n.upper() for n in Settings.model_fields}
    assert named <= fields, f"not settings: {sorted(named - fields)}"


@pytest.mark.postgres
def test_web_app_migrates_postgresql_metadata_at_start(
    monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    import uuid

    from sqlalchemy import create_engine, inspect, text

    from consumption_monitor.store.db import make_engine
    from consumption_monitor.web.app import create_app

    name = f"cmon_deploy_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        monkeypatch.setenv("CMON_DATABASE_URL", url)
        settings = load_settings()
        assert settings.metadata_url == url
        create_app(settings)  # migrations run here, as in `cmon serve` and uvicorn --factory
        engine = make_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
            with engine.connect() as conn:
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        finally:
            engine.dispose()
        assert "alembic_version" in tables and len(tables) > 3
        assert version
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


_SPARK_PROBE = """
import json
from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect
con = connect(load_settings())
session = con._session
conf = session.sparkContext.getConf()
heap = session.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory()
print(json.dumps({
    "driver_memory": conf.get("spark.driver.memory"),
    "shuffle": session.conf.get("spark.sql.shuffle.partitions"),
    "broadcast": session.conf.get("spark.sql.autoBroadcastJoinThreshold"),
    "heap_mb": heap / 2**20,
    "answer": con.execute(con.sql("SELECT 6 * 7 AS x"))["x"].iloc[0].item(),
}))
"""


@pytest.mark.spark
def test_spark_memory_partitions_and_extra_conf_reach_a_new_session(tmp_path: Path) -> None:
    """CMON_SPARK_* start the JVM with that heap and the session with those settings."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CMON_")}
    env |= {
        "CMON_DATA_DIR": str(tmp_path / "data"),
        "CMON_ENGINE": "spark",
        "CMON_SPARK_MASTER": "local[1]",
        "CMON_SPARK_DRIVER_MEMORY": "700m",
        "CMON_SPARK_SHUFFLE_PARTITIONS": "3",
        "CMON_SPARK_CONF": '{"spark.sql.autoBroadcastJoinThreshold": "-1"}',
    }
    out = subprocess.run(
        [sys.executable, "-c", _SPARK_PROBE], env=env, cwd=tmp_path, capture_output=True,
        text=True, timeout=300, check=True,
    )  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["driver_memory"] == "700m"
    assert got["shuffle"] == "3"
    assert got["broadcast"] == "-1"
    assert got["answer"] == 42
    # The JVM heap follows the setting (the default would be 1 GB or a quarter of RAM).
    assert 400 < got["heap_mb"] <= 700


def test_spark_conf_is_a_json_object_of_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMON_SPARK_CONF", '{"spark.executor.memory": "8g"}')
    assert load_settings().spark_conf == {"spark.executor.memory": "8g"}
    monkeypatch.setenv("CMON_SPARK_CONF", "not json")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert "CMON_SPARK_CONF" in info.value.en and "JSON" in (info.value.hint_en or "")
