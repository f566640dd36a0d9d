"""User-defined alert rules (YAML), their evaluation on daily metrics, and the alert lifecycle
(open → acknowledged → resolved) in the metadata database, with delivery through channels.

Rule file (``cmon alerts check --rules rules.yaml``)::

    channels:
      ops_wecom: {kind: wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."}
      office_mail: {kind: smtp, host: smtp.example.gov.cn, port: 25,
                    sender: cmon@example.gov.cn, recipients: [office@example.gov.cn]}
    rules:
      - name: district_card_drop
        indicator: card_spending        # series indicator (see docs/monitoring.md)
        region: "*"                     # "*" any; city code; district code/name; 商圈 id
        condition: "yoy_pct < -10"      # FIELD OP NUMBER; FIELD in value, yoy_pct, zscore,
                                        #   change_pct, baseline, missing_days
        window: 3                       # must hold on each of the last 3 days
        severity: warning               # info, warning, critical
        channels: [ops_wecom]

A condition on a missing value (no baseline yet, no data last year) is false: no alert from
absent data, except through ``missing_days`` rules on the ``feed`` indicator.

Without a rule file the bundled rules apply (:func:`default_rules`,
``monitor/data/default_rules.yaml``): an absurd growth withheld by the growth-sanity rules
(beyond ±500%, or on a stub base) raises a stored alert out of the box. A rule file replaces
them.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select

from consumption_monitor.catalog import Catalog, load_catalog
from consumption_monitor.config import Settings, get_settings
from consumption_monitor.errors import ConfigError, ConflictError, Location, NotFoundError
from consumption_monitor.monitor.delivery import (
    Channel,
    DeliveryError,
    SmtpChannel,
    WebhookChannel,
    build_channel,
)
from consumption_monitor.monitor.models import (
    ACKNOWLEDGED,
    OPEN,
    RESOLVED,
    Alert,
    AlertDelivery,
)
from consumption_monitor.store.db import make_engine, session_factory, transaction, upgrade

__all__ = [
    "AlertHit",
    "AlertOut",
    "AlertRule",
    "AlertService",
    "DeliveryOut",
    "RuleSet",
    "default_rules",
    "evaluate_rules",
    "load_rules",
    "parse_condition",
]

FIELDS = ("value", "yoy_pct", "zscore", "change_pct", "baseline", "missing_days")
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}  # fmt: skip
_COND = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$")


def parse_condition(text: str) -> tuple[str, str, float]:
    """``"yoy_pct < -10"`` → ``("yoy_pct", "<", -10.0)``; anything else raises ConfigError.

    >>> parse_condition("zscore > 4")
    ('zscore', '>', 4.0)
    """
    m = _COND.match(text)
    if not m or m.group(1) not in FIELDS:
        raise ConfigError(
            f"alert condition {text!r} is not FIELD OP NUMBER, FIELD one of {', '.join(FIELDS)}",
            f"告警条件 {text!r} 格式应为 字段 运算符 数值，字段为 {'、'.join(FIELDS)} 之一",
            hint_en='e.g. "yoy_pct < -10", "zscore > 4", "missing_days >= 2"',
            hint_zh='例如 "yoy_pct < -10"、"zscore > 4"、"missing_days >= 2"',
        )
    return m.group(1), m.group(2), float(m.group(3))


class AlertRule(BaseModel):
    """One rule. ``dim``: ``""`` totals only (default), ``"*"`` any, or a dimension name."""

    model_config = ConfigDict(extra="forbid")

    name: str
    indicator: str
    side: str | None = None
    region: str = "*"
    dim: str = ""
    dim_value: str = "*"
    condition: str
    window: int = Field(1, ge=1, le=366)
    severity: Literal["info", "warning", "critical"] = "warning"
    channels: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("condition")
    @classmethod
    def _check_condition(cls, v: str) -> str:
        parse_condition(v)
        return v


class RuleSet(BaseModel):
    """Rules and the channels they deliver to (channel specs as in the YAML file)."""

    model_config = ConfigDict(extra="forbid")

    rules: list[AlertRule]
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def build_channels(self) -> dict[str, WebhookChannel | SmtpChannel]:
        return {name: build_channel(name, spec) for name, spec in self.channels.items()}


def load_rules(path: Path | str) -> RuleSet:
    """Read and validate a rule file; errors name the file, the rule and the field."""
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"cannot read alert rules: {exc}", f"无法读取告警规则：{exc}",
            where=Location(file=str(p)),
        ) from exc  # fmt: skip
    try:
        rules = RuleSet.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(x) for x in first["loc"]]
        entry = None
        if len(loc) >= 2 and loc[0] == "rules" and loc[1].isdigit():
            entry = str((raw.get("rules") or [])[int(loc[1])].get("name", loc[1]))
        raise ConfigError(
            f"invalid alert rules: {first['msg']}", f"告警规则无效：{first['msg']}",
            where=Location(file=str(p), entry=entry, field=".".join(loc[2:] or loc)),
        ) from exc  # fmt: skip
    unknown = {c for r in rules.rules for c in r.channels} - set(rules.channels)
    if unknown:
        raise ConfigError(
            f"alert rules name unknown channels: {', '.join(sorted(unknown))}",
            f"告警规则引用了未定义的通道：{'、'.join(sorted(unknown))}",
            where=Location(file=str(p), field="channels"),
        )
    return rules


def default_rules() -> RuleSet:
    """The bundled rules (``monitor/data/default_rules.yaml``): growth withheld as implausible
    (beyond ±500%) or on a small base, per region; no channels, so the alerts are stored and
    listed, not sent."""
    from importlib import resources

    path = resources.files("consumption_monitor.monitor").joinpath("data", "default_rules.yaml")
    return load_rules(Path(str(path)))


class AlertHit(BaseModel):
    """A rule that fired on one series at ``last_date``."""

    rule: str
    severity: str
    condition: str
    indicator: str
    side: str
    region: str
    dim: str
    dim_value: str
    first_date: dt.date
    last_date: dt.date
    value: float | None
    message_zh: str
    message_en: str
    channels: list[str] = Field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return "|".join((self.rule, self.side, self.indicator, self.region, self.dim,
                         self.dim_value))  # fmt: skip


def _region_match(rule_region: str, region: str, dim: str, dim_value: str, cat: Catalog) -> bool:
    if rule_region in ("*", ""):
        return True
    if rule_region in ("city", cat.city.code, cat.city.name_zh):
        return region == cat.city.code
    if cat.has_district(rule_region):
        return region == cat.district(rule_region).code
    try:
        bd = cat.business_district(rule_region).id
    except NotFoundError:
        return region == rule_region
    return dim == "business_district" and dim_value == bd


def _detail(g: pd.DataFrame) -> tuple[str, str]:
    """The latest day's ``detail_zh`` / ``detail_en`` of a series (what a metric row says it is
    about, e.g. the indicators behind ``growth_sanity``), else empty."""
    if "detail_zh" not in g.columns:
        return "", ""
    last = g[g["date"] == g["date"].max()].iloc[-1]
    zh, en = last.get("detail_zh"), last.get("detail_en")
    return (zh if isinstance(zh, str) else ""), (en if isinstance(en, str) else "")


def evaluate_rules(
    rules: Iterable[AlertRule],
    metrics: pd.DataFrame,
    as_of: dt.date,
    catalog: Catalog | None = None,
    channels: dict[str, list[str]] | None = None,
) -> list[AlertHit]:
    """Rules that hold on every one of their ``window`` days ending at ``as_of``.

    ``metrics``: ``date, side, indicator, region, dim, dim_value`` and the :data:`FIELDS`
    (absent fields count as missing, i.e. false).
    """
    cat = catalog or load_catalog()
    hits: list[AlertHit] = []
    if metrics.empty:
        return hits
    for rule in rules:
        field, op, threshold = parse_condition(rule.condition)
        lo = as_of - dt.timedelta(days=rule.window - 1)
        m = metrics[(metrics["indicator"] == rule.indicator) & metrics["date"].between(lo, as_of)]
        if rule.side:
            m = m[m["side"] == rule.side]
        if rule.dim != "*":
            m = m[m["dim"] == rule.dim]
        if rule.dim_value != "*":
            m = m[m["dim_value"] == rule.dim_value]
        if field not in m.columns or m.empty:
            continue
        for key, g in m.groupby(["side", "region", "dim", "dim_value"], sort=True):
            side, region, dim, dim_value = (str(k) for k in key)
            if not _region_match(rule.region, region, dim, dim_value, cat):
                continue
            vals = pd.to_numeric(g.set_index("date")[field], errors="coerce")
            if len(vals) < rule.window or vals.isna().any():
                continue
            if not bool(_OPS[op](vals, threshold).all()):
                continue
            last = float(vals.loc[max(vals.index)])
            where = region + (f" {dim}={dim_value}" if dim else "")
            detail_zh, detail_en = _detail(g)
            hits.append(
                AlertHit(
                    rule=rule.name,
                    severity=rule.severity,
                    condition=rule.condition,
                    indicator=rule.indicator,
                    side=side,
                    region=region,
                    dim=dim,
                    dim_value=dim_value,
                    first_date=lo,
                    last_date=as_of,
                    value=last,
                    message_zh=(
                        f"【{rule.severity}】{rule.name}：{where} 的 {rule.indicator} 连续"
                        f"{rule.window}天满足 {rule.condition}（最新 {field}={last:.2f}，"
                        f"截至{as_of.isoformat()}）" + (f"；涉及：{detail_zh}" if detail_zh else "")
                    ),
                    message_en=(
                        f"[{rule.severity}] {rule.name}: {rule.indicator} of {where} met "
                        f"{rule.condition} on each of the last {rule.window} day(s) "
                        f"(latest {field}={last:.2f}, as of {as_of.isoformat()})"
                        + (f"; concerns: {detail_en}" if detail_en else "")
                    ),
                    channels=list(
                        rule.channels
                        if channels is None
                        else channels.get(rule.name, rule.channels)
                    ),
                )
            )
    return hits


class AlertOut(BaseModel):
    """An alert as stored (API and CLI output)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    rule: str
    fingerprint: str
    indicator: str
    region: str
    dim: str
    dim_value: str
    condition: str
    severity: str
    status: str
    first_date: dt.date
    last_date: dt.date
    value: float | None
    message_zh: str
    message_en: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    resolved_at: dt.datetime | None
    resolved_by: str | None
    note: str
    is_new: bool = False  # set by AlertService.record: created now (not an update)


