"""Generate the documentation pages that are views of typed data (``make docs``).

``python -m consumption_monitor.docsgen`` writes ``docs/indicators.md`` (indicator catalog, with
plan target and unit names), ``docs/cli.md`` (command tree), ``docs/catalog.md`` (dimension
catalog) and ``docs/settings.md`` (settings); ``--check`` exits 1 when a page on disk is stale.
Tests check each page.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from consumption_monitor.indicators import load_indicators
from consumption_monitor.indicators.format import UNIT_LABELS_ZH

_INTRO = """# Indicators 指标

Generated from `src/consumption_monitor/catalog/data/indicators.yaml` (the one indicator file) by
`python -m consumption_monitor.docsgen`; do not edit by hand (a test fails when it is stale).

## The long indicator table

`cmon compute [--as-of DATE] [--engine duckdb|spark]` reads the lake as known at `DATE` (the
vintage), computes every indicator below with one Ibis expression each (DuckDB by default,
Spark with `CMON_ENGINE=spark`) and stores one long table under
`<data_dir>/lake/_derived/indicators/vintage=DATE/`. Columns:

{columns}

Rules (METHODOLOGY.md §1–2): published growth is authoritative and never recomputed from
published levels; single periods are derived from cumulative releases with
`g_m = (C_m - C_{m-1}) / (C_m/(1+G_m) - C_{m-1}/(1+G_{m-1})) - 1` only where no single period is
published (a published figure wins); contributions are `(Y_i - B_i) / B_total * 100` with
`B = Y / (1 + g)`; district and 商圈 rollups add up to the city total before privacy
protection. Card cells (card spending, transactions, night share) with fewer distinct merchants
or cards than `CMON_MIN_CELL_MERCHANTS`/`CMON_MIN_CELL_CARDS` are suppressed (value, numerator
and denominator null, note `suppressed`), and so are the complementary cells needed so that no
hidden cell can be recovered as a total minus the published parts: per period, districts under
the city total, each 商圈/category/origin/channel breakdown under its district's and the city's
total, and the city breakdown cells as sums of the district cells are protected jointly, with
one mask for every card indicator (`consumption_monitor.privacy.protect_linked`, see
docs/monitoring.md). The city total is never suppressed, so a period with a single reporting
district reveals that district. Published parts therefore no longer sum to their total where
cells are hidden; merchant and card counts are never stored.

Growth sanity (`compute/sanity.py`, one place for every reader, #20): a card row whose period
is not wholly inside the card feed's covered days is blanked (note `incomplete`: a "month" of
two hours is never a point); a same-set growth on an incomplete base (`base_incomplete`), on a
base below 5% of the series' median level (`small_base`) or beyond ±500%
(`implausible_growth`, unless the indicator declares a larger `params.growth_cap_pct`) is
null. Pages and reports print "—" with the reason, the API adds `reason`, `reason_zh`,
`reason_en` to each value, and the monitor's `growth_sanity` metric (one row per indicator
note and region, `value` = figures withheld) lets an alert rule fire:
`{indicator: growth_sanity, dim: "*", condition: "value > 0"}`.

Read results with
`cmon indicator show CODE|NAME [--region] [--from] [--to] [--basis] [--dim] [--json|--csv]`
(money in 元/万元/亿元 per `CMON_MONEY_UNIT`) or in Python with
`consumption_monitor.indicator("retail_sales", region="120101", start="2024-01")`.
`CODE|NAME` is a code or any name listed under "Names" below: the official Chinese name, a 简称
(社零), a 口径 variant, an English name; full-width forms, a leading 其中： and a parenthesised
alias or unit (地区生产总值(GDP), 社会消费品零售总额（亿元）) are accepted. A name two indicators
share is refused with both candidates listed. The same look-up serves ingest, `cmon seasonal`,
the API and the pages. `--dim category` (or `--dim all`) shows a breakdown instead of the
total. A series adjusted by `cmon seasonal CODE` reads back as `CODE_sa` (e.g.
`cmon indicator show retail_sales_sa`).

## Engines

DuckDB runs in-process by default (`CMON_DUCKDB_MEMORY_LIMIT`, `CMON_DUCKDB_THREADS`). Spark:
`pip install 'consumption-monitor[spark]'` (pyspark 4.0.5, Java 17), then `CMON_ENGINE=spark`
with `CMON_SPARK_MASTER` = `local[N]`, `spark://host:7077` or a Spark Connect `sc://` URL.
The same expressions run on both; a parity test compares every value of the suite
(relative 1e-9). `python benchmarks/compute_bench.py` times a full refresh on each engine and
the card aggregation against hand-written DuckDB SQL and pandas.

