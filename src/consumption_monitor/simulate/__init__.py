"""A synthetic Tianjin: every dataset of the lake, written as the files providers send.

>>> from consumption_monitor.simulate import SCALES
>>> sorted(SCALES)
['demo', 'large', 'tiny']

``simulate(out_dir, scale, seed, start, end)`` writes official releases (CSV, NBS style, one per
year plus a revision vintage), 限上 enterprise exports (CSV, one GBK), key-enterprise daily
feeds and card payments (Parquet, the last month as CSV), and department spreadsheets (XLSX with
Chinese headers), then ``files.json`` (dataset → files, vintage per file) and ``truth.json``
(planted anomalies and other ground truth). Same arguments → byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from consumption_monitor.catalog import load_catalog
from consumption_monitor.simulate import magnitudes as mag
from consumption_monitor.simulate.anomalies import Plan, plan_anomalies
from consumption_monitor.simulate.cards import card_days, merchant_pool
from consumption_monitor.simulate.config import SCALES, Scale, SimConfig
from consumption_monitor.simulate.enterprises import enterprise_pool, enterprise_tables
from consumption_monitor.simulate.key_enterprises import feed_stop, key_pool, key_tables
from consumption_monitor.simulate.official import (
    MonthlyLevels,
    _month_release,
    monthly_levels,
    official_rows,
    split_vintages,
    unit_label,
)
from consumption_monitor.simulate.plan_reports import task_progress_rows, unit_report_rows
from consumption_monitor.simulate.programmes import inbound_rows, trade_in_rows
from consumption_monitor.simulate.projects import project_rows
from consumption_monitor.simulate.registries import event_rows, first_store_rows
from consumption_monitor.simulate.writer import (
    Manifest,
    headers,
    write_arrow_csv,
    write_csv,
    write_parquet,
    write_xlsx,
)

__all__ = ["SCALES", "Scale", "SimulationResult", "simulate"]

#: ``progress(step, done, total)`` callback type; the CLI drives a rich progress bar with it.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationResult:
    """What a run wrote: files per dataset (absolute paths) and the ground-truth file."""

    files: dict[str, list[Path]]
    truth_path: Path
    manifest_path: Path


def _noop(step: str, done: int, total: int) -> None:
    del step, done, total


def simulate(
    out_dir: Path | str,
    scale: str = "tiny",
    seed: int = 0,
    start: str = "2019-01",
    end: str | None = None,
    *,
    progress: Progress | None = None,
) -> SimulationResult:
    """Generate every dataset into ``out_dir`` (created if needed; existing files overwritten).

    ``end`` defaults to the latest complete month, so pass it for reproducible output. Card
    payments cover only the last ``Scale.card_months`` months; everything else covers the range.
    Raises :class:`~consumption_monitor.errors.ConfigError` for a bad scale or month.
    """
    cfg = SimConfig.build(scale, seed, start, end)
    root = Path(out_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    report = progress or _noop
    man = Manifest(root)
    steps = 8
    report("official_stats", 0, steps)
    levels = monthly_levels(cfg)
    revisions = _write_official(cfg, man, levels)
    report("enterprise_monthly", 1, steps)
    _write_enterprises(cfg, man, levels)
    report("key_enterprise_daily", 2, steps)
    plan = plan_anomalies(cfg)
    kpool = key_pool(cfg)
    stop = feed_stop(cfg, kpool, plan)
    for label, table in key_tables(cfg, kpool, plan, stop).items():
        if len(label) == 4:
            path = root / "key_enterprise_daily" / f"key_enterprise_daily_{label}.parquet"
            write_parquet(path, table)
        else:
            path = root / "key_enterprise_daily" / f"key_enterprise_daily_{label}.csv"
            write_arrow_csv(path, table)
        man.add(path, "key_enterprise_daily", table.num_rows, vintage=_after(table, "date"))
    report("card_transactions", 3, steps)
    _write_cards(cfg, man, plan, report)
    report("registries", 5, steps)
    stores, store_counts = first_store_rows(cfg)
    for year, rows in stores.items():
        path = root / "first_stores" / f"first_stores_{year}.xlsx"
        n = write_xlsx(path, headers("first_stores", chinese=True), rows, sheet="首店登记")
        man.add(path, "first_stores", n, vintage=min(dt.date(year + 1, 1, 10), _vint(cfg)))
    events, event_counts = event_rows(cfg)
    path = root / "events" / "events.xlsx"
    man.add(
        path,
        "events",
        write_xlsx(path, headers("events", chinese=True), events, sheet="重大活动"),
        vintage=_vint(cfg),
    )
    trade_in, trade_in_truth = trade_in_rows(cfg)
    if trade_in:  # the programme began in 2024-05: a run ending earlier has no report
        path = root / "trade_in" / "trade_in.xlsx"
        n = write_xlsx(path, headers("trade_in", chinese=True), trade_in, sheet="以旧换新")
        man.add(path, "trade_in", n, vintage=_vint(cfg))
    inbound, inbound_truth = inbound_rows(cfg)
    if inbound:
        path = root / "inbound_spending" / "inbound_spending.xlsx"
        sheet = "离境退税与免税"
        n = write_xlsx(path, headers("inbound_spending", chinese=True), inbound, sheet=sheet)
        man.add(path, "inbound_spending", n, vintage=_vint(cfg))
    projects, gap = project_rows(cfg)
    path = root / "projects" / "projects.xlsx"
    man.add(
        path,
        "projects",
        write_xlsx(path, headers("projects", chinese=True), projects, sheet="重大项目"),
        vintage=_vint(cfg),
    )
    report("plan_reports", 6, steps)
    actuals = _registry_actuals(store_counts, event_counts)
    reports, report_truth, report_kinds = unit_report_rows(cfg, actuals)
    for (label, day), rows in sorted(reports.items()):
        path = root / "unit_reports" / f"unit_reports_{label}_{day:%m%d}.xlsx"
        n = write_xlsx(path, headers("unit_reports", chinese=True), rows, sheet="指标报送")
        man.add(path, "unit_reports", n, vintage=day)
    progress_rows, progress_truth, progress_kinds = task_progress_rows(cfg)
    for (label, day), rows in sorted(progress_rows.items()):
        path = root / "task_progress" / f"task_progress_{label}_{day:%m%d}.xlsx"
        n = write_xlsx(path, headers("task_progress", chinese=True), rows, sheet="任务进展")
        man.add(path, "task_progress", n, vintage=day)
    report("truth", 7, steps)
    truth = {
        "seed": seed,
        "scale": scale,
        "start": f"{cfg.start[0]:04d}-{cfg.start[1]:02d}",
        "end": f"{cfg.end[0]:04d}-{cfg.end[1]:02d}",
        "card_window": [cfg.card_start.isoformat(), cfg.end_date.isoformat()],
        "anomalies": [a.to_json() for a in (plan.outage, plan.spike, plan.decline, stop)],
        "official_revisions": revisions,
        "enterprise_set_change": {str(k): v for k, v in mag.ENTERPRISE_SET_CHANGE.items()},
        "retail_base_revision": {str(k): v for k, v in mag.RETAIL_BASE_REVISION.items()},
        "unit_reports": report_truth,
        "task_progress": progress_truth,
        "punctuality": {**report_kinds, **progress_kinds},
        "first_stores_per_year": store_counts,
        "events_per_year": event_counts,
        "trade_in_subsidy_per_year": trade_in_truth,
        "inbound_sales_per_year": inbound_truth,
        "empty_chain_link": gap,
        "upgrade_categories": load_catalog().upgrade_default,
    }
    truth_path = root / "truth.json"
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    manifest_path = root / "files.json"
    manifest_path.write_text(
        man.to_json({"seed": seed, "scale": scale, "start": truth["start"], "end": truth["end"]}),
        encoding="utf-8",
    )
    report("done", steps, steps)
    return SimulationResult(man.files(), truth_path, manifest_path)


def _registry_actuals(
    stores: dict[str, int], events: dict[str, dict[str, int]]
) -> dict[str, dict[int, float]]:
    """Registry counts that unit reports must repeat (indicator → year → count)."""
    out: dict[str, dict[int, float]] = {"first_stores_new": {int(y): n for y, n in stores.items()}}
    for indicator, kind in (
        ("concerts_10k", "concert"),
        ("sports_events", "sports_event"),
        ("exhibitions", "exhibition"),
    ):
        out[indicator] = {int(y): by_kind.get(kind, 0) for y, by_kind in events.items()}
    return out


def _vint(cfg: SimConfig) -> dt.date:
    """As-of date of registry and unit files: the 5th of the month after the range."""
    return cfg.end_date + dt.timedelta(days=5)


def _after(table: pa.Table, column: str) -> dt.date:
    """The day after the latest date in ``column`` (the as-of date of a feed file)."""
    last = max(table.column(column).to_pylist())
    day: dt.date = last.date() if isinstance(last, dt.datetime) else last
    return day + dt.timedelta(days=1)


def _write_official(
    cfg: SimConfig, man: Manifest, levels: MonthlyLevels
) -> list[dict[str, object]]:
    rows = official_rows(cfg, levels)
    files, truth = split_vintages(cfg, rows)
    cat = load_catalog()
    # Totals only: the simulator writes no 限上 category rows, so no 商品类别 column (files stay
    # as they were before official_stats had one).
    header = [h for h in headers("official_stats", chinese=True) if h != "商品类别"]
    for f in files:
        out = [
            [
                cat.region_name(r.region),
                cat.indicator_name(r.indicator).name_zh,
                r.period,
                r.value,
                unit_label(r.indicator),
                r.basis,
                r.yoy_pct,
                r.source,
                r.note,
            ]
            for r in f.rows
        ]
        path = man.root / "official_stats" / f"{f.stem}.csv"
        man.add(
            path,
            "official_stats",
            write_csv(path, header, out, encoding="utf-8-sig"),
            vintage=f.vintage,
            encoding="utf-8-sig",
        )
    return truth


def _write_enterprises(cfg: SimConfig, man: Manifest, levels: MonthlyLevels) -> None:
    pool = enterprise_pool(cfg)
    tables = enterprise_tables(cfg, pool, levels)
    cat = load_catalog()
    alias = {c.name_zh: (c.aliases[0] if c.aliases else c.name_zh) for c in cat.categories}
    first = min(tables, default=None)
    for year, table in tables.items():
        path = man.root / "enterprise_monthly" / f"enterprise_monthly_{year}.csv"
        last_period = max(table.column("period").to_pylist())
        y, m = (int(x) for x in last_period.split("-"))
        vintage = _month_release(y, m)
        if year == first:
            # A legacy export: GBK-encoded with label variants (服装鞋帽针纺织品类…).
            labels = [alias[x] for x in table.column("category").to_pylist()]
            legacy = table.set_column(5, "category", pa.array(labels))
            rows = [list(r.values()) for r in legacy.to_pylist()]
            n = write_csv(path, legacy.column_names, rows, encoding="gbk")
            man.add(path, "enterprise_monthly", n, vintage=vintage, encoding="gbk")
        else:
            n = write_arrow_csv(path, table)
            man.add(path, "enterprise_monthly", n, vintage=vintage, encoding="utf-8")


def _write_cards(cfg: SimConfig, man: Manifest, plan: Plan, report: Progress) -> None:
    pool = merchant_pool(cfg)
    last = (cfg.end[0], cfg.end[1])
    writer: pq.ParquetWriter | None = None
    current: tuple[int, int] | None = None
    rows = 0
    path = man.root
    daily: set[Path] = set()
    total_days = (cfg.end_date - cfg.card_start).days + 1
    for day, table in card_days(cfg, pool, plan):
        month = (day.year, day.month)
        if month == last:
            p = man.root / "card_transactions" / "daily" / f"card_transactions_{day:%Y%m%d}.csv"
            if p in daily:  # a day split into chunks: append rows without a second header
                with p.open("ab") as fh:
                    pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False))
                continue
            daily.add(p)
            man.add(
                p,
                "card_transactions",
                write_arrow_csv(p, table),
                vintage=day + dt.timedelta(days=1),
            )
            continue
        if month != current:
            if writer is not None and current is not None:
                writer.close()
                man.add(path, "card_transactions", rows, vintage=_month_end(current))
            current, rows = month, 0
            path = man.root / "card_transactions" / f"card_transactions_{day:%Y-%m}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        assert writer is not None
        writer.write_table(table, row_group_size=cfg.scale.card_chunk_rows)
        rows += table.num_rows
        report("card_transactions", (day - cfg.card_start).days + 1, total_days)
    if writer is not None and current is not None:
        writer.close()
        man.add(path, "card_transactions", rows, vintage=_month_end(current))


def _month_end(month: tuple[int, int]) -> dt.date:
    y, m = month
    return dt.date(y + (m == 12), m % 12 + 1, 1)
