"""Catalog look-ups used as cell checks: each maps one distinct raw text to its canonical code.

A check raises :class:`~consumption_monitor.ingest.normalise.NormaliseError` with a bilingual
reason; ``validate.py`` applies it once per distinct value of a column.
"""

from __future__ import annotations

from collections.abc import Callable

from consumption_monitor.catalog import Catalog, Column, is_valid_uscc
from consumption_monitor.config import get_settings
from consumption_monitor.errors import AmbiguousNameError, NotFoundError
from consumption_monitor.ingest.headers import fold
from consumption_monitor.ingest.normalise import NormaliseError, clean_text
from consumption_monitor.plan import Plan, load_plan

Check = Callable[[str], str]


def _lookup(fn: Callable[[str], str], en: str, zh: str) -> Check:
    def check(raw: str) -> str:
        try:
            return fn(clean_text(raw))
        except NotFoundError as exc:
            raise NormaliseError(en, zh) from exc

    return check


#: Joins indicator and category codes of a category row until the row rule splits them.
CATEGORY_SEP = "\x1e"


def _indicator(cat: Catalog) -> Check:
    """Resolve an indicator name through the catalog's one alias look-up; refuse an ambiguous
    name with its candidates, and a derived indicator (a ratio the engine computes) that is not
    stored as a series."""

    def check(raw: str) -> str:
        text = clean_text(raw)
        split = cat.category_row(text)
        if split is not None:
            # A 限上 X类零售额 row: the indicator and its category, split by the row rule
            # (``official.category_rule``) into the indicator and category columns.
            return CATEGORY_SEP.join(split)
        try:
            entry = cat.indicator_name(text)
        except AmbiguousNameError as exc:
            raise NormaliseError(
                "ambiguous indicator name; candidates: " + ", ".join(exc.candidates),
                "指标名称有歧义，可能是：" + "、".join(exc.candidates),
            ) from exc
        except NotFoundError as exc:
            raise NormaliseError(
                "unknown indicator (use a catalog code or the official Chinese name)",
                "未知的指标（请使用指标代码或官方名称）",
            ) from exc
        if entry.code not in cat.recorded_indicators:
            raise NormaliseError(
                f"{entry.code} is computed by the engine, not loaded (load its inputs instead)",
                f"“{entry.name_zh}”由系统计算，不能直接导入（请导入其基础数据）",
            )
        return entry.code

    return check


def _uscc(raw: str) -> str:
    code = clean_text(raw).replace(" ", "").upper()
    if len(code) != 18:
        raise NormaliseError(
            f"a USCC has 18 characters, this has {len(code)}",
            f"统一社会信用代码应为 18 位，此处为 {len(code)} 位",
        )
    if not is_valid_uscc(code):
        raise NormaliseError(
            "the USCC check character is wrong (GB 32100-2015)",
            "统一社会信用代码校验位错误（GB 32100-2015）",
        )
    return code


def _enum(col: Column) -> Check:
    allowed = list(col.values or [])
    table: dict[str, str] = {fold(v): v for v in allowed}
    for value, label in (col.labels_zh or {}).items():
        table[fold(label)] = value
    # Chinese readers are told the Chinese labels (what the template's drop-down offers);
    # the codes are accepted too, and English readers are told those.
    shown_en = ", ".join(allowed)
    shown_zh = "、".join((col.labels_zh or {}).get(v, v) for v in allowed)

    def check(raw: str) -> str:
        found = table.get(fold(raw))
        if found is None:
            raise NormaliseError(
                f"not one of the allowed values: {shown_en}", f"不在允许的取值范围内：{shown_zh}"
            )
        return found

    return check


def _mcc(cat: Catalog) -> Check:
    known = set(cat.mcc_codes)

    def check(raw: str) -> str:
        code = clean_text(raw)
        if code.isdigit() and len(code) <= 4:
            code = code.zfill(4)
        if code not in known:
            raise NormaliseError("unknown merchant category code (MCC)", "未知的商户类别码（MCC）")
        return code

    return check


def _text(raw: str) -> str:
    return clean_text(raw)


def check_for(col: Column, cat: Catalog) -> Check | None:
    """The look-up for ``col.check``; None for plain text columns.

    ``unit`` (responsible unit) and ``task`` are checked against the configured action plan;
    units are stored by their registry code (``市商务局`` → ``commerce``, ``和平区`` → ``120101``).
    """
    kind = col.check
    if kind == "uscc":
        return _uscc
    if kind == "district":
        return _lookup(
            lambda x: cat.district(x).code,
            "unknown district (use an admin code 120101…120119 or a district name)",
            "未知的区（请填写区划代码 120101…120119 或区名）",
        )
    if kind == "region":
        return _lookup(
            cat.region_code,
            "unknown region (use an admin code, 全国, the city or a district name)",
            "未知的地区（请填写区划代码、全国、本市或区名）",
        )
    if kind == "category":
        return _lookup(
            cat.normalise_category,
            "unknown commodity category (use an NBS category name such as 化妆品类)",
            "未知的商品类别（请使用国家统计局类别名称，如“化妆品类”）",
        )
    if kind == "industry":
        return _lookup(
            lambda x: cat.industry(x).code,
            "unknown industry code (GB/T 4754, e.g. F52)",
            "未知的行业代码（国民经济行业分类，如 F52）",
        )
    if kind == "mcc":
        return _mcc(cat)
    if kind == "business_district":
        return _lookup(
            lambda x: cat.business_district(x).id,
            "unknown business district (商圈; use an id such as BD001)",
            "未知的商圈（请使用商圈编码，如 BD001）",
        )
    if kind == "indicator":
        return _indicator(cat)
    if kind == "enum":
        return _enum(col)
    if kind == "unit":
        return _lookup(
            lambda x: _plan().unit(x).code,
            "unknown responsible unit (use a unit of the action plan, e.g. 市商务局 or 和平区)",
            "未知的责任单位（请使用行动方案中的单位名称，如“市商务局”“和平区”）",
        )
    if kind == "task":
        return _lookup(
            _task_id,
            "unknown task (use a task number 1–50 of the plan or a safeguard item such as S4-2)",
            "未知的任务（请填写方案任务序号 1–50 或保障措施编号，如 S4-2）",
        )
    return None


def canonical_codes(col: Column, cat: Catalog) -> list[str] | None:
    """The canonical codes a check returns unchanged, for a fast path; None if not listed.

    A column whose every cell is already one of these needs no per-value look-up. Only codes
    the check maps to themselves are returned, so the fast path and the look-up always agree.
    """
    kind = col.check
    if kind == "mcc":
        candidates = list(cat.mcc_codes)
    elif kind == "district":
        candidates = [d.code for d in cat.districts]
    elif kind == "business_district":
        candidates = [b.id for b in cat.business_districts]
    elif kind == "enum":
        candidates = list(col.values or [])
    else:
        return None
    check = check_for(col, cat)
    if check is None:
        return None
    out = []
    for code in candidates:
        try:
            if check(code) == code:
                out.append(code)
        except NormaliseError:
            continue
    return out


def _plan() -> Plan:
    # The configured plan (CMON_PLAN_PATH, else the bundled one); cached by load_plan.
    return load_plan(settings=get_settings())


def _task_id(raw: str) -> str:
    """Task numbers (``5``, ``5.0``, ``任务5``) or safeguard item ids (``S4-2``) of the plan."""
    text = raw.strip().upper().removeprefix("任务").removesuffix(".0")
    plan = _plan()
    if text.startswith("S"):
        return plan.safeguard_item(text).id
    return str(plan.task(text).id)
