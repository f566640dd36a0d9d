"""Jinja2 environment and the one page renderer.

Every page gets ``t`` (translate into the page language), ``lang``, ``user`` (or ``None``),
``csrf_token`` for its forms, ``nav`` (only the items the user's role allows) and the money
filters. Templates carry stable ``id``/``data-testid`` attributes for the browser tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from consumption_monitor.auth import allowed
from consumption_monitor.auth.models import as_utc
from consumption_monitor.auth.roles import ROLE_LABELS, Action, Role
from consumption_monitor.clock import zone
from consumption_monitor.compute.sanity import reason
from consumption_monitor.indicators.format import english_money, format_money, format_value
from consumption_monitor.web.figures import period_label
from consumption_monitor.web.i18n import HTML_LANG, translate
from consumption_monitor.web.labels import label, note, target_value

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class NavItem:
    """One navigation link, shown when the role allows ``action``."""

    key: str
    href: str
    action: Action
    testid: str


NAV: tuple[NavItem, ...] = (
    NavItem("nav.overview", "/overview", Action.VIEW_OVERVIEW, "nav-overview"),
    NavItem("nav.explore", "/explore", Action.VIEW_INDICATORS, "nav-explore"),
    NavItem("nav.map", "/map", Action.VIEW_INDICATORS, "nav-map"),
    NavItem("nav.business_districts", "/business-districts", Action.VIEW_INDICATORS, "nav-bd"),
    NavItem("nav.holidays", "/holidays", Action.VIEW_INDICATORS, "nav-holidays"),
    NavItem("nav.programmes", "/programmes", Action.VIEW_INDICATORS, "nav-programmes"),
    NavItem("nav.plan", "/plan", Action.VIEW_PLAN, "nav-plan"),
    NavItem("nav.targets", "/targets", Action.VIEW_PLAN, "nav-targets"),
    NavItem("nav.evaluation", "/evaluation", Action.VIEW_EVALUATION, "nav-evaluation"),
    NavItem("nav.alerts", "/alerts", Action.VIEW_ALERTS, "nav-alerts"),
    NavItem("nav.projects", "/projects", Action.VIEW_PROJECTS, "nav-projects"),
    NavItem("nav.reports", "/reports", Action.VIEW_REPORTS, "nav-reports"),
    NavItem("nav.submissions", "/submissions", Action.VIEW_SUBMISSIONS, "nav-submissions"),
    NavItem("nav.bigscreen", "/bigscreen", Action.VIEW_OVERVIEW, "nav-bigscreen"),
    NavItem("nav.admin", "/admin", Action.MANAGE_USERS, "nav-admin"),
    NavItem("nav.audit", "/audit", Action.VIEW_AUDIT, "nav-audit"),
    NavItem("nav.api", "/docs", Action.VIEW_ACCOUNT, "nav-api"),
)


#: A table, with the ``table-scroll`` box it may already sit in (tables never nest here).
_TABLE = re.compile(r'(<div class="table-scroll">\s*)?<table\b.*?</table>', re.S)


def _boxed(match: re.Match[str]) -> str:
    whole = match.group(0)
    return whole if match.group(1) else f'<div class="table-scroll">{whole}</div>'


def scroll_tables(html: str) -> Markup:
    """Put every table of a rendered page body in a ``table-scroll`` box, so that on a phone a
    wide table scrolls inside its box and never widens the page (#20). Done once here, in
    base.html, instead of a wrapper in every template.

    >>> str(scroll_tables(Markup("<p>a</p><table><tr><td>1</td></tr></table>")))
    '<p>a</p><div class="table-scroll"><table><tr><td>1</td></tr></table></div>'
    >>> str(scroll_tables(Markup('<div class="table-scroll">\\n<table></table></div>')))
    '<div class="table-scroll">\\n<table></table></div>'
    """
    # The input is rendered template output, escaped already; only tags are added.
    return Markup(_TABLE.sub(_boxed, str(html)))  # noqa: S704


def build_templates(money_unit: str, city: str = "tianjin") -> Jinja2Templates:
    """The template environment (autoescaping on) with the number filters."""
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    env = templates.env

    def money(value: float | None, unit: str = "yuan", lang: str = "zh") -> str:
        text = format_money(value, unit, money_unit) or "—"
        return english_money(text) if lang == "en" else text

    def value_filter(value: float | None, unit: str, lang: str = "zh") -> str:
        return format_value(value, unit, money_unit, lang) or "—"

    def units_filter(text: object, lang: str = "zh") -> str:
        """A value already formatted for Chinese readers, in ``lang`` (3,601.50亿元 → 360.15
        billion yuan)."""
        return english_money(str(text)) if lang == "en" else str(text)

    @pass_context
    def label_filter(ctx: Context, code: object, kind: str) -> str:
        return label(kind, code, str(ctx.get("lang", "zh")), city)

    @pass_context
    def note_filter(ctx: Context, text: object) -> str:
        return note(text, str(ctx.get("lang", "zh")))

    env.filters["money"] = money
    env.filters["value"] = value_filter
    env.filters["units"] = units_filter
    env.filters["localtime"] = local_time
    env.globals["label_for"] = lambda kind, code, lang: label(kind, code, lang, city)
    env.filters["growth_reason"] = reason
    # 2025年11月 on Chinese pages, 2025-11 on English ones (web.figures.period_label).
    env.filters["period"] = period_label
    env.filters["scroll_tables"] = scroll_tables
    # One translation layer for every code a page shows (web/labels.py): {{ v|label('kind') }}.
    env.filters["label"] = label_filter
    env.filters["note"] = note_filter
    return templates


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment (UTC; naive values from SQLite are UTC) on the platform's clock
    (``CMON_TIMEZONE``, :func:`consumption_monitor.clock.zone`); ``""`` for none."""
    if value is None:
        return ""
    return as_utc(value).astimezone(zone()).strftime(fmt)


def role_label(role: str, lang: str) -> str:
    """The role's name in the page language."""
    try:
        zh, en = ROLE_LABELS[Role(role)]
    except ValueError:
        return role
    return zh if lang == "zh" else en


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    user: Any = None,
) -> HTMLResponse:
    """Render template ``name`` for ``request`` in the request's language."""
    state = request.app.state.cmon
    lang: str = getattr(request.state, "lang", None) or state.settings.lang
    session = getattr(request.state, "session", None)
    role = user.role if user is not None else None
    ctx: dict[str, Any] = {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "t": lambda key, **kw: translate(key, lang, **kw),
        "user": user,
        "role_label": (lambda r: role_label(r, lang)),
        # label('escalation', code): the code's name in the page language (web/labels.py).
        "label": (lambda kind, code: label(kind, code, lang, state.settings.city)),
        "target_value": (lambda value: target_value(value, lang)),
        "csrf_token": session.csrf if session is not None else "",
        "nav": [n for n in NAV if role is not None and allowed(role, n.action)],
        # Links are drawn only where the role may follow them: {% if may('view_alerts') %}.
        "may": lambda action: role is not None and allowed(role, action),
        # The language switch keeps the current selection (filters, view, unit…).
        "lang_href": lambda target: (
            "?"
            + urlencode(
                [
                    *((k, v) for k, v in request.query_params.multi_items() if k != "lang"),
                    ("lang", target),
                ]
            )
        ),
        "path": request.url.path,
        "zone_name": zone().key,
        "mode": state.settings.mode,
    }
    ctx.update(context or {})
    response: HTMLResponse = state.templates.TemplateResponse(
        request, name, ctx, status_code=status_code
    )
    return response
