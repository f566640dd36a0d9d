"""``cmon serve``, ``cmon users`` and ``cmon audit``: run the web platform and manage access."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from consumption_monitor import auth
from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import Exit, console, print_table
from consumption_monitor.config import Settings, load_settings

commands = typer.Typer()
users_app = typer.Typer(help="Users and API tokens. 用户与 API 令牌。", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log. 审计日志。", no_args_is_help=True)
commands.add_typer(users_app, name="users")
commands.add_typer(audit_app, name="audit")

_ROLES = "admin, office, department, district, viewer, provider"


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def _db(settings: Settings) -> Iterator[Session]:
    """One migrated, committed unit of work on the metadata database."""
    from consumption_monitor.store.db import make_engine, session_factory, transaction, upgrade

    upgrade(settings.metadata_url)
    engine = make_engine(settings.metadata_url)
    try:
        with transaction(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first: str = typer.prompt("Password 密码", hide_input=True)
    second: str = typer.prompt("Repeat 再次输入", hide_input=True)
    if first != second:
        raise typer.BadParameter("the two passwords differ / 两次输入的密码不一致")
    return first


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


@command(commands, "serve", json=False)
def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Address to bind (default CMON_HOST, 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (default CMON_PORT, 8000).")
    ] = None,
) -> None:
    """Run the web platform (pages + REST API) with uvicorn. 启动网页平台。"""
    import uvicorn

    from consumption_monitor.web.app import create_app

    settings = load_settings()
    web_app = create_app(settings)
    bind_host = host or settings.host
    bind_port = port or settings.port
    console().print(
        f"cmon web: http://{bind_host}:{bind_port}/  (mode {settings.mode}, "
        f"database {settings.metadata_url.split('://', 1)[0]})",
        highlight=False,
    )
    from consumption_monitor.report.scheduler import start_scheduler
    from consumption_monitor.web.warmup import warm

    warm(settings)  # before listening: the first visitor does not wait, nothing races it
    scheduler = start_scheduler(settings)
    try:
        uvicorn.run(web_app, host=bind_host, port=bind_port, proxy_headers=False)
    finally:
        if scheduler is not None:
            scheduler.stop()


@command(users_app, "add")
def add(
    username: Annotated[str, typer.Argument(help="Login name (3-64 letters, digits, . _ -).")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {_ROLES}.")],
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Unit code: plan unit (commerce) or district (120101)."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="Display name. 姓名。")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """Create a user bound to a unit. 新建用户。"""
    from consumption_monitor.web.providers import unit_directory

    settings = load_settings()
    password = _read_password(password_stdin)
    with _db(settings) as db:
        user = auth.create_user(
            db, username=username, password=password, role=role, unit=unit,
            display_name=name, actor=_actor(), directory=unit_directory(settings),
        )  # fmt: skip
        out = {"username": user.username, "role": user.role, "unit": user.unit}
    if reply.json:
        return out
    typer.echo(f"created {out['username']} ({out['role']}, unit {out['unit'] or '-'})")


@command(users_app, "list")
def list_(*, reply: Reply) -> Answer:
    """List users. 列出用户。"""
    lang = reply.lang
    with _db(load_settings()) as db:
        rows, _total = auth.list_users(db, limit=10_000)
        records = [
            {
                "username": u.username, "display_name": u.display_name, "role": u.role,
                "unit": u.unit, "active": u.is_active,
                "locked_until": _when(u.locked_until) or None,
                "last_login_at": _when(u.last_login_at) or None,
            }
            for u in rows
        ]  # fmt: skip
    if reply.json:
        return {"data": records, "count": len(records)}
    cols = (
        ["用户名", "姓名", "角色", "单位", "启用", "锁定至", "最近登录"]
        if lang == "zh"
        else ["username", "name", "role", "unit", "active", "locked until", "last login"]
    )
    print_table("users / 用户", cols, [list(r.values()) for r in records])


def _set_active(username: str, active: bool, reply: Reply) -> Answer:
    with _db(load_settings()) as db:
        auth.set_active(db, username, active, actor=_actor())
    if reply.json:
        return {"username": username, "active": active}
    typer.echo(f"{username}: {'enabled' if active else 'disabled'}")


@command(users_app, "disable")
def disable(username: str, *, reply: Reply) -> Answer:
    """Disable a user: sessions end, tokens are revoked. 停用用户（会话失效、令牌吊销）。"""
    return _set_active(username, False, reply)


@command(users_app, "enable")
def enable(username: str, *, reply: Reply) -> Answer:
    """Enable a disabled user. 启用用户。"""
    return _set_active(username, True, reply)


@command(users_app, "role")
def role(
    username: str,
    new_role: Annotated[str, typer.Option("--role", help=f"One of: {_ROLES}.")],
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Unit code: plan unit (commerce) or district (120101)."),
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Change a user's role and unit; their sessions end. 变更角色与单位（会话失效）。"""
    from consumption_monitor.web.providers import unit_directory

    settings = load_settings()
    with _db(settings) as db:
        user = auth.set_role(
            db, username, new_role, unit, actor=_actor(),
            directory=unit_directory(settings),
        )  # fmt: skip
        shown = {"username": username, "role": user.role, "unit": user.unit}
    if reply.json:
        return shown
    typer.echo(f"{username}: {shown['role']} {shown['unit'] or ''}".rstrip())


