"""Plotly figures as plain JSON dicts (``{"data": [...], "layout": {...}}``).

Pages embed them in ``<script type="application/json">`` blocks and ``static/charts.js`` draws
them with the local plotly.js, so no inline script is needed under the CSP. Nothing here loads
map tiles or topojson from another host: the district map is a schematic tile grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Figure = dict[str, Any]

#: Schematic position (row from the north, column from the west) of each Tianjin district on
#: the tile map: roughly geographic, not to scale. Codes are the admin codes of the catalog.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "120119": (0, 3),  # 蓟州区
    "120114": (1, 1),  # 武清区
    "120115": (1, 3),  # 宝坻区
    "120117": (1, 4),  # 宁河区
    "120113": (2, 2),  # 北辰区
    "120106": (2, 3),  # 红桥区
    "120105": (2, 4),  # 河北区
    "120110": (2, 5),  # 东丽区
    "120111": (3, 1),  # 西青区
    "120104": (3, 2),  # 南开区
    "120101": (3, 3),  # 和平区
    "120102": (3, 4),  # 河东区
    "120116": (3, 6),  # 滨海新区
    "120118": (4, 1),  # 静海区
    "120103": (4, 3),  # 河西区
    "120112": (4, 4),  # 津南区
}

_BASE_LAYOUT: dict[str, Any] = {
    "margin": {"t": 30, "r": 20, "b": 40, "l": 50},
    "font": {"family": "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"},
    "legend": {"orientation": "h"},
}


def _layout(**extra: Any) -> dict[str, Any]:
    layout = dict(_BASE_LAYOUT)
    layout.update(extra)
    return layout


def sparkline(periods: Sequence[str], values: Sequence[float | None]) -> Figure:
    """A small line without axes for a headline card."""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": list(periods),
                "y": list(values),
                "line": {"width": 2},
                "hoverinfo": "x+y",
            }
        ],
        "layout": {
            "margin": {"t": 2, "r": 2, "b": 2, "l": 2},
            "height": 48,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "showlegend": False,
        },
        "config": {"staticPlot": True},
    }


def lines(
    traces: Sequence[tuple[str, Sequence[str], Sequence[float | None]]],
    *,
    y_title: str = "",
    dashed: Sequence[str] = (),
) -> Figure:
    """One line per ``(name, x, y)``; traces named in ``dashed`` are dashed (comparisons)."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": list(x),
            "y": list(y),
            "line": {"dash": "dash"} if name in dashed else {},
        }
        for name, x, y in traces
    ]
    return {"data": data, "layout": _layout(yaxis={"title": {"text": y_title}})}


def bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    name: str = "",
    horizontal: bool = False,
    y_title: str = "",
) -> Figure:
    """A bar chart (horizontal for long labels such as 商圈 names)."""
    trace: dict[str, Any] = {"type": "bar", "name": name}
    if horizontal:
        trace.update(y=list(labels), x=list(values), orientation="h")
        layout = _layout(margin={"t": 20, "r": 20, "b": 40, "l": 160})
    else:
        trace.update(x=list(labels), y=list(values))
        layout = _layout(yaxis={"title": {"text": y_title}})
    return {"data": [trace], "layout": layout}


