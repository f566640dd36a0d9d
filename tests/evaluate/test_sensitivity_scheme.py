"""Weight sensitivity (seeded Monte Carlo) and scheme YAML validation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from consumption_monitor.errors import EvaluationError, NotFoundError
from consumption_monitor.evaluate import (
    Scheme,
    available_schemes,
    evaluate,
    load_scheme,
    sensitivity,
)
from consumption_monitor.evaluate.scheme import SCHEMES_DIR

SchemeFactory = Callable[..., Scheme]
TableFactory = Callable[..., pd.DataFrame]


def _result(
    make_scheme: SchemeFactory, make_table: TableFactory, aggregation: str = "weighted_sum"
):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 10, size=(8, 3))
    return evaluate(make_scheme(aggregation=aggregation), make_table(x))


@pytest.mark.parametrize("aggregation", ["weighted_sum", "topsis"])
def test_sensitivity_is_reproducible_and_bounded(
    make_scheme: SchemeFactory, make_table: TableFactory, aggregation: str
) -> None:
    res = _result(make_scheme, make_table, aggregation)
    a = sensitivity(res, spread=0.3, runs=300, seed=11)
    b = sensitivity(res, spread=0.3, runs=300, seed=11)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert np.all((a.rank_kept_share >= 0) & (a.rank_kept_share <= 1))
    assert np.all(a.min_rank <= res.ranks) and np.all(res.ranks <= a.max_rank)


def test_zero_spread_keeps_every_rank(make_scheme: SchemeFactory, make_table: TableFactory) -> None:
    res = _result(make_scheme, make_table)
    s = sensitivity(res, spread=0.0, runs=20, seed=1)
    assert s.rank_kept_share.tolist() == [1.0] * len(res.units)
    assert s.min_rank.tolist() == s.max_rank.tolist() == res.ranks.tolist()


def test_kept_share_matches_a_naive_recount(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    res = _result(make_scheme, make_table)
    rng = np.random.default_rng(5)
    w0 = res.weights.weights
    kept = np.zeros(len(res.units))
    for _ in range(100):
        w = w0 * (1 + rng.uniform(-0.25, 0.25, size=len(w0)))
        w = w / w.sum()
        scores = [
            sum(res.standardised[i, j] * w[j] for j in range(len(w))) for i in range(len(res.units))
        ]
        ranks = [1 + sum(round(o, 10) > round(s, 10) for o in scores) for s in scores]
        kept += np.array(ranks) == res.ranks
    s = sensitivity(res, spread=0.25, runs=100, seed=5)
    assert s.rank_kept_share == pytest.approx(kept / 100)


def test_sensitivity_refuses_bad_arguments(
    make_scheme: SchemeFactory, make_table: TableFactory
) -> None:
    res = _result(make_scheme, make_table)
    with pytest.raises(EvaluationError, match="spread"):
        sensitivity(res, spread=1.5)
    with pytest.raises(EvaluationError, match="runs"):
        sensitivity(res, runs=0)


def test_default_schemes_load_and_evaluate_16_districts() -> None:
    assert {"district_default", "department_default"} <= set(available_schemes())
    district = load_scheme("district_default")
    assert district.weights.method == "ahp" and district.standardisation.period == "stacked"
    rng = np.random.default_rng(0)
    codes = [f"1201{k:02d}" for k in (1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)]
    rows = [
        (c, str(p), ind.code, float(rng.uniform(0, 100)))
        for p in (2023, 2024, 2025)
        for c in codes
        for ind in district.indicators
    ]
    data = pd.DataFrame(rows, columns=["unit", "period", "indicator", "value"])
    res = evaluate(district, data, "2025")
    assert len(res.units) == 16 and sorted(res.ranks.tolist()) == list(range(1, 17))
    assert res.weights.weights.sum() == pytest.approx(1.0)
    # AHP groups: growth and targets 2/7 each, others 1/7; within growth 50/50
    assert res.weights.weights[0] == pytest.approx(1 / 7)
    assert res.weights.ahp is not None and res.weights.ahp.cr < 0.1
    assert np.all((res.scores >= 0) & (res.scores <= 100))
    dept = load_scheme("department_default")
    w = {
        "target_attainment": 0.5,
        "task_progress": 0.25,
        "on_time_submission_rate": 0.125,
        "data_staleness_days": 0.075,
        "submission_completeness": 0.05,
    }
    drows = [
        ("商务局", "2025", "target_attainment", 90.0),
        ("商务局", "2025", "task_progress", 100.0),
        ("商务局", "2025", "on_time_submission_rate", 100.0),
        ("商务局", "2025", "data_staleness_days", 60.0),
        ("商务局", "2025", "submission_completeness", 100.0),
        ("文旅局", "2025", "target_attainment", 120.0),
        ("文旅局", "2025", "task_progress", 50.0),
        ("文旅局", "2025", "on_time_submission_rate", 80.0),
        ("文旅局", "2025", "data_staleness_days", 10.0),
        ("文旅局", "2025", "submission_completeness", 100.0),
    ]
    dres = evaluate(dept, pd.DataFrame(drows, columns=["unit", "period", "indicator", "value"]))
    assert dict(zip(dres.indicators, dres.weights.weights, strict=True)) == pytest.approx(w)
    # 商务局: .5·.9 + .25·1 + .125·1 + .075·(30/60) + .05·1 = .9125 → 91.25 points
    # 文旅局: .5·1 (capped) + .25·.5 + .125·.8 + .075·1 + .05·1 = .85 → 85.00 points
    assert dres.scores == pytest.approx([91.25, 85.0])


def _write(tmp_path: Path, raw: object) -> Path:
    path = tmp_path / "scheme.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _base() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((SCHEMES_DIR / "district_default.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "entry", "field", "words"),
    [
        (
            lambda r: r["indicators"][2].update(direction="up"),
            "upgrade_goods_share",
            "direction",
            "benefit",
        ),
        (
            lambda r: r["indicators"][0].update(group="nope"),
            "retail_sales_growth",
            "group",
            "unknown group",
        ),
        (
            lambda r: r["indicators"][1].update(wieght=1),
            "above_size_retail_growth",
            "wieght",
            "Extra",
        ),
        (
            lambda r: r["indicators"][1].pop("name_en"),
            "above_size_retail_growth",
            "name_en",
            "required",
        ),
        (
            lambda r: r["indicators"].append(dict(r["indicators"][0])),
            "retail_sales_growth",
            "code",
            "duplicate",
        ),
        (
            lambda r: r["weights"]["ahp"]["matrix"][0].__setitem__(1, 9),
            "weights.ahp",
            "matrix",
            "reciprocal",
        ),
        (
            lambda r: r["weights"]["ahp"].update(order=["growth"]),
            "weights.ahp",
            "order",
            "exactly once",
        ),
        (lambda r: r["weights"].update(method="combined"), "weights", "alpha", "alpha"),
        (
            lambda r: r["standardisation"].update(method="threshold"),
            "retail_sales_growth",
            "target",
            "target",
        ),
        (lambda r: r["weights"].update(alpha=0.5), "weights", "alpha", "only used"),
        (lambda r: r["weights"].update(method="expert"), "weights", "ahp", "not used"),
        (
            lambda r: r["standardisation"].update(period="yearly"),
            "standardisation",
            "period",
            "within_year",
        ),
    ],
)
def test_scheme_errors_name_file_entry_and_field(
    tmp_path: Path,
    mutate: Callable[[dict], object],
    entry: str,
    field: str,
    words: str,  # type: ignore[type-arg]
) -> None:
    raw = _base()
    mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(EvaluationError) as info:
        load_scheme(path)
    where = info.value.where
    assert where is not None
    assert where.file == str(path) and where.entry == entry and where.field == field
    assert words in info.value.en
    assert "评价方案有误" in info.value.zh


def test_inconsistent_ahp_scheme_is_refused_at_load(tmp_path: Path) -> None:
    raw = _base()
    raw["weights"]["ahp"]["matrix"] = [
        [1, 9, "1/9", 1, 1],
        ["1/9", 1, 9, 1, 1],
        [9, "1/9", 1, 1, 1],
        [1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1],
    ]
    with pytest.raises(EvaluationError) as info:
        load_scheme(_write(tmp_path, raw))
    assert info.value.where is not None and info.value.where.field == "matrix"
    assert "CR" in info.value.en and "一致性检验未通过" in info.value.zh


def test_scheme_not_found_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="district_default"):
        load_scheme("no_such_scheme")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match="not valid YAML"):
        load_scheme(bad)
    lst = _write(tmp_path, [1, 2])
    with pytest.raises(EvaluationError, match="mapping"):
        load_scheme(lst)
