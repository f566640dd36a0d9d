"""Pluggable alert delivery: WeCom / DingTalk group-robot webhooks (httpx) and SMTP e-mail.

Each channel has ``name`` and ``send(subject, markdown)``; a failure raises
:class:`DeliveryError` (the caller records it and goes on with the other channels).

- WeCom (企业微信) group robot: ``POST url`` with
  ``{"msgtype": "markdown", "markdown": {"content": ...}}``.
- DingTalk (钉钉) group robot: ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``;
  with a signing ``secret`` the URL gets ``timestamp`` and ``sign`` =
  base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}")) as the robot's security setting asks.
- Both robots answer HTTP 200 with ``{"errcode": 0}`` on success; another ``errcode`` is a failure.
- SMTP: a UTF-8 plain-text message through :mod:`smtplib` (optional STARTTLS and login).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import time
import urllib.parse
from email.message import EmailMessage
from typing import Any, ClassVar, Literal, Protocol

import httpx
from pydantic import BaseModel, Field

from consumption_monitor.errors import ConfigError, ConsumptionMonitorError

__all__ = [
    "Channel",
    "DeliveryError",
    "SmtpChannel",
    "WebhookChannel",
    "build_channel",
    "dingtalk_payload",
    "wecom_payload",
]


class DeliveryError(ConsumptionMonitorError, ConnectionError):
    """An alert could not be delivered through a channel."""

    http_status: ClassVar[int] = 502
    code: ClassVar[str] = "delivery"


class Channel(Protocol):
    """What the alert service needs from a delivery channel."""

    name: str

    def send(self, subject: str, markdown: str) -> None: ...


def wecom_payload(subject: str, markdown: str) -> dict[str, Any]:
    """WeCom group-robot markdown message.

    >>> wecom_payload("t", "body")
    {'msgtype': 'markdown', 'markdown': {'content': '**t**\\nbody'}}
    """
    return {"msgtype": "markdown", "markdown": {"content": f"**{subject}**\n{markdown}"}}


def dingtalk_payload(subject: str, markdown: str) -> dict[str, Any]:
    """DingTalk group-robot markdown message.

    >>> dingtalk_payload("t", "body")["markdown"]
    {'title': 't', 'text': '### t\\nbody'}
    """
    return {
        "msgtype": "markdown",
        "markdown": {"title": subject, "text": f"### {subject}\n{markdown}"},
    }


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """``url`` with ``timestamp`` and ``sign`` query parameters (DingTalk 加签)."""
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={ts}&sign={sign}"


class WebhookChannel(BaseModel):
    """A WeCom or DingTalk group robot."""

    name: str
    kind: Literal["wecom", "dingtalk"]
    url: str
    secret: str | None = None
    timeout: float = 10.0

    def send(self, subject: str, markdown: str) -> None:
        payload = (
            wecom_payload(subject, markdown)
            if self.kind == "wecom"
            else dingtalk_payload(subject, markdown)
        )
        url = self.url
        if self.kind == "dingtalk" and self.secret:
            url = dingtalk_signed_url(url, self.secret)
        try:
            resp = httpx.post(url, json=payload, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(
                f"webhook {self.name}: {exc}", f"推送通道 {self.name} 发送失败：{exc}",
                hint_en="check the robot URL and the network route",
                hint_zh="请检查机器人地址与网络连通性",
            ) from exc  # fmt: skip
        body: dict[str, Any] = {}
        try:
            parsed = resp.json()
            body = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            body = {}
        if resp.status_code != 200 or body.get("errcode", 0) != 0:
            raise DeliveryError(
                f"webhook {self.name} answered {resp.status_code}: {resp.text[:200]}",
                f"推送通道 {self.name} 返回 {resp.status_code}：{resp.text[:200]}",
            )


class SmtpChannel(BaseModel):
    """E-mail through an SMTP server."""

    name: str
    kind: Literal["smtp"] = "smtp"
    host: str
    port: int = 25
    sender: str
    recipients: list[str] = Field(min_length=1)
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def send(self, subject: str, markdown: str) -> None:
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg.set_content(markdown, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"e-mail channel {self.name}: {exc}", f"邮件通道 {self.name} 发送失败：{exc}",
                hint_en="check the SMTP host, port and credentials",
                hint_zh="请检查邮件服务器地址、端口与账号",
            ) from exc  # fmt: skip


def build_channel(name: str, spec: dict[str, Any]) -> WebhookChannel | SmtpChannel:
    """A channel from its YAML entry (``kind``: wecom, dingtalk or smtp)."""
    kind = spec.get("kind")
    if kind in ("wecom", "dingtalk"):
        return WebhookChannel(name=name, **spec)
    if kind == "smtp":
        return SmtpChannel(name=name, **spec)
    raise ConfigError(
        f"alert channel {name!r}: unknown kind {kind!r} (wecom, dingtalk or smtp)",
        f"告警通道 {name!r}：未知类型 {kind!r}（可选 wecom、dingtalk、smtp）",
    )
