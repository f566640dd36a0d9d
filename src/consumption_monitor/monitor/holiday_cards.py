"""Card spending over a holiday block (the lead of the 节日快报, as MOFCOM's and Beijing's do):
all cards, non-local (外省) and inbound (境外) cards, against the same holiday one year earlier
(for 春节 the lunar-aligned block, see :func:`consumption_monitor.calendar.previous_block`).

Per block and card origin the engine sums the amounts and counts distinct merchants and cards
(:func:`read_card_blocks`); :func:`card_figures` turns that into figures with the privacy rule of
the monthly card table: an origin cell with fewer merchants or cards than the thresholds is
suppressed in either block (primary), and because the three origins add up to the published
total, a single suppressed origin takes the smallest other origin with it (complementary), so
no suppressed amount is the difference of published ones. Growth uses daily averages when the
blocks differ in length (:func:`.holiday.holiday_growth`).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import pandas as pd
from pydantic import BaseModel

from consumption_monitor.calendar import HolidayBlock
from consumption_monitor.config import Settings

#: Card origins in the order the flash report states them: (code, zh, en).
ORIGINS = (
    ("", "银行卡消费", "card spending"),
    ("local", "本地卡", "local cards"),
    ("other_province", "外地卡（外省）", "non-local cards (other provinces)"),
    ("overseas", "境外卡（入境消费）", "overseas cards (inbound)"),
)


class CardHolidayFigure(BaseModel):
    """Card spending of one origin ('' = all cards) over the block and its base (元)."""

    origin: str
    label: str
    label_en: str
    spending: float | None
    spending_base: float | None
    share_pct: float | None
    growth_pct: float | None
    suppressed: bool = False


def read_card_blocks(
    con: ibis.BaseBackend, settings: Settings, blocks: Sequence[HolidayBlock]
) -> pd.DataFrame:
    """Per block key and origin ('' = all): amount sum, distinct merchants, distinct cards."""
    from consumption_monitor.store import Store

    parts = []
    with Store(settings) as store:
        card = store.read_table(con, "card_transactions")
        day = card.txn_ts.cast("date")
        for block in blocks:
            rows = card.filter(day.isin(block.dates()))
            by = rows.group_by(origin=rows.card_origin.cast("string")).aggregate(
                amount=rows.amount.cast("float64").sum(),
                merchants=rows.merchant_id.nunique(),
                cards=rows.card_hash.nunique(),
            )
            total = rows.aggregate(
                amount=rows.amount.cast("float64").sum(),
                merchants=rows.merchant_id.nunique(),
                cards=rows.card_hash.nunique(),
            ).mutate(origin=ibis.literal(""))
            frame = pd.concat([by.to_pandas(), total.to_pandas()], ignore_index=True)
            frame["block"] = block.key
            parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    kept: pd.DataFrame = out[out["amount"].notna()].reset_index(drop=True)
    return kept


def card_figures(
    agg: pd.DataFrame,
    block: HolidayBlock,
    base: HolidayBlock,
    *,
    min_merchants: int,
    min_cards: int,
) -> list[CardHolidayFigure]:
    """Figures for all cards and each origin (see the module docstring); empty without data."""
    from consumption_monitor.monitor.holiday import holiday_growth

    def cell(key: str, origin: str) -> tuple[float | None, bool]:
        r = agg[(agg["block"] == key) & (agg["origin"] == origin)]
        if r.empty:
            return None, False
        small = int(r["merchants"].iloc[0]) < min_merchants or int(r["cards"].iloc[0]) < min_cards
        return float(r["amount"].iloc[0]), small

    total, _ = cell(block.key, "")
    if total is None:
        return []
    raw = {}
    for origin, _zh, _en in ORIGINS:
        cur, small_cur = cell(block.key, origin)
        prev, small_prev = cell(base.key, origin)
        raw[origin] = (cur, prev, origin != "" and (small_cur or small_prev))
    hidden = {o for o, (_, _, s) in raw.items() if s}
    parts = [o for o, *_ in ORIGINS if o]
    if len(hidden) == 1:  # one suppressed part of a published total is a difference: add one
        shown = [o for o in parts if o not in hidden and raw[o][0] is not None]
        if shown:
            hidden.add(min(shown, key=lambda o: raw[o][0] or 0.0))
    out = []
    for origin, zh, en in ORIGINS:
        cur, prev, _ = raw[origin]
        hide = origin in hidden
        growth = None
        if not hide and cur is not None and prev is not None:
            growth = holiday_growth(cur, block.days, prev, base.days)
        share = None if hide or cur is None or not total else cur / total * 100.0
        out.append(
            CardHolidayFigure(
                origin=origin,
                label=zh,
                label_en=en,
                spending=None if hide else cur,
                spending_base=None if hide else prev,
                share_pct=share if origin else None,
                growth_pct=growth,
                suppressed=hide,
            )
        )
    return out


__all__ = ["ORIGINS", "CardHolidayFigure", "card_figures", "read_card_blocks"]
