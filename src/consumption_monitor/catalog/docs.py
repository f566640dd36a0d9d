"""Generate docs/catalog.md from the shipped catalog data (kept current by a test)."""

from __future__ import annotations

from consumption_monitor.catalog import Catalog, load_catalog


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def catalog_markdown(cat: Catalog | None = None) -> str:
    """The dimension catalog as Markdown."""
    cat = cat or load_catalog()
    lines = [
        "# Dimension catalog",
        "",
        "Generated from `src/consumption_monitor/catalog/data/` by `make docs`; a test fails when",
        "this page is stale. Edit the YAML files, not this page. Another city adds a folder",
        "`data/<city>/` with its own `districts.yaml` and `business_districts.yaml` and sets",
        "`CMON_CITY`.",
        "",
        f"## Districts of {cat.city.name_zh} ({cat.city.name_en}, {cat.city.code})",
        "",
    ]
    lines += _table(
        ["code", "区", "district", "area type", "population (万, approx.)", "commerce weight"],
        [
            [d.code, d.name_zh, d.name_en, cat.area_types[d.area_type]["name_zh"],
             f"{d.population_10k:g}", f"{d.commerce_weight:g}"]
            for d in cat.districts
        ],
    )  # fmt: skip
    lines += ["## 商圈 (business districts)", ""]
    lines += _table(
        ["id", "商圈", "name", "district", "landmark", "district centre", "landmark since",
         "landmark source"],
        [
            [b.id, b.name_zh, b.name_en, cat.district(b.district).name_zh,
             "✓" if b.landmark else "", "✓" if b.district_center else "",
             str(b.landmark_since or ""), b.landmark_source or ""]
            for b in cat.business_districts
        ],
    )  # fmt: skip
    lines += [
        "Each `landmark: true` names where it comes from (`landmark_source`) and the year it",
        "counts from (`landmark_since`). T-landmark-districts counts these flags",
        "(`targets/catalog_evidence.py`). Only 金街 and 意式风情区 are named by the plan",
        "(培育金街、意式风情区等8个地标商圈); the other six are the project's starter list of",
        "well-known commercial and tourist areas, for the 办公室 to confirm or replace: until",
        "it does, the target's status rests on that list.",
        "",
    ]
    lines += [
        "## Commodity categories (NBS 限额以上单位商品零售类值)",
        "",
        "Label variants in the last column are normalised to the canonical name on ingest.",
        "",
    ]
    lines += _table(
        ["code", "类别", "category", "of which (parent)", "accepted variants"],
        [
            [c.code, c.name_zh, c.name_en, c.parent or "", "、".join(c.aliases)]
            for c in cat.categories
        ],
    )
    upgrade = "、".join(cat.category(c).name_zh for c in cat.upgrade_default)
    optional = "、".join(cat.category(c).name_zh for c in cat.upgrade_optional)
    lines += [
        "### 升级类 (upgrade-type) goods",
        "",
        "There is no official list (METHODOLOGY §1, practice). Default set, printed beside every",
        f"upgrade figure: {upgrade}. Optional additions: {optional}.",
        'Override with `CMON_UPGRADE_CATEGORIES=\'["化妆品类", "汽车类"]\'`.',
        "",
        "## Industries (GB/T 4754-2017)",
        "",
    ]
    lines += _table(
        ["code", "行业", "industry", "main consumption industry"],
        [
            [i.code, i.name_zh, i.name_en,
             "core" if i.consumption_core else ("optional" if i.consumption_optional else "")]
            for i in cat.industries
        ],
    )  # fmt: skip
    lines += ["## Card spending categories and MCC", ""]
    lines += _table(
        ["code", "类别", "category", "service", "NBS category", "MCC"],
        [
            [c.code, c.name_zh, c.name_en, "✓" if c.service else "", c.nbs or "", ", ".join(c.mcc)]
            for c in cat.card_categories
        ],
    )
    lines += ["## Indicator names accepted in releases", ""]
    lines += _table(
        ["code", "官方名称", "name", "unit", "aliases"],
        [[i.code, i.name_zh, i.name_en, i.unit, "、".join(i.aliases)] for i in cat.indicators],
    )
    lines += ["## Datasets", ""]
    for ds in cat.datasets:
        lines += [
            f"### `{ds.name}` — {ds.name_zh} ({ds.name_en})",
            "",
            f"Grain: {ds.grain}. Key: {', '.join(ds.key)}. Period column: `{ds.period_column}`.",
            "",
        ]
        lines += _table(
            ["column", "中文表头", "type", "required", "unit", "check", "accepted headers"],
            [
                [f"`{c.name}`", c.zh, c.type, "✓" if c.required else "", c.unit or "",
                 c.check + (f" ({', '.join(c.values)})" if c.values else "") if c.check else "",
                 "、".join(c.aliases)]
                for c in ds.columns
            ],
        )  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"