def tile_map(
    values: Mapping[str, float | None],
    names: Mapping[str, str],
    texts: Mapping[str, str],
    *,
    title: str = "",
    no_data: str = "—",
) -> Figure:
    """The 16 districts as a labelled tile grid coloured by ``values`` (works offline).

    Districts without a value are drawn grey with ``no_data``; hover shows the formatted text.
    """
    have = [c for c in TILE_POSITIONS if values.get(c) is not None]
    missing = [c for c in TILE_POSITIONS if values.get(c) is None]

    def trace(codes: list[str], coloured: bool) -> dict[str, Any]:
        marker: dict[str, Any] = {
            "symbol": "square",
            "size": 74,
            "line": {"width": 1, "color": "#ffffff"},
        }
        if coloured:
            marker.update(
                color=[values[c] for c in codes],
                # light to mid orange: the dark labels stay readable on every tile
                colorscale=[[0.0, "#fff5eb"], [0.5, "#fdae6b"], [1.0, "#e6550d"]],
                showscale=True,
                colorbar={"title": {"text": title}},
            )
        else:
            marker["color"] = "#d9d9d9"
        return {
            "type": "scatter",
            "mode": "markers+text",
            "x": [TILE_POSITIONS[c][1] for c in codes],
            "y": [-TILE_POSITIONS[c][0] for c in codes],
            "text": [names.get(c, c) for c in codes],
            "customdata": [texts.get(c, no_data) for c in codes],
            "hovertemplate": "%{text}<br>%{customdata}<extra></extra>",
            "textfont": {"size": 12, "color": "#1d2733"},
            "marker": marker,
            "showlegend": False,
        }

    data = [trace(have, True)] if have else []
    if missing:
        data.append(trace(missing, False))
    hidden = {"visible": False, "range": [-0.7, 6.7]}
    return {
        "data": data,
        "layout": _layout(
            height=480,
            xaxis=hidden,
            yaxis={"visible": False, "range": [-4.7, 0.7]},
            margin={"t": 10, "r": 10, "b": 10, "l": 10},
        ),
    }


def fan(
    labels: Sequence[str],
    current: Sequence[float | None],
    goal: Sequence[float | None],
    path: Sequence[float | None],
    fans: Sequence[tuple[float, float, float] | None],
    names: Mapping[str, str],
) -> Figure:
    """Per dated value of a target: current value, plan path, goal and the projection fan
    (P50 with a P10–P90 bar)."""
    p50 = [f[1] if f else None for f in fans]
    plus = [f[2] - f[1] if f else None for f in fans]
    minus = [f[1] - f[0] if f else None for f in fans]
    data = [
        {"type": "bar", "name": names["current"], "x": list(labels), "y": list(current)},
        {
            "type": "scatter",
            "mode": "markers",
            "name": names["path"],
            "x": list(labels),
            "y": list(path),
            "marker": {"symbol": "diamond", "size": 12},
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": names["goal"],
            "x": list(labels),
            "y": list(goal),
            "marker": {"symbol": "star", "size": 14},
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": names["fan"],
            "x": list(labels),
            "y": p50,
            "error_y": {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
            "marker": {"size": 10},
        },
    ]
    return {"data": data, "layout": _layout(xaxis={"type": "category"})}


def chain_graph(graph: Mapping[str, Any], lang: str) -> Figure:
    """An industry chain (``chains.chain_graph`` output) as nodes by position and tier, edges as
    lines; node colour is the gap status."""
    nodes = list(graph.get("nodes", []))
    colours = {"ok": "#2e7d32", "weak": "#f9a825", "missing": "#c62828", None: "#9e9e9e"}
    tiers: dict[str, int] = {}
    for node in nodes:
        tiers.setdefault(str(node.get("tier")), len(tiers))
    where = {
        n["id"]: (float(n.get("position") or 0), float(tiers[str(n.get("tier"))])) for n in nodes
    }
    xs: list[float | None] = []
    ys: list[float | None] = []
    for edge in graph.get("edges", []):
        a, b = where.get(edge["source"]), where.get(edge["target"])
        if a is None or b is None:
            continue
        xs += [a[0], b[0], None]
        ys += [a[1], b[1], None]
    label = "label_zh" if lang == "zh" else "label_en"
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": xs,
            "y": ys,
            "line": {"color": "#9e9e9e", "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [where[n["id"]][0] for n in nodes],
            "y": [where[n["id"]][1] for n in nodes],
            "text": [n.get(label) or n["id"] for n in nodes],
            "textposition": "top center",
            "marker": {
                "size": 18,
                "color": [colours.get(n.get("status"), "#9e9e9e") for n in nodes],
            },
            "customdata": [n.get("status") or "—" for n in nodes],
            "hovertemplate": "%{text}<br>%{customdata}<extra></extra>",
            "showlegend": False,
        },
    ]
    return {
        "data": data,
        "layout": _layout(
            height=360, xaxis={"visible": False}, yaxis={"visible": False, "autorange": "reversed"}
        ),
    }
