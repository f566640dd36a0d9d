"""The report as one self-contained HTML page: inline CSS, charts as base64 PNG data URIs, no
scripts and no external requests (it must open on an offline government network)."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, select_autoescape

from consumption_monitor.report.model import Report

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if report.lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ report.title }} {{ report.subtitle }}</title>
<style>
body { font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif;
       max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.7; }
h1 { text-align: center; margin-bottom: 0.2em; }
.subtitle { text-align: center; color: #555; }
h2 { border-bottom: 2px solid #2c7fb8; padding-bottom: 0.2em; margin-top: 2em; }
p.narrative { text-indent: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; width: 100%; font-size: 0.9em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; vertical-align: top; }
th { background: #d9e2f3; }
td.num { text-align: right; white-space: nowrap; }
.note { color: #666; font-size: 0.85em; font-style: italic; }
img.chart { max-width: 100%; display: block; margin: 0.5em auto; }
</style>
</head>
<body>
<h1>{{ report.title }}</h1>
<p class="subtitle">{{ report.subtitle }}</p>
{% for section in report.sections %}
<section id="{{ section.key }}">
<h2>{{ section.title }}</h2>
{% for p in section.paragraphs %}<p class="narrative">{{ p }}</p>
{% endfor %}
{% for chart in section.charts %}{% if chart.key in images %}
<img class="chart" alt="{{ chart.title }}" src="data:image/png;base64,{{ images[chart.key] }}">
{% endif %}{% endfor %}
{% for table in section.tables %}
<table>
<caption>{{ table.title }}</caption>
<thead><tr>{% for c in table.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in table.rows %}<tr>{% for cell in row -%}
<td{% if cell.value is not none %} class="num"{% endif %}>{{ cell.text }}</td>
{%- endfor %}</tr>
{% endfor %}</tbody>
</table>
{% if table.note %}<p class="note">{{ table.note }}</p>{% endif %}
{% endfor %}
{% for note in section.notes %}<p class="note">{{ note }}</p>
{% endfor %}
</section>
{% endfor %}
<p class="note">{{ generated }}</p>
</body>
</html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True)


def render_html(report: Report, charts: dict[str, bytes]) -> str:
    """The page as a string."""
    images = {k: base64.b64encode(v).decode("ascii") for k, v in charts.items()}
    stamp = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    generated = f"生成时间：{stamp}" if report.lang == "zh" else f"Generated {stamp}"
    return _ENV.from_string(_TEMPLATE).render(report=report, images=images, generated=generated)


def write_html(report: Report, charts: dict[str, bytes], path: Path) -> Path:
    """Write ``report`` to ``path`` (.html, UTF-8)."""
    path.write_text(render_html(report, charts), encoding="utf-8")
    return path