## Not covered

- Plan targets with no dataset behind them: 一区一中心 and the old community renovation
  (milestones), leasing and factoring assets' national standing (ranks);
  the national rank of service retail growth needs other provinces' releases (the growth itself
  is `service_retail_growth`).
- `landmark_business_districts` is not computed from the lake: T-landmark-districts counts the
  `landmark: true` flags of the 商圈 catalog, each with its `landmark_since` and
  `landmark_source` (docs/catalog.md, `targets/catalog_evidence.py`).
- Unit reports: a district's report is that district's value; district reports are not summed
  into the city value (a city department reports the city).
- Official series are not seasonally adjusted here (see the seasonal module).
"""


#: The long table's columns and what they mean (rendered as a table in the page).
COLUMN_DOCS: tuple[tuple[str, str], ...] = (
    ("indicator", "code below"),
    ("region", "`100000` China, `120000` the city, `1201xx` a district"),
    (
        "period",
        "`YYYY-MM`, `YYYY-Qn` or `YYYY`; **Jan–Feb is one period `YYYY-02`, there is "
        "never a January** (January data of daily sources is folded into it too)",
    ),
    ("basis", "`month` (single period), `ytd` (cumulative from January), `quarter`, `year`"),
    (
        "dim, dim_value",
        "a breakdown: `category`, `business_district` (商圈; `none` = outside "
        "any 商圈), `origin` (card origin), `channel`, `format`, `tier`, `kind`; both empty for "
        "the total",
    ),
    (
        "value",
        "level in the indicator's unit, or the share/ratio in percent; null for "
        "growth-only series and suppressed card cells",
    ),
    (
        "yoy_pct",
        "同比, percent: the **published** rate for official data; else "
        "comparable-basis growth (same enterprise panel in both years) for enterprise data; else "
        "`value / value a year earlier - 1` for same-set series (card, registries, unit reports)",
    ),
    (
        "mom_pct",
        "环比 of `month` rows, percent; null for March (Jan–Feb is two months) and for "
        "percent/pp indicators",
    ),
    ("vs_2019_pct", "level against the same period of 2019 (not a comparable-basis rate)"),
    ("yoy_2y_avg_pct", "two-year average growth `sqrt((1+g_t)(1+g_{t-1})) - 1`"),
    (
        "numerator, denominator",
        "the parts of a share or ratio (kept so ratios can be re-aggregated)",
    ),
    ("note", "source, `derived from YTD`, the 升级类 set used, `suppressed`…"),
    ("vintage", "the as-of date the lake was read at"),
    (
        "provisional",
        "true when the period is the latest of its series at this vintage, or "
        "ended less than 45 days before the vintage",
    ),
    ("computed_at", "UTC time of the computation"),
)


def _columns_table() -> str:
    rows = ["| column | meaning |", "|---|---|"]
    rows += [f"| `{name}` | {text} |" for name, text in COLUMN_DOCS]
    return "\n".join(rows)


def _plan_names() -> tuple[dict[str, str], dict[str, str]]:
    try:
        from consumption_monitor.plan import load_plan

        plan = load_plan()
    except Exception:
        return {}, {}
    targets = {tid: t.name_zh for tid, t in plan.targets.items()}
    units = {code: u.name_zh for code, u in plan.units.units.items()}
    return targets, units


def _upgrade_sets() -> str:
    from consumption_monitor.catalog import load_catalog

    cat = load_catalog()
    default = "、".join(cat.category(c).name_zh for c in cat.upgrade_default)
    optional = "、".join(cat.category(c).name_zh for c in cat.upgrade_optional)
    return f"{default}; optional: {optional} (`CMON_UPGRADE_CATEGORIES`)"


def render_indicators() -> str:
    """The Markdown of ``docs/indicators.md``."""
    targets, units = _plan_names()
    out = [_INTRO.replace("{columns}", _columns_table()), "## Catalog\n"]
    out.append("| code | 名称 | unit | frequency | bases | sources |")
    out.append("|---|---|---|---|---|---|")
    for ind in load_indicators():
        out.append(
            f"| [`{ind.code}`](#{ind.code.replace('_', '-')}) | {ind.name('zh')} | "
            f"{UNIT_LABELS_ZH.get(ind.unit, ind.unit)} | {ind.frequency} | "
            f"{', '.join(ind.bases)} | {', '.join(ind.sources)} |"
        )
    out.append("")
    for ind in load_indicators():
        out.append(f"### {ind.code}\n")
        out.append(
            f"**{ind.name_zh}** — {ind.name_en}" + (f" *({ind.label})*" if ind.label else "")
        )
        out.append("")
        out.append(f"- 口径: {ind.definition_zh}")
        out.append(f"- Definition: {ind.definition_en}")
        out.append(
            f"- Unit: `{ind.unit}` · frequency: {ind.frequency} · bases: "
            f"{', '.join(ind.bases)} · direction: {ind.direction}"
        )
        out.append(f"- Sources: {', '.join(f'`{s}`' for s in ind.sources)}")
        out.append(f"- Formula: `{ind.formula}`")
        if ind.aliases:
            out.append("- Names: " + "、".join(ind.aliases))
        if ind.params.get("numerator") == "upgrade":
            out.append(f"- 升级类 set used by default (practice): {_upgrade_sets()}")
        if ind.targets:
            linked = ", ".join(f"`{t}` {targets.get(t, '')}".strip() for t in ind.targets)
            out.append(f"- Plan targets: {linked}")
        if ind.units:
            out.append(
                "- Responsible units: " + ", ".join(f"{units.get(u, u)} (`{u}`)" for u in ind.units)
            )
        out.append("")
    out += _stored_series()
    return "\n".join(out).rstrip("\n") + "\n"


def _stored_series() -> list[str]:
    """The section on input series: stored and looked up by name, read by the indicators."""
    from consumption_monitor.catalog import load_catalog

    out = [
        "## Stored input series\n",
        "Series loaded as published or reported (`indicator` column of `official_stats` or "
        "`unit_reports`) that the indicators above read; they are not shown on their own.\n",
        "| code | 名称 | unit | names | 口径 |",
        "|---|---|---|---|---|",
    ]
    for e in load_catalog().indicators:
        if e.computed:
            continue
        out.append(
            f"| `{e.code}` | {e.name_zh} | {UNIT_LABELS_ZH.get(e.unit, e.unit)} | "
            f"{'、'.join(e.aliases)} | {e.definition_zh} |"
        )
    out.append("")
    return out


def _cli_page() -> str:
    from consumption_monitor.cli.reference import cli_markdown

    return cli_markdown()


def _catalog_page() -> str:
    from consumption_monitor.catalog.docs import catalog_markdown

    return catalog_markdown()


def _settings_page() -> str:
    from consumption_monitor.config import settings_markdown

    return settings_markdown()


#: Generated page (relative to the docs folder) → renderer.
PAGES: dict[str, Callable[[], str]] = {
    "indicators.md": render_indicators,
    "cli.md": _cli_page,
    "catalog.md": _catalog_page,
    "settings.md": _settings_page,
}


def default_docs_dir() -> Path:
    """``docs/`` of the source checkout (the package lives in ``src/consumption_monitor``)."""
    return Path(__file__).resolve().parents[2] / "docs"


def stale_pages(docs_dir: Path | None = None, names: list[str] | None = None) -> list[str]:
    """Pages (all, or ``names``) whose file differs from what would be generated now."""
    docs_dir = docs_dir or default_docs_dir()
    stale = []
    for name, render in PAGES.items():
        if names is not None and name not in names:
            continue
        path = docs_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != render():
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) the generated pages."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=Path, default=None, help="docs folder (default: ./docs)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a page is stale")
    parser.add_argument("--only", default="", help="comma-separated pages, e.g. indicators.md")
    args = parser.parse_args(argv)
    docs_dir: Path = args.docs or default_docs_dir()
    names = [n for n in args.only.split(",") if n] or None
    if args.check:
        stale = stale_pages(docs_dir, names)
        for name in stale:
            sys.stderr.write(
                f"stale: {docs_dir / name} (run python -m consumption_monitor.docsgen)\n"
            )
        return 1 if stale else 0
    docs_dir.mkdir(parents=True, exist_ok=True)
    for name, render in PAGES.items():
        if names is None or name in names:
            (docs_dir / name).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
