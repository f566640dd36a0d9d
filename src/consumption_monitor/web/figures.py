"""Apache ECharts options as plain JSON dicts.

Pages embed them in ``<script type="application/json">`` blocks and ``static/charts.js`` draws
them with the vendored ECharts (``static/vendor/echarts.min.js``, see ``make vendor``), so no
inline script is needed under the CSP. JSON cannot carry functions, so each option has a
``cmon`` key the script reads: ``unit`` (the stored unit of the values: the value axis and the
tooltips print 万/亿 from it) and ``lang``; the district map adds ``geo`` (the URL of the
boundaries, same origin). Category axes get their labels here, already in Chinese
(``2025年11月``, :func:`period_label`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Figure = dict[str, Any]

#: Semantic colours of a target status (and of good / bad movement).
STATUS_COLOURS: dict[str, str] = {
    "achieved": "#1b7f3b",
    "on_track": "#2e9d4f",
    "watch": "#e6a700",
    "at_risk": "#e07b00",
    "off_track": "#c62828",
    "no_data": "#9e9e9e",
}
GOOD, BAD, NEUTRAL = "#2e9d4f", "#c62828", "#3b7dd8"
#: Sequential scale of the choropleth (light to dark blue: labels stay readable).
MAP_SCALE = ["#e8f1fb", "#9ec5ef", "#4a8fd9", "#1b5aa6", "#0b3372"]

_QUARTER_ZH = {"1": "一", "2": "二", "3": "三", "4": "四"}


def period_label(period: str, lang: str) -> str:
    """A period as people read it: ``2025年11月``, ``2025年一季度``, ``2025年``.

    English keeps the ISO form (``2025-11``), never a month name.

    >>> period_label("2025-11", "zh"), period_label("2025-Q1", "zh"), period_label("2025", "zh")
    ('2025年11月', '2025年一季度', '2025年')
    >>> period_label("2025-01-02", "zh"), period_label("2025-11", "en")
    ('2025年1月2日', '2025-11')
    """
    if lang != "zh":
        return period
    if m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        return f"{m[1]}年{int(m[2])}月"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        return f"{m[1]}年{_QUARTER_ZH[m[2]]}季度"
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", period):
        return f"{m[1]}年{int(m[2])}月{int(m[3])}日"
    if re.fullmatch(r"\d{4}", period):
        return f"{period}年"
    return period


def movement_colour(value: float | None, direction: str = "up") -> str:
    """Green when ``value`` moves the way the indicator's ``direction`` calls good, red when it
    moves the other way, blue for ``direction = none`` or no value.

    >>> movement_colour(3.0), movement_colour(-1.0), movement_colour(-1.0, "down")
    ('#2e9d4f', '#c62828', '#2e9d4f')
    """
    if value is None or direction == "none" or value == 0:
        return NEUTRAL
    good = value > 0 if direction == "up" else value < 0
    return GOOD if good else BAD


def _base(unit: str, lang: str, **extra: Any) -> Figure:
    option: Figure = {
        "cmon": {"unit": unit, "lang": lang},
        "tooltip": {"trigger": "axis", "confine": True},
        "grid": {"left": 12, "right": 24, "top": 36, "bottom": 12, "containLabel": True},
        "textStyle": {
            "fontFamily": "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
        },
    }
    option.update(extra)
    return option


def _value_axis(name: str = "") -> dict[str, Any]:
    return {"type": "value", "name": name, "scale": False, "splitLine": {"show": True}}


def sparkline(
    periods: Sequence[str], values: Sequence[float | None], *, unit: str = "count", lang: str = "zh"
) -> Figure:
    """A small line without axes for a headline card (tooltip in 万/亿)."""
    return _base(
        unit,
        lang,
        grid={"left": 2, "right": 2, "top": 4, "bottom": 2},
        xAxis={"type": "category", "show": False, "data": [period_label(p, lang) for p in periods]},
        yAxis={"type": "value", "show": False, "scale": True},
        series=[
            {"type": "line", "data": list(values), "showSymbol": False, "lineStyle": {"width": 2}}
        ],
    )


def lines(
    traces: Sequence[tuple[str, Sequence[str], Sequence[float | None]]],
    *,
    unit: str = "count",
    lang: str = "zh",
    y_title: str = "",
    dashed: Sequence[str] = (),
    goal: tuple[str, float] | None = None,
) -> Figure:
    """One line per ``(name, periods, values)``; traces named in ``dashed`` are dashed
    (comparisons); ``goal = (label, value)`` draws a horizontal goal line."""
    periods = list(traces[0][1]) if traces else []
    series: list[dict[str, Any]] = [
        {
            "type": "line",
            "name": name,
            "data": list(y),
            "connectNulls": False,
            "lineStyle": {"type": "dashed"} if name in dashed else {},
        }
        for name, _x, y in traces
    ]
    if goal is not None and series:
        series[0]["markLine"] = goal_line(*goal)
    return _base(
        unit,
        lang,
        legend={"top": 0},
        xAxis={"type": "category", "data": [period_label(p, lang) for p in periods]},
        yAxis=_value_axis(y_title),
        series=series,
    )


def goal_line(label: str, value: float, colour: str = BAD) -> dict[str, Any]:
    """An ECharts ``markLine`` at ``value`` named ``label`` (a goal or a threshold)."""
    return {
        "symbol": "none",
        "silent": True,
        "lineStyle": {"type": "dashed", "color": colour, "width": 2},
        "label": {"formatter": f"{label}", "position": "insideEndTop"},
        "data": [{"yAxis": value, "name": label}],
    }


def bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "count",
    lang: str = "zh",
    name: str = "",
    horizontal: bool = False,
    y_title: str = "",
    colours: Sequence[str] | None = None,
) -> Figure:
    """A bar chart (horizontal for long labels such as 商圈 names); ``colours`` colour each bar
    (status or good/bad movement), else one neutral blue."""
    data: list[Any] = [
        {"value": v, "itemStyle": {"color": c}}
        for v, c in zip(values, colours or [NEUTRAL] * len(values), strict=True)
    ]
    category: dict[str, Any] = {"type": "category", "data": list(labels)}
    value_axis = _value_axis(y_title)
    option = _base(
        unit,
        lang,
        series=[{"type": "bar", "name": name, "data": data, "barMaxWidth": 36}],
        tooltip={"trigger": "axis", "axisPointer": {"type": "shadow"}, "confine": True},
    )
    if horizontal:
        option.update(xAxis=value_axis, yAxis=category)
    else:
        category["axisLabel"] = {"interval": 0, "rotate": 30 if len(labels) > 8 else 0}
        option.update(xAxis=category, yAxis=value_axis)
    return option


def add_bars(option: Figure, name: str, values: Sequence[float | None], colour: str) -> Figure:
    """Add a second bar series (e.g. last year's holiday) to a :func:`bars` option."""
    option["series"].append(
        {"type": "bar", "name": name, "data": list(values), "itemStyle": {"color": colour},
         "barMaxWidth": 36}
    )  # fmt: skip
    option["legend"] = {"top": 0}
    return option


def district_map(
    rows: Sequence[Mapping[str, Any]],
    *,
    map_name: str,
    geo_url: str,
    unit: str,
    lang: str,
    unit_text: str,
) -> Figure:
    """A choropleth of a city's districts.

    ``rows`` hold ``code`` (the admin code: the boundary feature's name, renamed to ``name``
    through ``nameMap`` so values join on the shown name), ``value`` (None: grey, "no data")
    and ``tip`` (the tooltip lines: value, 同比, share, rank). The colour bar (``visualMap``)
    says its unit (``unit_text``).
    """
    values = [float(r["value"]) for r in rows if r.get("value") is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if low == high:
        high = low + 1.0
    data = [
        {"name": r["name"], "code": r["code"], "value": r.get("value"), "tip": r["tip"]}
        for r in rows
    ]
    return _base(
        unit,
        lang,
        cmon={"unit": unit, "lang": lang, "geo": geo_url, "map": map_name},
        tooltip={"trigger": "item", "confine": True},
        visualMap={
            "type": "continuous",
            "min": low,
            "max": high,
            "left": 8,
            "bottom": 8,
            "calculable": True,
            "text": [unit_text, ""],
            "inRange": {"color": MAP_SCALE},
        },
        series=[
            {
                "type": "map",
                "map": map_name,
                "roam": False,
                "nameMap": {r["code"]: r["name"] for r in rows},
                "label": {"show": True, "fontSize": 11},
                "itemStyle": {"borderColor": "#ffffff", "borderWidth": 1, "areaColor": "#d9d9d9"},
                "emphasis": {"label": {"show": True}, "itemStyle": {"areaColor": "#f2b134"}},
                "data": data,
            }
        ],
    )


def fan(
    labels: Sequence[str],
    current: Sequence[float | None],
    goal: Sequence[float | None],
    path: Sequence[float | None],
    fans: Sequence[tuple[float, float, float] | None],
    names: Mapping[str, str],
    *,
    unit: str = "count",
    lang: str = "zh",
    statuses: Sequence[str] = (),
) -> Figure:
    """Per dated value of a target: current value (a bar in that value's status colour), the
    plan path, the goal (a red goal mark per value) and the projection fan (P50 with P10–P90)."""
    colours = list(statuses) + ["no_data"] * (len(labels) - len(statuses))
    low = [f[0] if f else None for f in fans]
    band = [f[2] - f[0] if f else None for f in fans]
    p50 = [f[1] if f else None for f in fans]
    series: list[dict[str, Any]] = [
        {"type": "bar", "name": names["current"], "barMaxWidth": 40,
         "data": [{"value": v, "itemStyle": {"color": STATUS_COLOURS.get(c, NEUTRAL)}}
                  for v, c in zip(current, colours, strict=False)]},
        {"type": "line", "name": names["path"], "data": list(path), "symbol": "diamond",
         "symbolSize": 12, "lineStyle": {"type": "dotted"}},
        {"type": "scatter", "name": names["goal"], "data": list(goal), "symbol": "rect",
         "symbolSize": [44, 4], "itemStyle": {"color": BAD}},
        {"type": "bar", "name": "p10", "stack": "fan", "data": low, "silent": True,
         "itemStyle": {"color": "transparent"}, "tooltip": {"show": False}, "barGap": "-100%",
         "barMaxWidth": 14},
        {"type": "bar", "name": names["fan"], "stack": "fan", "data": band, "barMaxWidth": 14,
         "itemStyle": {"color": "rgba(59,125,216,0.35)"}},
        {"type": "scatter", "name": "P50", "data": p50, "symbolSize": 10,
         "itemStyle": {"color": "#1b5aa6"}},
    ]  # fmt: skip
    return _base(
        unit,
        lang,
        legend={"top": 0, "data": [names["current"], names["path"], names["goal"], names["fan"]]},
        xAxis={"type": "category", "data": list(labels)},
        yAxis=_value_axis(),
        series=series,
    )


def status_ring(counts: Mapping[str, int], labels: Mapping[str, str], *, lang: str) -> Figure:
    """The targets' statuses as a ring (donut) in the semantic colours, worst first."""
    order = ["off_track", "at_risk", "watch", "on_track", "achieved", "no_data"]
    data = [
        {"name": labels.get(s, s), "value": counts[s],
         "itemStyle": {"color": STATUS_COLOURS.get(s, NEUTRAL)}}
        for s in order if counts.get(s)
    ]  # fmt: skip
    return _base(
        "count",
        lang,
        tooltip={"trigger": "item", "confine": True},
        legend={"bottom": 0, "icon": "circle"},
        series=[
            {
                "type": "pie",
                "radius": ["48%", "72%"],
                "center": ["50%", "44%"],
                "label": {"formatter": "{b} {c}"},
                "data": data,
            }
        ],
    )


def chain_graph(graph: Mapping[str, Any], lang: str, status_labels: Mapping[str, str]) -> Figure:
    """An industry chain (``chains.chain_graph`` output): nodes by position (x) and tier (y),
    edges as lines; node colour is the gap status (green ok, amber weak, red missing)."""
    nodes = list(graph.get("nodes", []))
    colours = {"ok": GOOD, "weak": "#e6a700", "missing": BAD}
    tiers: dict[str, int] = {}
    for node in nodes:
        tiers.setdefault(str(node.get("tier")), len(tiers))
    label = "label_zh" if lang == "zh" else "label_en"
    known = {n["id"] for n in nodes}
    return _base(
        "count",
        lang,
        tooltip={"trigger": "item", "confine": True},
        series=[
            {
                "type": "graph",
                "layout": "none",
                "symbolSize": 18,
                "label": {"show": True, "position": "top"},
                "lineStyle": {"color": "#9e9e9e"},
                "edgeSymbol": ["none", "arrow"],
                "data": [
                    {
                        "id": n["id"],
                        "name": n.get(label) or n["id"],
                        "x": float(n.get("position") or 0) * 120,
                        "y": float(tiers[str(n.get("tier"))]) * 90,
                        "itemStyle": {"color": colours.get(str(n.get("status")), "#9e9e9e")},
                        "tip": [
                            str(n.get(label) or n["id"]),
                            status_labels.get(str(n.get("status")), "—"),
                        ],
                    }
                    for n in nodes
                ],
                "links": [
                    {"source": e["source"], "target": e["target"]}
                    for e in graph.get("edges", [])
                    if e["source"] in known and e["target"] in known
                ],
            }
        ],
    )
