"""Fixtures of the ingestion tests: settings on a temporary data dir, the shared builders."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from consumption_monitor.config import Settings, load_settings

HERE = Path(__file__).parent


def load_module(name: str, path: Path) -> ModuleType:
    """Import a helper file of this folder (tests are not a package under importlib mode)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", max_errors=50)


@pytest.fixture(scope="session")
def b() -> ModuleType:
    return load_module("ingest_builders", HERE / "builders.py")
