"""Evaluate a scheme on a long table ``unit, period, indicator, value``.

Steps, each recorded in the result so a score can be re-derived by hand:

1. validate the table (columns, duplicates, non-numeric values → :class:`DataValidationError`);
2. choose the pool of periods: the evaluated period (``within_year``) or it and earlier periods
   (``stacked``, optionally the last ``window``); periods compare as text, so use ISO-like labels;
3. build the unit × indicator matrix of every pooled period; resolve missing cells by the
   scheme's policy (``refuse`` lists every missing unit/period/indicator; ``worst`` fills the
   worst value any unit reported in the pool and flags the cell);
4. standardise the pooled matrix (oriented: higher is better) and keep the evaluated rows;
5. weights (expert / AHP with CR / entropy on the pooled min-max matrix / combined);
6. aggregate (weighted sum, or TOPSIS with ideals taken over the pool), scale, rank;
7. rank change against the previous period in the data, evaluated the same way on its own;
8. per-unit explanation (``explain.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from consumption_monitor.errors import (
    ConsumptionMonitorError,
    DataValidationError,
    EvaluationError,
    Location,
    NotFoundError,
)
from consumption_monitor.evaluate.aggregate import rank_scores, topsis, weighted_sum
from consumption_monitor.evaluate.explain import effects_vs_average
from consumption_monitor.evaluate.scheme import Scheme
from consumption_monitor.evaluate.standardise import minmax, standardise
from consumption_monitor.evaluate.weights import (
    AHPResult,
    ahp_weights,
    combined_weights,
    entropy_weights,
    normalise_weights,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

REQUIRED_COLUMNS = ("unit", "period", "indicator", "value")


@dataclass(frozen=True)
class WeightReport:
    """The weights used and how they were obtained (printed beside every scorecard)."""

    codes: tuple[str, ...]
    weights: FloatArray
    method: str
    subjective: FloatArray | None = None  # expert or AHP weights per indicator
    entropy: FloatArray | None = None  # entropy weights per indicator
    entropy_e: FloatArray | None = None  # entropy e_j per indicator
    ahp: AHPResult | None = None
    ahp_level: str | None = None
    ahp_order: tuple[str, ...] = ()
    alpha: float | None = None


@dataclass(frozen=True)
class EvaluationResult:
    """Scores, ranks, weights and the matrices behind them for one scheme and period."""

    scheme: Scheme
    period: str
    units: tuple[str, ...]
    indicators: tuple[str, ...]
    raw: FloatArray  # evaluated rows, after the missing-value policy
    standardised: FloatArray  # oriented scores of the evaluated rows
    pool_standardised: FloatArray  # oriented scores of every pooled row (for TOPSIS ideals)
    pool_periods: tuple[str, ...]
    weights: WeightReport
    scores: FloatArray  # composite × scheme.score_scale
    ranks: IntArray
    imputed: BoolArray  # True where the ``worst`` policy filled a missing value
    contributions: FloatArray  # score_scale · w_j · r_ij
    effects: FloatArray  # score minus the score with indicator j at the average unit's level
    previous_period: str | None = None
    previous_ranks: tuple[int | None, ...] = ()
    ignored_indicators: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def rank_change(self) -> tuple[int | None, ...]:
        """Previous rank minus current rank: +2 = moved up two places; None = not comparable."""
        if not self.previous_ranks:
            return tuple(None for _ in self.units)
        return tuple(
            None if p is None else int(p - r)
            for p, r in zip(self.previous_ranks, self.ranks, strict=True)
        )

    def unit_index(self, unit: str) -> int:
        """Row of ``unit`` (:class:`NotFoundError` if it was not evaluated)."""
        try:
            return self.units.index(unit)
        except ValueError:
            raise NotFoundError(
                f"unit {unit!r} was not evaluated in {self.period}",
                f"{self.period} 期未评价单位 {unit!r}",
            ) from None


def composite(
    r: FloatArray, w: FloatArray, method: str, pool: FloatArray | None = None
) -> FloatArray:
    """Composite score of oriented scores ``r`` (unscaled); TOPSIS ideals come from ``pool``."""
    if method == "weighted_sum":
        return weighted_sum(r, w)
    ref = (r if pool is None else pool) * w
    return topsis(r, w, ideal=(ref.max(axis=0), ref.min(axis=0)))[0]


def _label(value: object) -> str:
    """Text form of a unit or period label; a float that is whole (2025.0) loses its ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def prepare_table(data: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the long table; refuse with every located problem at once.

    Columns ``unit, period, indicator, value`` are required. Units, periods and indicators become
    text (a period 2025.0 read from a file becomes ``"2025"``); empty values are missing
    (handled later by the scheme's policy); text that is not a number is refused, as is a
    duplicate unit × period × indicator row.
    """
    missing_cols = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing_cols:
        raise DataValidationError(
            f"the input table lacks column(s) {missing_cols}; need {list(REQUIRED_COLUMNS)}",
            f"输入表缺少列 {missing_cols}；应包含 {list(REQUIRED_COLUMNS)}",
        )
    problems: list[ConsumptionMonitorError] = []
    df = data.loc[:, list(REQUIRED_COLUMNS)].copy()
    for col in ("unit", "period", "indicator"):
        for pos in np.flatnonzero(df[col].isna().to_numpy()):
            problems.append(
                DataValidationError(
                    f"empty {col}", f"{col} 为空", where=Location(row=int(pos) + 2, column=col)
                )
            )
    value = pd.to_numeric(df["value"], errors="coerce")
    bad = value.isna().to_numpy() & df["value"].notna().to_numpy()
    for pos in np.flatnonzero(bad):
        problems.append(
            DataValidationError(
                "value is not a number",
                "value 不是数字",
                where=Location(row=int(pos) + 2, column="value", value=df["value"].iloc[pos]),
            )
        )
    if problems:
        raise DataValidationError(
            f"{len(problems)} problem(s) in the input table",
            f"输入表有 {len(problems)} 处问题",
            problems=problems,
        )
    df["unit"] = df["unit"].map(_label)
    df["period"] = df["period"].map(_label)
    df["indicator"] = df["indicator"].astype(str)
    df["value"] = value.astype("float64")
    dup = df.duplicated(["unit", "period", "indicator"], keep=False).to_numpy()
    if dup.any():
        dups: list[ConsumptionMonitorError] = [
            DataValidationError(
                "duplicate unit × period × indicator row",
                "单位 × 期别 × 指标 重复",
                where=Location(row=int(pos) + 2, entry=f"{r.unit} / {r.period} / {r.indicator}"),
            )
            for pos, r in zip(np.flatnonzero(dup), df[dup].itertuples(), strict=True)
        ]
        raise DataValidationError(
            f"{len(dups)} duplicate row(s) in the input table",
            f"输入表有 {len(dups)} 行重复",
            problems=dups,
            hint_en="keep one value per unit, period and indicator",
            hint_zh="每个单位、期别、指标只保留一个值",
        )
    return df


def _pool(scheme: Scheme, periods: list[str], period: str) -> tuple[str, ...]:
    if period not in periods:
        raise NotFoundError(
            f"period {period!r} has no data for scheme {scheme.name!r}; periods: {periods}",
            f"期别 {period!r} 没有方案 {scheme.name!r} 的数据；现有期别：{periods}",
        )
    spec = scheme.standardisation
    if spec.period == "within_year":
        return (period,)
    earlier = [p for p in periods if p <= period]
    if spec.window is not None:
        earlier = earlier[-spec.window :]
    return tuple(earlier)


def _matrix(
    scheme: Scheme, df: pd.DataFrame, pool: tuple[str, ...]
) -> tuple[list[tuple[str, str]], FloatArray]:
    """Rows (unit, period) of every pooled period and their raw values (NaN = missing)."""
    codes = [i.code for i in scheme.indicators]
    sub = df[df["period"].isin(pool)]
    wide = sub.pivot(index=["unit", "period"], columns="indicator", values="value")
    wide = wide.reindex(columns=codes)
    keys = [(str(u), str(p)) for u, p in wide.index]
    order = sorted(range(len(keys)), key=lambda k: (pool.index(keys[k][1]), keys[k][0]))
    return [keys[k] for k in order], wide.to_numpy(dtype=np.float64)[order]


def _drop_incomplete_earlier(
    rows: list[tuple[str, str]], x: FloatArray, label: str
) -> tuple[list[tuple[str, str]], FloatArray, list[tuple[str, str]]]:
    """Leave out of a stacked pool the rows of *earlier* periods that lack a value.

    Earlier periods only set the range the evaluated period is scored against; a gap there (for
    example ``target_attainment`` in the year before the plan began) must not refuse the
    evaluation, nor be filled as "worst". The evaluated period's own gaps still follow the
    scheme's missing-value policy.

    >>> rows = [("a", "2024"), ("b", "2024"), ("a", "2025"), ("b", "2025")]
    >>> x = np.array([[1.0, np.nan], [2.0, 3.0], [4.0, np.nan], [5.0, 6.0]])
    >>> kept, y, dropped = _drop_incomplete_earlier(rows, x, "2025")
    >>> kept, dropped
    ([('b', '2024'), ('a', '2025'), ('b', '2025')], [('a', '2024')])
    """
    bad = np.isnan(x).any(axis=1) & np.array([p != label for _, p in rows], dtype=bool)
    if not bad.any():
        return rows, x, []
    keep = ~bad
    kept = [r for r, k in zip(rows, keep.tolist(), strict=True) if k]
    dropped = [r for r, b in zip(rows, bad.tolist(), strict=True) if b]
    return kept, x[keep], dropped


def _resolve_missing(
    scheme: Scheme, rows: list[tuple[str, str]], x: FloatArray
) -> tuple[FloatArray, BoolArray]:
    miss = np.isnan(x)
    if not miss.any():
        return x, miss
    codes = [i.code for i in scheme.indicators]
    listed: list[ConsumptionMonitorError] = [
        DataValidationError(
            "missing value",
            "缺少数值",
            where=Location(entry=f"{rows[i][0]} / {rows[i][1]}", field=codes[j]),
        )
        for i, j in zip(*np.nonzero(miss), strict=True)
    ]
    empty = [codes[j] for j in range(x.shape[1]) if miss[:, j].all()]
    if scheme.missing == "refuse" or empty:
        why = f"; no unit reported {empty}" if empty else ""
        why_zh = f"；无任何单位填报 {empty}" if empty else ""
        raise DataValidationError(
            f"{len(listed)} missing unit × indicator value(s){why} (scheme policy: "
            f"{scheme.missing})",
            f"缺少 {len(listed)} 个单位 × 指标数值{why_zh}（方案缺失值规则：{scheme.missing}）",
            problems=listed,
            hint_en="supply the values, or set `missing: worst` in the scheme (scored as worst)",
            hint_zh="请补齐数值，或在方案中设置 missing: worst（按最差值计分并标记）",
        )
    filled = x.copy()
    for j, ind in enumerate(scheme.indicators):
        col = x[:, j]
        worst = np.nanmax(col) if ind.direction == "cost" else np.nanmin(col)
        filled[miss[:, j], j] = worst
    return filled, miss


def _weights(scheme: Scheme, pool_raw: FloatArray) -> WeightReport:
    codes = tuple(i.code for i in scheme.indicators)
    spec = scheme.weights
    cost = np.array([i.direction == "cost" for i in scheme.indicators])
    groups = [g.code for g in scheme.groups]
    # within-group shares (expert weights of indicators, normalised inside each group)
    share = np.zeros(len(codes))
    for g in groups:
        members = [k for k, i in enumerate(scheme.indicators) if i.group == g]
        local = np.array([scheme.indicators[k].weight for k in members])
        share[members] = local / local.sum()
    subjective: FloatArray | None = None
    ahp: AHPResult | None = None
    if spec.method == "expert":
        if all(g.weight is not None for g in scheme.groups):
            gw = normalise_weights(np.array([g.weight or 0.0 for g in scheme.groups]))
            group_of = [groups.index(i.group) for i in scheme.indicators]
            subjective = normalise_weights(gw[group_of] * share)
        else:
            subjective = normalise_weights(np.array([i.weight for i in scheme.indicators]))
        return WeightReport(codes, subjective, "expert", subjective=subjective)
    if spec.ahp is not None:
        ahp = ahp_weights(np.array(spec.ahp.matrix, dtype=np.float64), method=spec.ahp.method)
        order = spec.ahp.order
        if spec.ahp.level == "group":
            by_group = dict(zip(order, ahp.weights, strict=True))
            subjective = normalise_weights(
                np.array([by_group[i.group] for i in scheme.indicators]) * share
            )
        else:
            by_code = dict(zip(order, ahp.weights, strict=True))
            subjective = np.array([by_code[c] for c in codes])
    if spec.method == "ahp" and subjective is not None and ahp is not None:
        return WeightReport(
            codes,
            subjective,
            "ahp",
            subjective=subjective,
            ahp=ahp,
            ahp_level=spec.ahp.level if spec.ahp else None,
            ahp_order=tuple(spec.ahp.order) if spec.ahp else (),
        )
    # Entropy is always computed on min-max scores of the pooled raw matrix: p_ij needs
    # non-negative z_ij (METHODOLOGY §5), which z-scores are not.
    w_e, e = entropy_weights(minmax(pool_raw, cost))
    if spec.method == "entropy":
        return WeightReport(codes, w_e, "entropy", entropy=w_e, entropy_e=e)
    if subjective is None or spec.alpha is None or ahp is None or spec.ahp is None:
        raise EvaluationError(
            "combined weights need an AHP matrix and alpha", "组合赋权需要 AHP 判断矩阵和 alpha"
        )
    w = combined_weights(subjective, w_e, spec.alpha)
    return WeightReport(
        codes,
        w,
        "combined",
        subjective=subjective,
        entropy=w_e,
        entropy_e=e,
        ahp=ahp,
        ahp_level=spec.ahp.level,
        ahp_order=tuple(spec.ahp.order),
        alpha=spec.alpha,
    )


def evaluate(
    scheme: Scheme, data: pd.DataFrame, period: str | int | None = None, *, previous: bool = True
) -> EvaluationResult:
    """Evaluate ``scheme`` for ``period`` (default: the latest period in ``data``).

    ``data`` is a long table ``unit, period, indicator, value``; rows for indicators outside the
    scheme are ignored and listed in ``ignored_indicators``. The units evaluated are those with at
    least one scheme indicator in the period. With ``previous`` the latest earlier period in the
    data is evaluated too, on its own (as it would have been published), for the rank change; if
    it cannot be evaluated, the reason is kept in ``notes`` and rank changes are empty.
    """
    df = prepare_table(data)
    codes = [i.code for i in scheme.indicators]
    ignored = tuple(sorted(set(df["indicator"]) - set(codes)))
    df = df[df["indicator"].isin(codes)]
    periods = sorted(set(df["period"]))
    if period is None:
        if not periods:
            raise NotFoundError("the input has no scheme indicators", "输入中没有方案所列指标")
        period = periods[-1]
    label = _label(period)
    pool = _pool(scheme, periods, label)
    rows, raw = _matrix(scheme, df, pool)
    rows, raw, dropped = _drop_incomplete_earlier(rows, raw, label)
    filled, imputed = _resolve_missing(scheme, rows, raw)
    cost = np.array([i.direction == "cost" for i in scheme.indicators])
    targets = np.array([i.target if i.target is not None else np.nan for i in scheme.indicators])
    spec = scheme.standardisation
    pool_r = standardise(filled, cost, spec.method, targets=targets, cap=spec.cap)
    mine = np.array([p == label for _, p in rows])
    units = tuple(u for (u, p) in rows if p == label)
    if len(units) < 2:
        raise EvaluationError(
            f"at least two units are needed to evaluate, {len(units)} in {label}",
            f"至少需要两个评价对象，{label} 期只有 {len(units)} 个",
        )
    report = _weights(scheme, filled)
    r = pool_r[mine]
    base = composite(r, report.weights, scheme.aggregation, pool_r)
    scores = base * scheme.score_scale
    ranks = rank_scores(scores)
    effects = effects_vs_average(r, report.weights, scheme.aggregation, pool_r) * (
        scheme.score_scale
    )
    notes: list[str] = []
    if dropped:
        notes.append(
            f"{len(dropped)} earlier pooled row(s) lacked a value and left the pool: "
            + ", ".join(f"{u} / {p}" for u, p in dropped[:8])
            + (" …" if len(dropped) > 8 else "")
        )
    prev_label: str | None = None
    prev_ranks: tuple[int | None, ...] = ()
    earlier = [p for p in periods if p < label]
    if previous and earlier:
        prev_label = earlier[-1]
        try:
            prev = evaluate(scheme, data, prev_label, previous=False)
        except ConsumptionMonitorError as exc:
            notes.append(f"previous period {prev_label} not comparable: {exc.render('en')}")
            prev_label = None
        else:
            lookup = dict(zip(prev.units, prev.ranks.tolist(), strict=True))
            prev_ranks = tuple(lookup.get(u) for u in units)
    return EvaluationResult(
        scheme=scheme,
        period=label,
        units=units,
        indicators=tuple(codes),
        raw=filled[mine],
        standardised=r,
        pool_standardised=pool_r,
        pool_periods=pool,
        weights=report,
        scores=scores,
        ranks=ranks,
        imputed=imputed[mine],
        contributions=r * report.weights * scheme.score_scale,
        effects=effects,
        previous_period=prev_label,
        previous_ranks=prev_ranks,
        ignored_indicators=ignored,
        notes=tuple(notes),
    )