@command(users_app, "unlock")
def unlock(username: str, *, reply: Reply) -> Answer:
    """Lift an account's sign-in backoff from every address. 解除账号登录延时。"""
    with _db(load_settings()) as db:
        auth.unlock_user(db, username, actor=_actor())
    if reply.json:
        return {"username": username, "unlocked": True}
    typer.echo(f"{username}: unlocked")


@command(users_app, "clear-throttle")
def clear_throttle(
    address: Annotated[str, typer.Argument(help="Client address whose slow-down to lift.")],
    *,
    reply: Reply,
) -> Answer:
    """Lift the sign-in slow-down of one client address. 解除某地址的登录限速。"""
    with _db(load_settings()) as db:
        auth.clear_address_throttle(db, address, actor=_actor())
    if reply.json:
        return {"address": address, "cleared": True}
    typer.echo(f"{address}: sign-in throttle cleared")


@command(users_app, "password")
def password(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    *,
    reply: Reply,
) -> Answer:
    """Set a user's password. 重设密码。"""
    new = _read_password(password_stdin)
    with _db(load_settings()) as db:
        auth.change_password(db, username, new, actor=_actor())
    if reply.json:
        return {"username": username, "password_changed": True}
    typer.echo(f"{username}: password changed")


@command(users_app, "token")
def token(
    username: str,
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", "-d", help="Dataset the token may push (repeatable)."),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Expire after this many days.")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Issue an API token; the secret is printed once. 签发 API 令牌（仅显示一次）。"""
    from consumption_monitor.catalog import load_catalog

    settings = load_settings()
    cat = load_catalog(settings.city)
    names = [cat.dataset(d).name for d in (dataset or [])]
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    with _db(settings) as db:
        tok, secret = auth.issue_token(
            db, username, datasets=names, name=name, expires_at=expires, actor=_actor()
        )
        out = {"id": tok.id, "username": username, "datasets": tok.datasets,
               "expires_at": expires, "token": secret}  # fmt: skip
    if reply.json:
        return out
    typer.echo(f"token {out['id']} for {username}, datasets: {', '.join(names) or '-'}")
    typer.echo("shown once, store it now / 仅显示一次，请立即保存:")
    typer.echo(secret)


@command(users_app, "tokens")
def tokens(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    *,
    reply: Reply,
) -> Answer:
    """List API tokens (never their secrets). 列出 API 令牌。"""
    with _db(load_settings()) as db:
        owners = {u.id: u.username for u in auth.list_users(db, limit=10_000)[0]}
        found = auth.list_tokens(db, username)
    records = [
        {
            "id": t.id,
            "username": owners.get(t.user_id),
            "name": t.name,
            "prefix": t.prefix,
            "datasets": list(t.datasets or []),
            "revoked": t.revoked_at is not None,
            "last_used_at": _when(t.last_used_at) or None,
        }
        for t in found
    ]
    if reply.json:
        return {"data": records, "count": len(records)}
    cols = ["id", "user", "name", "prefix", "datasets", "revoked", "last used"]
    rows = [
        [t.id, owners.get(t.user_id), t.name, t.prefix, ", ".join(t.datasets or []),
         t.revoked_at is not None, _when(t.last_used_at)]
        for t in found
    ]  # fmt: skip
    print_table("API tokens / 令牌", cols, rows)


@command(users_app, "revoke")
def revoke(token_id: int, *, reply: Reply) -> Answer:
    """Revoke an API token by id. 吊销 API 令牌。"""
    with _db(load_settings()) as db:
        auth.revoke_token(db, token_id, actor=_actor())
    if reply.json:
        return {"id": token_id, "revoked": True}
    typer.echo(f"token {token_id}: revoked")


@command(audit_app, "verify")
def verify(*, reply: Reply) -> Answer:
    """Check the audit hash chain; exit 1 and name the first broken row if altered.
    校验审计日志哈希链。"""
    from consumption_monitor.auth import verify_chain

    with _db(load_settings()) as db:
        report = verify_chain(db)
    if not report.ok:
        reply.exit_code = int(Exit.ERROR)  # after the answer is printed
    if reply.json:
        return {"ok": report.ok, "checked": report.checked,
                "first_broken": report.first_broken, "head_hash": report.head_hash}  # fmt: skip
    if report.ok:
        typer.echo(f"audit chain intact: {report.checked} rows / 审计链完整：{report.checked} 条")
        typer.echo(f"head {report.head_hash}")
    else:
        typer.echo(
            f"audit chain BROKEN at row {report.first_broken} / "
            f"审计链在第 {report.first_broken} 条处断裂"
        )
