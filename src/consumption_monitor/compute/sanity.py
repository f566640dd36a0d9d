"""Growth sanity, in one place: incomplete periods and small bases.

A month the data cover only in part is not a month. The card feed starts on the first day of
its window, but a payment at 00:30 belongs to the previous business day (``txn_ts - 2 h``), so
the month before the window gets a "period" made of two hours; a feed that stops mid-month
leaves a partial last month. Such a period must never be a point (its night share is 100%) nor
a base (its YoY is +400 000%). Rules, applied by :func:`finish_table` on every run:

- **Incomplete period** (note :data:`INCOMPLETE`): a card row whose period (month; Jan–Feb for
  ``YYYY-02``) is not wholly inside the feed's covered days ``[first, last]`` gets value,
  numerator, denominator and growth null. The covered days are the calendar days of the
  first and last payment (:func:`card_coverage`).
- **Incomplete base** (note :data:`BASE_INCOMPLETE`): a same-set growth whose base row is
  incomplete is null.
- **Small base** (note :data:`SMALL_BASE`): a same-set growth (computed here from levels, never
  an official rate) whose base is below :data:`SMALL_BASE_SHARE` of the series' median level is
  null: a base that small is a stub, not a comparable period (NBS publishes no rate on a
  base it does not consider comparable; 5% is our threshold, documented in docs/web.md).

- **Implausible growth** (note :data:`IMPLAUSIBLE`): a same-set growth beyond ±
  :data:`GROWTH_CAP_PCT` (500%) on a complete base is null unless the indicator declares a
  larger ``params.growth_cap_pct`` (the data prove it: a programme that starts from nothing).

Pages, the API (``reason``) and reports print "—" with the note's reason (:data:`REASONS`);
the monitor's ``growth_sanity`` metric (:func:`withheld_counts`) counts the withheld figures so
an alert rule can fire on them.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis.expr.types as ir
import numpy as np
import pandas as pd

INCOMPLETE = "incomplete"
BASE_INCOMPLETE = "base_incomplete"
SMALL_BASE = "small_base"
IMPLAUSIBLE = "implausible_growth"
#: A same-set growth beyond ± this many percent is withheld unless the indicator allows more.
GROWTH_CAP_PCT = 500.0
#: A base below this share of the series' median level is a stub.
SMALL_BASE_SHARE = 0.05
#: Indicator kinds read from the card feed (their periods are checked against its coverage).
CARD_KINDS = frozenset({"card_sum", "card_count", "card_night_share"})
#: Why a figure is shown as "—": note → (zh, en).
REASONS: dict[str, tuple[str, str]] = {
    INCOMPLETE: ("数据不完整（该期未覆盖整月）", "incomplete period (the data do not cover it)"),
    BASE_INCOMPLETE: ("基期数据不完整，不计算增速", "base period incomplete: no growth"),
    SMALL_BASE: ("基数过小，不计算增速", "base too small: no growth"),
    IMPLAUSIBLE: ("增速超过±500%，待核实数据", "growth beyond ±500%: data to be checked"),
}
SANITY_NOTES = frozenset(REASONS)


def reason(note: object, lang: str) -> str:
    """The reason printed next to "—" for a sanity note, else ``""``.

    >>> reason("small_base", "zh"), reason("suppressed", "en")
    ('基数过小，不计算增速', '')
    """
    pair = REASONS.get(str(note)) if isinstance(note, str) else None
    return "" if pair is None else (pair[0] if lang == "zh" else pair[1])


def screen_growth(
    growth: float | None,
    base: float | None,
    *,
    median: float | None = None,
    base_note: str = "",
    cap: float = GROWTH_CAP_PCT,
) -> tuple[float | None, str]:
    """One growth figure through the rules: ``(growth or None, note)``, note ``""`` if kept.

    >>> screen_growth(4399.2, 3.91e4, median=1.7e8)
    (None, 'small_base')
    >>> screen_growth(620.0, 1.0e8, median=1.5e8), screen_growth(5.0, 1.0, base_note="incomplete")
    ((None, 'implausible_growth'), (None, 'base_incomplete'))
    >>> screen_growth(12.5, 1.0e8, median=1.1e8)
    (12.5, '')
    """
    if growth is None or not np.isfinite(growth):
        return None, ""
    if base_note == INCOMPLETE:
        return None, BASE_INCOMPLETE
    if base is not None and median is not None and abs(base) < SMALL_BASE_SHARE * abs(median):
        return None, SMALL_BASE
    if abs(growth) > cap:
        return None, IMPLAUSIBLE
    return growth, ""


def withheld_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Figures withheld by these rules per indicator and region: ``indicator, region, note,
    count`` (the monitor's ``growth_sanity`` metric)."""
    cols = ["indicator", "region", "note", "count"]
    if table.empty or "note" not in table:
        return pd.DataFrame(columns=cols)
    hit = table[table["note"].isin(SANITY_NOTES)]
    if hit.empty:
        return pd.DataFrame(columns=cols)
    return hit.groupby(["indicator", "region", "note"]).size().rename("count").reset_index()


