"""One translation layer for every code the pages can show: ``label(kind, code, lang)``.

Fixed vocabularies (target kinds and statuses, escalation levels, task and batch states, audit
actions, alert severities…) are in ``labels.yaml``; vocabularies that are data live where they
are declared and are read from there: districts and 商圈 from the dimension catalog, datasets
and indicators from the catalog, responsible units and targets from the action plan, chains and
their links from the chain definitions, roles from ``auth.roles``.

An unknown code comes back unchanged (``label("escalation", "purple", "zh") == "purple"``), so
a new value is visible rather than blank; ``tests/web/test_labels_crawl.py`` fails when any
code of any source has no label, and when a page shows a raw code in Chinese or a Chinese
label in English. Templates call ``label('escalation', v)`` (bound to the page language) or
``v|label('escalation')``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from importlib import resources

import yaml

from consumption_monitor.auth.roles import ROLE_LABELS
from consumption_monitor.errors import ConsumptionMonitorError, Location
from consumption_monitor.indicators.format import english_quantity
from consumption_monitor.plan import TargetValue, load_plan

Pair = tuple[str, str]
_DYNAMIC: dict[str, Callable[[str], Mapping[str, Pair]]] = {}


@cache
def fixed() -> dict[str, dict[str, Pair]]:
    """The fixed vocabularies of ``labels.yaml``: kind -> code -> (zh, en)."""
    text = resources.files("consumption_monitor.web").joinpath("labels.yaml").read_text("utf-8")
    data: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(text)
    return {
        kind: {str(code): (entry["zh"], entry["en"]) for code, entry in codes.items()}
        for kind, codes in data.items()
    }


def _source(
    kind: str, *, cached: bool = True
) -> Callable[[Callable[[str], Mapping[str, Pair]]], Callable[..., object]]:
    """Register the reader of a vocabulary that is data; catalog and chain files ship with the
    package and are read once, the plan is re-read (``load_plan`` caches per file version)."""

    def register(fn: Callable[[str], Mapping[str, Pair]]) -> Callable[..., object]:
        _DYNAMIC[kind] = cache(fn) if cached else fn
        return fn

    return register


@_source("district")
def _districts(city: str) -> Mapping[str, Pair]:
    from consumption_monitor.catalog import load_catalog

    cat = load_catalog(city)
    out = {d.code: (d.name_zh, d.name_en) for d in cat.districts}
    out[cat.city.code] = (cat.city.name_zh, cat.city.name_en)
    out["100000"] = ("全国", "China")
    return out


@_source("business_district")
def _business_districts(city: str) -> Mapping[str, Pair]:
    from consumption_monitor.catalog import load_catalog

    out = {b.id: (b.name_zh, b.name_en) for b in load_catalog(city).business_districts}
    return {**fixed()["business_district"], **out}


@_source("dataset")
def _datasets(city: str) -> Mapping[str, Pair]:
    from consumption_monitor.catalog import load_catalog

    return {d.name: (d.name_zh, d.name_en) for d in load_catalog(city).datasets}


@_source("column")
def _columns(city: str) -> Mapping[str, Pair]:
    """Dataset columns by name: the Chinese header of the templates, the name in English."""
    from consumption_monitor.catalog import load_catalog

    out: dict[str, Pair] = {}
    for ds in load_catalog(city).datasets:
        for col in ds.columns:
            out.setdefault(col.name, (col.zh, col.name))
    return out


@_source("indicator")
def _indicators(city: str) -> Mapping[str, Pair]:
    from consumption_monitor.indicators import load_indicators

    del city
    cat = load_indicators()
    return {code: (cat.get(code).name_zh, cat.get(code).name_en) for code in cat.codes}


@_source("unit", cached=False)
def _units(city: str) -> Mapping[str, Pair]:
    del city
    try:
        units = load_plan().units.units
    except Exception:
        return {}
    return {code: (u.name_zh, u.name_en) for code, u in units.items()}


@_source("target", cached=False)
def _targets(city: str) -> Mapping[str, Pair]:
    del city
    try:
        plan = load_plan()
    except Exception:
        return {}
    return {t.id: (t.name_zh, t.name_en) for t in plan.targets.values()}


@_source("chain")
def _chains(city: str) -> Mapping[str, Pair]:
    from consumption_monitor.chains.models import load_chains

    del city
    out: dict[str, Pair] = {}
    for c in load_chains().chains:  # by id, and by the Chinese name project files carry
        out[c.id] = out[c.name_zh] = (c.name_zh, c.name_en)
    return out


@_source("chain_link")
def _links(city: str) -> Mapping[str, Pair]:
    """Links by ``chain/link`` (ids, or the Chinese names project files carry) and by bare link
    id or name (unique within a chain; for a bare key the first chain's link wins)."""
    from consumption_monitor.chains.models import load_chains

    del city
    out: dict[str, Pair] = {}
    for chain in load_chains().chains:
        for link in chain.links:
            pair = (link.name_zh, link.name_en)
            out[f"{chain.id}/{link.id}"] = out[f"{chain.name_zh}/{link.name_zh}"] = pair
            out.setdefault(link.id, pair)
            out.setdefault(link.name_zh, pair)
    return out


@_source("role")
def _roles(city: str) -> Mapping[str, Pair]:
    del city
    return {role.value: pair for role, pair in ROLE_LABELS.items()}


def kinds() -> list[str]:
    """Every kind ``label`` knows."""
    return sorted({*fixed(), *_DYNAMIC})


def vocabulary(kind: str, city: str = "tianjin") -> Mapping[str, Pair]:
    """Code -> (zh, en) of one kind; ``KeyError`` for an unknown kind."""
    if kind in _DYNAMIC:
        return _DYNAMIC[kind](city)
    return fixed()[kind]


def label(kind: str, code: object, lang: str, city: str = "tianjin") -> str:
    """The label of ``code`` in ``lang``; the code itself when it has none (and ``—`` for none).

    >>> label("escalation", "red", "zh"), label("target_kind", "new_in_year", "en")
    ('红色预警', 'New in the year')
    >>> label("district", "120116", "zh"), label("dataset", "task_progress", "zh")
    ('滨海新区', '任务进展')
    >>> label("audit_action", "user.login", "en"), label("escalation", "purple", "zh")
    ('Signed in', 'purple')
    """
    if code is None or code == "":
        return "—"
    text = code.value if isinstance(code, Enum) else str(code)
    pair = vocabulary(kind, city).get(text)
    if pair is None:
        return text
    return pair[0] if lang == "zh" else pair[1]


def note(text: object, lang: str) -> str:
    """An indicator row's note: each ``;``-separated part through the ``note`` vocabulary, so
    ``天津市统计局; derived from YTD`` reads ``天津市统计局；由累计值推算当月``.

    >>> note("derived from YTD", "zh"), note("", "en")
    ('由累计值推算当月', '')
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return ""
    parts = [p.strip() for p in str(text).split(";") if p.strip()]
    return ("；" if lang == "zh" else "; ").join(label("note", p, lang) for p in parts)


def describe(where: Location | None, lang: str, city: str = "tianjin") -> str:
    """Where a problem is, in the page language, columns by their template header.

    >>> describe(Location(file="a.csv", row=3, column="reporting_unit", value="x"), "zh")
    'a.csv，第 3 行，“报送单位”列，值“x”'
    >>> describe(Location(file="a.csv", row=3, column="reporting_unit"), "en")
    "a.csv, row 3, column 'reporting_unit'"
    """
    if where is None:
        return ""
    if lang != "zh":
        return where.describe()
    parts: list[str] = []
    if where.file:
        parts.append(where.file)
    if where.sheet:
        parts.append(f"工作表“{where.sheet}”")
    if where.entry:
        parts.append(f"条目“{where.entry}”")
    if where.field:
        parts.append(f"字段“{where.field}”")
    if where.row is not None:
        parts.append(f"第 {where.row} 行")
    if where.column:
        parts.append(f"“{label('column', where.column, 'zh', city)}”列")
    if where.value is not None:
        parts.append(f"值“{str(where.value)[:60]}”")
    return "，".join(parts)


#: What a web user does with a refused file (the command line's hint names ``--quarantine``,
#: which the upload form does not offer).
WEB_HINT = (
    "请修改所列单元格后重新上传该文件",
    "fix the listed cells and upload the file again",
)


def render_error(
    exc: ConsumptionMonitorError, lang: str, *, dataset: str | None = None, city: str = "tianjin"
) -> str:
    """An error for a page: location in the page language, a dataset code at the start of the
    message by its name, and the web hint instead of a command-line flag."""
    zh = lang == "zh"
    msg, hint = (exc.zh, exc.hint_zh) if zh else (exc.en, exc.hint_en)
    if dataset and msg.startswith(dataset):
        msg = label("dataset", dataset, lang, city) + msg[len(dataset) :]
    if hint and "--quarantine" in hint:
        hint = WEB_HINT[0] if zh else WEB_HINT[1]
    where = describe(exc.where, lang, city)
    text = f"{where}{'：' if zh else ': '}{msg}" if where else msg
    if hint:
        text += ("——处理办法：" if zh else " — what to do: ") + hint
    return text


_COMPARATOR_EN = {">=": "at least ", ">": "more than ", "<=": "at most ", "<": "less than ",
                  "=": "", "maintain": "kept at ", "rank": "", "trend": ""}  # fmt: skip


def target_value(value: TargetValue, lang: str) -> str:
    """One dated goal as a reader of ``lang`` reads it: the plan's own words in Chinese, its
    kind, comparator and amount in English (the plan has no English wording).

    >>> from consumption_monitor.plan import load_plan
    >>> v = load_plan().targets["T-cross-border-ecommerce"].values[0]
    >>> target_value(v, "zh"), target_value(v, "en")
    ('跨境电商交易额达到650亿元', 'Level: at least 65 billion yuan')
    """
    if lang == "zh":
        return value.source
    kind = label("target_kind", value.kind, "en")
    if value.value is None:
        return kind
    unit = value.unit_en or ""
    amount = float(value.value)
    if unit == "%":
        text = f"{amount:g}%"
    elif unit in ("fraction", "share_of_national"):
        text = str(value.value) + (" of the national total" if unit != "fraction" else "")
    elif unit == "rank":
        text = f"No. {amount:g}"
    else:
        text = english_quantity(amount, unit)
    return f"{kind}: {_COMPARATOR_EN.get(value.comparator, '')}{text}"
