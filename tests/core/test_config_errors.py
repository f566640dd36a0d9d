"""Settings validation and the error hierarchy."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumption_monitor.config import PLACEHOLDER_SECRET, load_settings, settings_markdown
from consumption_monitor.errors import (
    ConfigError,
    ConsumptionMonitorError,
    DataValidationError,
    Location,
    NotFoundError,
)

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_and_env_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CMON_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CMON_ENGINE", "spark")
    s = load_settings()
    assert s.data_dir == tmp_path
    assert s.engine == "spark"
    assert s.metadata_url == f"sqlite:///{tmp_path.resolve() / 'metadata.db'}"
    assert s.lake_dir == tmp_path / "lake"


def test_production_refuses_placeholder_and_short_secret() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(mode="production")
    assert "CMON_SECRET_KEY" in info.value.render("en")
    with pytest.raises(ConfigError):
        load_settings(mode="production", secret_key="short")
    with pytest.raises(ConfigError, match="entropy"):
        load_settings(mode="production", secret_key="x" * 40)
    key = "Zq8-Vw3_pL0sRt7yUe2nKj5aXc9bMh4dFg6"
    ok = load_settings(mode="production", secret_key=key)
    assert ok.secret_key == key != PLACEHOLDER_SECRET


def test_invalid_value_names_the_variable() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(port=0)
    assert "CMON_PORT" in info.value.render("en")
    assert "CMON_PORT" in info.value.render("zh")


def test_errors_are_bilingual_located_and_builtin_compatible() -> None:
    err = DataValidationError(
        "negative amount",
        "金额为负数",
        where=Location(file="a.csv", row=3, column="amount", value="-5"),
        hint_en="amounts must be >= 0",
        hint_zh="金额不能为负",
    )
    assert isinstance(err, ValueError)
    assert isinstance(err, ConsumptionMonitorError)
    assert err.render("en") == (
        "a.csv, row 3, column 'amount', value '-5': negative amount"
        " — what to do: amounts must be >= 0"
    )
    assert err.render("zh").endswith("金额为负数 —— 处理办法：金额不能为负")
    d = err.to_dict()
    assert d["code"] == "validation"
    assert d["where"] == {"file": "a.csv", "row": 3, "column": "amount", "value": "-5"}
    assert DataValidationError.http_status == 422


def test_not_found_is_a_keyerror_with_plain_message() -> None:
    err = NotFoundError("unknown task 99", "未知任务 99")
    assert isinstance(err, KeyError)
    assert str(err) == "unknown task 99"


def test_settings_doc_is_current() -> None:
    doc = ROOT / "docs" / "settings.md"
    assert doc.read_text(encoding="utf-8") == settings_markdown(), "run `make docs`"


def test_cli_reports_a_bad_setting_without_a_traceback(tmp_path: Path) -> None:
    """A bad CMON_* value read while a command starts is a located error, exit code 1."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CMON_")}
    env |= {"CMON_DATA_DIR": str(tmp_path / "data"), "CMON_SPARK_CONF": "not json",
            "CMON_LANG": "en"}  # fmt: skip
    out = subprocess.run(
        [str(Path(sys.executable).with_name("cmon")), "batches", "list"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "CMON_SPARK_CONF" in out.stderr and "JSON object" in out.stderr