def card_coverage(card: ir.Table) -> tuple[date, date] | None:
    """First and last calendar day with a payment (one tiny aggregate), or ``None``."""
    ts = card.txn_ts.cast("timestamp")
    out = card.aggregate(first=ts.min(), last=ts.max()).execute()
    first, last = out["first"].iloc[0], out["last"].iloc[0]
    if pd.isna(first) or pd.isna(last):
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def month_span(period: str) -> tuple[date, date]:
    """Days a month period spans; ``YYYY-02`` is Jan–Feb (January is reported with February).

    >>> month_span("2025-02")
    (datetime.date(2025, 1, 1), datetime.date(2025, 2, 28))
    """
    year, month = int(period[:4]), int(period[5:7])
    start = date(year, 1 if month == 2 else month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return start, end


def mark_incomplete(df: pd.DataFrame, kinds: dict[str, str], cover: tuple[date, date] | None
                    ) -> pd.DataFrame:  # fmt: skip
    """Blank the card rows of periods outside ``cover`` (note :data:`INCOMPLETE`)."""
    if cover is None or df.empty:
        return df
    first, last = cover
    card = df.indicator.map(kinds).isin(CARD_KINDS) & (df.basis == "month")
    spans = {p: month_span(p) for p in df.loc[card, "period"].unique()}
    bad = {p for p, (s, e) in spans.items() if s < first or e > last}
    hit = card & df.period.isin(bad)
    if hit.any():
        df = df.copy()
        df.loc[hit, ["value", "numerator", "denominator", "yoy_pct"]] = np.nan
        df.loc[hit, "note"] = INCOMPLETE
    return df


def guard_growth(df: pd.DataFrame, base_value: pd.Series, base_note: pd.Series,
                 column: str, same_set: np.ndarray,
                 caps: np.ndarray | None = None) -> pd.DataFrame:  # fmt: skip
    """Null ``column`` (a growth computed from ``base_value``) on an incomplete or small base,
    or beyond its cap (``caps`` per row, default :data:`GROWTH_CAP_PCT`).

    ``base_value`` / ``base_note`` are the base rows aligned to ``df``; ``same_set`` marks the
    rows whose growth was computed from levels (official rates are left alone).
    """
    key = ["indicator", "region", "basis", "dim", "dim_value"]
    median = df.groupby(key, dropna=False)["value"].transform(lambda s: s.abs().median())
    base = pd.to_numeric(base_value, errors="coerce").to_numpy()
    has_growth = df[column].notna().to_numpy()
    incomplete = (base_note.to_numpy() == INCOMPLETE) & same_set
    small = same_set & has_growth & (np.abs(base) < SMALL_BASE_SHARE * median.to_numpy())
    limit = np.full(len(df), GROWTH_CAP_PCT) if caps is None else caps
    grown = pd.to_numeric(df[column], errors="coerce").abs().to_numpy()
    wild = same_set & has_growth & (grown > limit) & ~incomplete & ~small
    df.loc[incomplete | small | wild, column] = np.nan
    free = df.note.fillna("").eq("").to_numpy()
    df.loc[incomplete & free, "note"] = BASE_INCOMPLETE
    df.loc[small & free & ~incomplete, "note"] = SMALL_BASE
    df.loc[wild & free, "note"] = IMPLAUSIBLE
    return df
