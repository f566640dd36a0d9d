"""Rules for the long format of published statistics (``official_stats``) and unit reports.

``official_stats`` rows are ``region, indicator, period, value, unit, basis, yoy_pct, source,
note``. Published tables are pasted in as people find them, so:

- ``region`` takes an admin code or a name (全国/China → 100000, 天津 → 120000, 和平区 → 120101);
  ``indicator`` a catalog code or the official Chinese name (社会消费品零售总额 → retail_sales).
- ``period`` takes the labels of ``normalise.parse_period``; the label may say the basis:
  ``2024年1-10月`` is cumulative (``ytd``), ``2024年二季度`` a quarter, ``2024年`` a year. An
  empty ``basis`` is filled from the label; a label that contradicts ``basis`` is an error.
  Each row is then stored in the one canonical form of its series' frequency
  (:mod:`consumption_monitor.ingest.periods`): 上半年 is ``YYYY-Q2`` ytd for GDP and
  ``YYYY-06`` ytd for 社零, 一季度 ``YYYY-Q1`` ytd and ``YYYY-03`` ytd.
  ``YYYY-02`` with ``ytd`` (or ``month``) is the combined January–February period.
- ``value`` may be empty when ``yoy_pct`` is given (growth-only releases are first-class); a row
  with neither is an error. Published growth is stored as given, never recomputed.
- ``unit`` (元/万元/亿元/%…) and a unit in the ``value`` header (``数值(万元)``) must agree; one
  indicator must not arrive in two units within a load (a mixed-unit sheet). Money values are
  converted to the indicator's catalog unit and ``unit`` is stored as that unit's code.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from consumption_monitor.errors import NotFoundError
from consumption_monitor.ingest.checks import CATEGORY_SEP
from consumption_monitor.ingest.headers import MONEY, normalise_unit
from consumption_monitor.ingest.normalise import NormaliseError, is_missing, parse_period
from consumption_monitor.ingest.periods import period_form_rule
from consumption_monitor.ingest.validate import Context, Finding

_UNIT_ZH = {"yuan": "元", "wan_yuan": "万元", "yi_yuan": "亿元", "percent": "%"}
_ALLOWED_BASIS = {"month": {"month", "ytd"}, "quarter": {"quarter", "ytd"}, "year": {"year"}}
_SEP = "\x1f"


def _period_info(raw: str) -> str:
    """``kind|hint|jan_feb`` of a raw period label; empty when unparseable (reported elsewhere)."""
    if is_missing(raw):
        return ""
    try:
        p = parse_period(raw)
    except NormaliseError:
        return ""
    return f"{p.kind}|{p.basis or ''}|{int(p.jan_feb)}"


def _distinct_map(arr: pa.Array, fn: dict[str, str]) -> pa.Array:
    keys = pa.array(list(fn), pa.string())
    vals = pa.array(list(fn.values()), pa.string())
    return pc.take(vals, pc.index_in(arr, keys))


def basis_rule(
    ctx: Context, values: dict[str, pa.Array], texts: dict[str, pa.Array]
) -> list[Finding]:
    """Fill an empty ``basis`` from the period label; flag contradictions and gaps."""
    raw = texts.get("period")
    if raw is None:
        return []
    distinct = pc.unique(pc.fill_null(raw, "")).to_pylist()
    info = _distinct_map(pc.fill_null(raw, ""), {d: _period_info(d) for d in distinct})
    parts = pc.split_pattern(info, "|")
    padded = pc.if_else(pc.equal(info, ""), pa.scalar(["", "", "0"]), parts)
    kind = pc.list_element(padded, 0)
    hint = pc.list_element(padded, 1)
    jan_feb = pc.equal(
        pc.list_element(pc.if_else(pc.equal(info, ""), pa.scalar(["", "", "0"]), parts), 2), "1"
    )
    basis = values["basis"]
    given = pc.invert(pc.is_null(basis))
    has_hint = pc.not_equal(hint, "")
    values["basis"] = pc.if_else(pc.and_(pc.invert(given), has_hint), hint, basis)
    period_ok = pc.invert(pc.is_null(values["period"]))
    gap = pc.and_(pc.and_(pc.is_null(values["basis"]), period_ok), pc.invert(given))
    # Only a month range (1-10月) contradicts a basis the period kind allows: it is cumulative;
    # 1-2月 may be given as month or ytd (Jan–Feb is one period).
    label_clash = pc.and_(
        pc.and_(given, pc.equal(hint, "ytd")),
        pc.and_(pc.equal(basis, "month"), pc.invert(jan_feb)),
    )
    allowed = pc.is_in(
        pc.binary_join_element_wise(kind, pc.fill_null(values["basis"], ""), "|"),
        pa.array([f"{k}|{b}" for k, bs in _ALLOWED_BASIS.items() for b in bs]),
    )
    kind_clash = pc.and_(
        pc.and_(period_ok, pc.invert(pc.is_null(values["basis"]))), pc.invert(allowed)
    )
    return [
        Finding("basis", pc.fill_null(gap, False),
                "basis is empty and the period label does not say it (month/ytd/quarter/year)",
                "口径为空，且时期写法无法判断口径（month/ytd/quarter/year）"),
        Finding("basis", pc.fill_null(pc.or_(label_clash, kind_clash), False),
                "basis contradicts the period (1-10月 is ytd, 2024Q1 quarter, 2024 year)",
                "口径与时期不符（如“1-10月”为 ytd，“一季度”为 quarter，“2024年”为 year）"),
    ]  # fmt: skip


def growth_only_rule(
    ctx: Context, values: dict[str, pa.Array], texts: dict[str, pa.Array]
) -> list[Finding]:
    """A release row needs a level, a growth rate, or both."""
    neither = pc.and_(pc.is_null(values["value"]), pc.is_null(values["yoy_pct"]))
    return [
        Finding("value", neither, "neither a value nor a growth rate is given",
                "数值与同比增长均为空，至少填写一项")
    ]  # fmt: skip


class UnitRule:
    """Units of indicator rows: agree with the header, one unit per indicator, convert money."""

    def __init__(self) -> None:
        self.first_unit: dict[str, str] = {}

    def __call__(
        self, ctx: Context, values: dict[str, pa.Array], texts: dict[str, pa.Array]
    ) -> list[Finding]:
        n = len(values["indicator"])
        header_unit = ctx.units.get("value") or ctx.title_unit
        raw_unit = texts.get("unit", pa.nulls(n, pa.string()))
        distinct = [u for u in pc.unique(raw_unit).to_pylist() if u is not None]
        codes = {u: ("" if is_missing(u) else (normalise_unit(u) or "?")) for u in distinct}
        unit = _distinct_map(raw_unit, codes) if codes else pa.nulls(n, pa.string())
        unit = pc.if_else(pc.equal(pc.fill_null(unit, ""), ""), None, unit)
        unknown = pc.fill_null(pc.equal(unit, "?"), False)
        findings = [Finding("unit", unknown, "unknown unit", "无法识别的计量单位")]
        unit = pc.if_else(unknown, None, unit)
        if header_unit:
            clash = pc.fill_null(pc.not_equal(unit, header_unit), False)
            findings.append(
                Finding("unit", clash,
                        f"mixed units: the header says {_UNIT_ZH.get(header_unit, header_unit)} "
                        "but this row says otherwise",
                        f"单位不一致：表头为{_UNIT_ZH.get(header_unit, header_unit)}，本行单位不同")
            )  # fmt: skip
            unit = pc.coalesce(unit, pa.scalar(header_unit))
        indicator = values["indicator"]
        pairs = pc.binary_join_element_wise(
            pc.fill_null(indicator, ""), pc.fill_null(unit, ""), _SEP
        )
        mixed_pairs: list[str] = []
        catalog_unit: dict[str, str] = {}
        for pair in pc.unique(pairs).to_pylist():
            code, u = pair.split(_SEP)
            if not code:
                continue
            try:
                catalog_unit[code] = ctx.catalog.indicator_name(code).unit
            except NotFoundError:
                continue
            if u and self.first_unit.setdefault(code, u) != u:
                mixed_pairs.append(pair)
        mixed = pc.is_in(pairs, pa.array(mixed_pairs, pa.string()))
        findings.append(
            Finding("unit", mixed, "mixed units: this indicator already came in another unit",
                    "单位混用：同一指标在本批数据中出现了不同的计量单位")
        )  # fmt: skip
        # Convert money to the indicator's catalog unit; other units must match it.
        target = (
            _distinct_map(pc.fill_null(indicator, ""), catalog_unit)
            if catalog_unit
            else (pa.nulls(n, pa.string()))
        )
        factor_table = {f"{a}{_SEP}{b}": str(MONEY[a] / MONEY[b]) for a in MONEY for b in MONEY}
        conv_key = pc.binary_join_element_wise(
            pc.fill_null(unit, ""), pc.fill_null(target, ""), _SEP
        )
        factor = pc.cast(_distinct_map(conv_key, factor_table), pa.float64())
        same = pc.fill_null(pc.equal(unit, target), False)
        wrong = pc.and_(
            pc.and_(pc.invert(pc.is_null(unit)), pc.invert(pc.is_null(target))),
            pc.and_(pc.is_null(factor), pc.invert(same)),
        )
        findings.append(
            Finding("unit", pc.fill_null(wrong, False),
                    "the unit does not fit the indicator's unit in the catalog",
                    "计量单位与指标目录中的单位不符")
        )  # fmt: skip
        values["value"] = pc.multiply(values["value"], pc.fill_null(factor, 1.0))
        values["unit"] = pc.coalesce(target, unit)
        return findings


def category_rule(
    ctx: Context, values: dict[str, pa.Array], texts: dict[str, pa.Array]
) -> list[Finding]:
    """Split a category row's indicator (限上 化妆品类零售额 → ``retail_sales_above_size`` and
    ``cosmetics``) into the indicator and category columns; a category cell that names another
    category is an error. Datasets without a category column refuse category rows."""
    del ctx, texts
    indicator = values["indicator"]
    split = pc.fill_null(pc.match_substring(indicator, CATEGORY_SEP), False)
    if not pc.any(split).as_py():
        return []
    if "category" not in values:
        return [
            Finding("indicator", split, "a commodity-category row belongs in official_stats",
                    "商品类别行（如“限上 化妆品类零售额”）请导入官方统计数据（official_stats）")
        ]  # fmt: skip
    head = pc.replace_substring_regex(indicator, f"{CATEGORY_SEP}.*$", "")
    tail = pc.if_else(
        split, pc.replace_substring_regex(indicator, f"^[^{CATEGORY_SEP}]*{CATEGORY_SEP}", ""), None
    )
    given = values["category"]
    clash = pc.fill_null(pc.and_(split, pc.not_equal(given, tail)), False)
    values["indicator"] = pc.if_else(split, head, indicator)
    values["category"] = pc.coalesce(given, tail)
    return [
        Finding("category", clash, "the category cell names another category than the row label",
                "商品类别与指标名称中的类别不一致")
    ]  # fmt: skip


def official_rules(dataset: str) -> list[object]:
    """The row rules of a dataset (empty for datasets without special rules)."""
    if dataset == "official_stats":
        return [category_rule, basis_rule, period_form_rule, growth_only_rule, UnitRule()]
    if dataset == "unit_reports":
        return [category_rule, UnitRule()]
    return []
