"""The monitoring run over the lake: daily cells → series → metrics, detections and feed gaps →
alert rules → stored alerts → delivery. ``cmon alerts check`` is a thin adapter over
:func:`run_checks`.

Series scored for anomalies (internal, unsuppressed aggregates; alert texts name the series):

- card payments: the number of payments (``card_txns``) of the city, each district, each 商圈
  and each district × card category. Counts, not amounts: card spending is heavy-tailed (one car
  purchase can double a small district's day), so planted or real breaks show far more clearly
  in counts; spending is still available to rules (``card_spending``);
- key enterprises: sales (``ke_sales``) of the city, each district, 商圈 and format;
- feeds: each key enterprise's reports and the card feed as a whole (``missing_days``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import pandas as pd

from consumption_monitor.config import Settings, get_settings
from consumption_monitor.monitor.alerts import (
    AlertOut,
    AlertService,
    DeliveryOut,
    RuleSet,
    evaluate_rules,
)
from consumption_monitor.monitor.anomaly import (
    SERIES_KEY,
    Detection,
    DetectParams,
    analyse,
    feed_gaps,
)
from consumption_monitor.monitor.daily import NightWindow, daily_frames

__all__ = ["CheckResult", "MonitorData", "load_monitor_data", "run_checks", "series_frame"]

DETECT_CARD = (
    ("city", ""), ("district", ""), ("city", "business_district"), ("district", "category"),
)  # fmt: skip
DETECT_KE = (("city", ""), ("district", ""), ("city", "business_district"), ("city", "format"))


@dataclass
class MonitorData:
    """What one run reads: long series frame and the feeds' reports."""

    series: pd.DataFrame  # date, side, indicator, region, dim, dim_value, value
    ke_reports: pd.DataFrame  # enterprise_id, date
    card_days: list[dt.date]


def series_frame(card_cells: pd.DataFrame, ke_cells: pd.DataFrame) -> pd.DataFrame:
    """Long series (``SERIES_KEY`` + ``date, value``) from the unsuppressed daily cells."""
    parts = []
    if not card_cells.empty:
        card = card_cells[
            (card_cells["dim"] != "business_district") | (card_cells["dim_value"] != "none")
        ]
        for indicator, col in (("card_txns", "txns"), ("card_spending", "spending")):
            parts.append(
                card.assign(side="card", indicator=indicator, value=card[col].astype(float))
            )
    if not ke_cells.empty:
        ke = ke_cells[(ke_cells["dim"] != "business_district") | (ke_cells["dim_value"] != "none")]
        parts.append(ke.assign(side="key_enterprise", indicator="ke_sales", value=ke["sales"]))
    if not parts:
        return pd.DataFrame(columns=["date", *SERIES_KEY, "value"])
    return pd.concat(parts, ignore_index=True)[["date", *SERIES_KEY, "value"]]


def load_monitor_data(
    settings: Settings,
    *,
    start: dt.date,
    end: dt.date,
    con: ibis.BaseBackend | None = None,
    window: NightWindow | None = None,
) -> MonitorData:
    """Read the daily cells and feed reports of ``[start, end]`` from the lake."""
    from consumption_monitor.engine import connect
    from consumption_monitor.store import Store

    own = con is None
    con = con or connect(settings)
    try:
        card, ke = daily_frames(
            con, settings, start, end, window=window,
            card_breakdowns=DETECT_CARD, ke_breakdowns=DETECT_KE,
        )  # fmt: skip
        with Store(settings) as store:
            t = store.read_table(con, "key_enterprise_daily")
            day = t.date.cast("date")
            reports = (
                t.filter((day >= start) & (day <= end))
                .select("enterprise_id", date=day)
                .distinct()
                .to_pandas()
            )
    finally:
        if own:
            con.disconnect()
    reports["date"] = pd.to_datetime(reports["date"]).dt.date
    days = sorted(set(card.loc[card["dim"] == "", "date"])) if not card.empty else []
    return MonitorData(series_frame(card, ke), reports, days)


@dataclass
class CheckResult:
    """Everything one monitoring run produced."""

    as_of: dt.date
    detections: list[Detection]
    metrics: pd.DataFrame
    alerts: list[AlertOut] = field(default_factory=list)
    deliveries: list[DeliveryOut] = field(default_factory=list)


def _feed_metrics(data: MonitorData, as_of: dt.date) -> pd.DataFrame:
    rows = []
    for eid, g in data.ke_reports.groupby("enterprise_id"):
        last = max(g["date"])
        rows.append({"date": as_of, "side": "key_enterprise", "indicator": "feed", "region": "",
                     "dim": "enterprise_id", "dim_value": str(eid),
                     "missing_days": float(max((as_of - last).days, 0))})  # fmt: skip
    if data.card_days:
        gap = float(max((as_of - max(data.card_days)).days, 0))
        rows.append({"date": as_of, "side": "card", "indicator": "feed", "region": "", "dim": "",
                     "dim_value": "", "missing_days": gap})  # fmt: skip
    return pd.DataFrame(rows)


