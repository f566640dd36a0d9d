"""专项监测 (#22): 以旧换新 by category, 离境退税/免税, 入境消费 by card, the service-consumption
estimate and 首发经济 by 商圈 — a thin adapter over :mod:`programme_data`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from consumption_monitor.web.deps import Settings
from consumption_monitor.web.forms import PeriodText, parse_period
from consumption_monitor.web.pages_analysis import Reader
from consumption_monitor.web.programme_data import programmes_view
from consumption_monitor.web.templating import render

router = APIRouter()


def _month(period: str | None) -> str | None:
    """The month a typed period ends in: a year or quarter shows its last month (whose
    year-to-date figures cover it).

    >>> _month("2025"), _month("2025-Q3"), _month("2025-06"), _month(None)
    ('2025-12', '2025-09', '2025-06', None)
    """
    if period is None or (len(period) == 7 and period[5] != "Q"):
        return period
    if len(period) == 4:
        return f"{period}-12"
    return f"{period[:4]}-{int(period[-1]) * 3:02d}"


@router.get("/programmes")
def programmes_page(
    request: Request, settings: Settings, user: Reader, period: PeriodText = None
) -> Response:
    """The plan's programmes, each with its 口径; "—" always says why."""
    lang = request.state.lang
    chosen = _month(parse_period(period, "period"))
    view = programmes_view(settings, lang, chosen)
    return render(request, "programmes.html", {"view": view, "period": chosen or ""}, user=user)
