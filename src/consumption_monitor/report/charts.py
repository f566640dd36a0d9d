"""Charts as PNG bytes with matplotlib's Agg canvas and the registered CJK font.

No pyplot state is used (a ``Figure`` per chart), so charts can be drawn from a server thread.
Missing values (``None``) are drawn as gaps.
"""

from __future__ import annotations

import io
import math

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from consumption_monitor.report.fonts import matplotlib_family
from consumption_monitor.report.model import Chart

_COLOURS = ("#c0392b", "#2c7fb8", "#7f8c8d", "#f39c12")


def _values(xs: list[float | None]) -> list[float]:
    return [math.nan if x is None or not math.isfinite(x) else float(x) for x in xs]


def render_chart(chart: Chart, *, dpi: int = 120) -> bytes:
    """Draw ``chart`` and return the PNG bytes."""
    family = matplotlib_family()
    n = len(chart.categories)
    height = max(3.2, 0.32 * n + 1.2) if chart.kind == "barh" else 3.6
    with mpl.rc_context({"font.family": [family], "axes.unicode_minus": False}):
        fig = Figure(figsize=(7.2, height), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        series = list(chart.series.items())
        if chart.kind == "line":
            for i, (name, ys) in enumerate(series):
                ax.plot(range(n), _values(ys), marker="o", label=name, color=_COLOURS[i % 4])
            ax.set_xticks(range(n), chart.categories)
        else:
            width = 0.8 / max(len(series), 1)
            for i, (name, ys) in enumerate(series):
                pos = [k + (i - (len(series) - 1) / 2) * width for k in range(n)]
                if chart.kind == "barh":
                    ax.barh(pos, _values(ys), height=width, label=name, color=_COLOURS[i % 4])
                else:
                    ax.bar(pos, _values(ys), width=width, label=name, color=_COLOURS[i % 4])
            if chart.kind == "barh":
                ax.set_yticks(range(n), chart.categories)
                ax.invert_yaxis()
                ax.axvline(0, color="#555555", linewidth=0.8)
                ax.set_xlabel(chart.ylabel)
            else:
                ax.set_xticks(range(n), chart.categories, rotation=45, ha="right")
                ax.axhline(0, color="#555555", linewidth=0.8)
        if chart.kind != "barh":
            ax.set_ylabel(chart.ylabel)
        ax.set_title(chart.title)
        ax.grid(alpha=0.3)
        if len(series) > 1:
            ax.legend()
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
