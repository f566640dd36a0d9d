"""The bad-input corpus: every case is refused with its located reason, and nothing is stored."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from consumption_monitor.config import Settings, load_settings
from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest import ingest
from consumption_monitor.store import Store


def _load(name: str, path: Path) -> ModuleType:
    # tests are not a package under --import-mode=importlib: load the corpus by path
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


corpus = _load("ingest_bad_corpus", Path(__file__).parent / "bad" / "corpus.py")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # One store for the whole corpus: a refused load must leave it empty, so sharing it also
    # proves that no case leaks a batch or a file into the next.
    return load_settings(data_dir=tmp_path_factory.mktemp("corpus") / "data", max_errors=50)


def test_corpus_has_at_least_thirty_cases() -> None:
    assert len(corpus.CASES) >= 30
    assert len({c.id for c in corpus.CASES}) == len(corpus.CASES)


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.id for c in corpus.CASES])
def test_bad_input_is_refused_with_its_reason(case: Any, shared: Settings, tmp_path: Path) -> None:
    paths, dataset, options = case.build(tmp_path)
    with pytest.raises(DataValidationError) as info:
        ingest(paths, dataset, settings=shared, **options)
    err = info.value
    problems = err.problems or [err]
    matching = [
        p for p in problems
        if case.reason in p.en
        and (case.column is None or (p.where is not None and p.where.column == case.column))
        and (case.row is None or (p.where is not None and p.where.row == case.row))
    ]  # fmt: skip
    assert matching, [p.render("en") for p in problems]
    assert all(p.zh and p.zh != p.en for p in problems), "every reason is also in Chinese"
    with Store(shared) as store:
        assert store.list_batches() == []
    assert sorted(shared.lake_dir.rglob("*.parquet")) == []