class DeliveryOut(BaseModel):
    """One delivery attempt."""

    alert_id: int
    channel: str
    ok: bool
    error: str = ""


class AlertService:
    """Stored alerts of one metadata database (migrated to head on first use).

    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        upgrade(self.settings.metadata_url)
        self.engine = make_engine(self.settings.metadata_url)
        self.sessions = session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> AlertService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, hits: Iterable[AlertHit]) -> list[AlertOut]:
        """Store new alerts; a hit whose fingerprint has an open or acknowledged alert updates
        that alert's ``last_date`` and ``value`` instead (no duplicate alarm)."""
        out: list[AlertOut] = []
        with transaction(self.sessions) as s:
            for hit in hits:
                current = s.scalars(
                    select(Alert).where(
                        Alert.fingerprint == hit.fingerprint,
                        Alert.status.in_([OPEN, ACKNOWLEDGED]),
                    )
                ).first()
                is_new = current is None
                if current is None:
                    current = Alert(
                        rule=hit.rule, fingerprint=hit.fingerprint, indicator=hit.indicator,
                        region=hit.region, dim=hit.dim, dim_value=hit.dim_value,
                        condition=hit.condition, severity=hit.severity, status=OPEN,
                        first_date=hit.first_date, last_date=hit.last_date, value=hit.value,
                        message_zh=hit.message_zh, message_en=hit.message_en, note="",
                    )  # fmt: skip
                    s.add(current)
                else:
                    current.last_date = max(current.last_date, hit.last_date)
                    current.value = hit.value
                    current.message_zh, current.message_en = hit.message_zh, hit.message_en
                s.flush()
                out.append(AlertOut.model_validate(current).model_copy(update={"is_new": is_new}))
        return out

    def list_alerts(self, status: str | None = None) -> list[AlertOut]:
        """Alerts, newest first; ``status`` filters (open, acknowledged, resolved)."""
        with self.sessions() as s:
            q = select(Alert).order_by(Alert.id.desc())
            if status:
                q = q.where(Alert.status == status)
            return [AlertOut.model_validate(a) for a in s.scalars(q)]

    def get(self, alert_id: int) -> AlertOut:
        with self.sessions() as s:
            return AlertOut.model_validate(self._get(s, alert_id))

    @staticmethod
    def _get(s: Any, alert_id: int) -> Alert:
        alert = s.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}", f"告警 {alert_id} 不存在")
        return alert  # type: ignore[no-any-return]

    def acknowledge(self, alert_id: int, *, by: str, note: str = "") -> AlertOut:
        """Mark an open alert acknowledged; anything else is a ConflictError."""
        with transaction(self.sessions) as s:
            alert = self._get(s, alert_id)
            if alert.status != OPEN:
                raise ConflictError(
                    f"alert {alert_id} is {alert.status}, only open alerts can be acknowledged",
                    f"告警 {alert_id} 状态为 {alert.status}，只有未处理告警可以确认",
                )
            alert.status = ACKNOWLEDGED
            alert.acknowledged_at = dt.datetime.now(dt.UTC)
            alert.acknowledged_by = by
            alert.note = note or alert.note
            s.flush()
            return AlertOut.model_validate(alert)

    def resolve(self, alert_id: int, *, by: str, note: str = "") -> AlertOut:
        """Close an open or acknowledged alert; resolving twice is a ConflictError."""
        with transaction(self.sessions) as s:
            alert = self._get(s, alert_id)
            if alert.status == RESOLVED:
                raise ConflictError(
                    f"alert {alert_id} is already resolved", f"告警 {alert_id} 已解除"
                )
            alert.status = RESOLVED
            alert.resolved_at = dt.datetime.now(dt.UTC)
            alert.resolved_by = by
            alert.note = note or alert.note
            s.flush()
            return AlertOut.model_validate(alert)

    def deliver(
        self,
        alerts: Iterable[AlertOut],
        channels: dict[str, Channel],
        routes: dict[str, list[str]],
        lang: str = "zh",
    ) -> list[DeliveryOut]:
        """Send each alert to the channels its rule names (``routes``: rule → channel names).

        A failing channel is recorded (``ok=False`` with the error) and the others still run.
        """
        results: list[DeliveryOut] = []
        for alert in alerts:
            subject = f"cmon 告警 / alert #{alert.id}: {alert.rule} ({alert.severity})"
            body = f"- {alert.message_zh}\n- {alert.message_en}\n- 状态 / status: {alert.status}"
            for name in routes.get(alert.rule, []):
                channel = channels[name]
                try:
                    channel.send(subject, body)
                    results.append(DeliveryOut(alert_id=alert.id, channel=name, ok=True))
                except DeliveryError as exc:
                    results.append(
                        DeliveryOut(
                            alert_id=alert.id, channel=name, ok=False, error=exc.render(lang)
                        )
                    )
        with transaction(self.sessions) as s:
            for r in results:
                s.add(AlertDelivery(alert_id=r.alert_id, channel=r.channel, ok=r.ok,
                                    error=r.error))  # fmt: skip
        return results

    def deliveries(self, alert_id: int) -> list[DeliveryOut]:
        """Recorded delivery attempts of one alert, oldest first."""
        with self.sessions() as s:
            rows = s.scalars(
                select(AlertDelivery)
                .where(AlertDelivery.alert_id == alert_id)
                .order_by(AlertDelivery.id)
            )
            return [
                DeliveryOut(alert_id=r.alert_id, channel=r.channel, ok=r.ok, error=r.error)
                for r in rows
            ]