def sanity_metrics(table: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The ``growth_sanity`` metric: figures of the stored indicator table withheld by the
    growth-sanity rules (:mod:`consumption_monitor.compute.sanity`), one row per region and
    note (``dim`` = ``note``, ``value`` = how many, over every indicator), so a rule such as
    ``{indicator: growth_sanity, dim: "*", condition: "value > 0"}`` fires once per region and
    reason (#20). ``detail_zh`` / ``detail_en`` name the indicators and their counts, which the
    alert message repeats."""
    from consumption_monitor.compute.sanity import withheld_counts
    from consumption_monitor.indicators import load_indicators

    catalog = load_indicators()

    def name(code: str, lang: str) -> str:
        if code not in catalog.codes:
            return code
        ind = catalog.get(code)
        return ind.name_zh if lang == "zh" else ind.name_en

    counts = withheld_counts(table)
    rows = []
    for (region, note), group in counts.groupby(["region", "note"], sort=True):
        g = group.sort_values(["count", "indicator"], ascending=[False, True])
        pairs = list(zip(g["indicator"].astype(str), g["count"].astype(int), strict=True))
        rows.append(
            {
                "date": as_of,
                "side": "indicators",
                "indicator": "growth_sanity",
                "region": str(region),
                "dim": "note",
                "dim_value": str(note),
                "value": float(g["count"].sum()),
                "detail_zh": "、".join(f"{name(c, 'zh')}{n}项" for c, n in pairs),
                "detail_en": "; ".join(f"{name(c, 'en')} ({n})" for c, n in pairs),
            }
        )
    return pd.DataFrame(rows)


def _stored_sanity(settings: Settings, as_of: dt.date) -> pd.DataFrame:
    from consumption_monitor.errors import NotFoundError
    from consumption_monitor.store.results import read_result

    # The check of day D runs on D + 1 (T+1, like the daily report it watches), after that
    # morning's computation: a table computed on D + 1 is what the check sees.
    try:
        table = read_result(settings, as_of=as_of + dt.timedelta(days=1))
    except NotFoundError:
        return pd.DataFrame()
    return sanity_metrics(table, as_of)


def run_checks(
    settings: Settings | None = None,
    rules: RuleSet | None = None,
    *,
    as_of: dt.date,
    lookback_days: int = 400,
    params: DetectParams | None = None,
    data: MonitorData | None = None,
    deliver: bool = True,
    con: ibis.BaseBackend | None = None,
    since: dt.date | None = None,
) -> CheckResult:
    """Score the series up to ``as_of``, evaluate ``rules``, store and deliver new alerts.

    ``lookback_days`` of history feed the baselines (≥ 371 so holiday days find last year's
    holiday). Detections are those still running on or after ``since`` (default: the last
    ``params.weeks`` weeks).
    """
    settings = settings or get_settings()
    p = params or DetectParams()
    start = as_of - dt.timedelta(days=lookback_days)
    data = data or load_monitor_data(settings, start=start, end=as_of, con=con)
    series = data.series[data.series["date"] <= as_of]
    since = since or as_of - dt.timedelta(weeks=p.weeks)
    # Scores are computed from ``score_from`` on: the detection window and the rules' windows.
    score_from = min(since, as_of - dt.timedelta(days=31))
    scored = series[series["indicator"] != "card_spending"]
    detections, metrics = analyse(scored, p, min_median=10.0, since=since, score_from=score_from)
    _, spend_metrics = analyse(
        series[series["indicator"] == "card_spending"], p, score_from=score_from
    )
    detections += [
        g for g in feed_gaps(data.ke_reports, unit="enterprise_id", as_of=as_of,
                             min_days=p.min_gap_days)
        if g.end >= since
    ]  # fmt: skip
    metrics = pd.concat(
        [metrics, spend_metrics, _feed_metrics(data, as_of), _stored_sanity(settings, as_of)],
        ignore_index=True,
    )
    result = CheckResult(as_of=as_of, detections=detections, metrics=metrics)
    if rules is None:
        return result
    hits = evaluate_rules(rules.rules, metrics, as_of)
    with AlertService(settings) as service:
        result.alerts = service.record(hits)
        if deliver:
            channels = dict(rules.build_channels())
            routes = {r.name: r.channels for r in rules.rules}
            fresh = [a for a in result.alerts if a.is_new]
            result.deliveries = service.deliver(fresh, channels, routes, lang=settings.lang)  # type: ignore[arg-type]
    return result
