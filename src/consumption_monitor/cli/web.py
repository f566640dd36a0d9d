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

from consumption_monitor.cli.common import (
    Exit,
    JsonOpt,
    LangOpt,
    console,
    handle_errors,
    print_json,
    print_table,
    resolve_lang,
)
from consumption_monitor.config import Settings, load_settings

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


def _register_serve(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[
            str | None,
            typer.Option("--host", help="Address to bind (default CMON_HOST, 127.0.0.1)."),
        ] = None,
        port: Annotated[
            int | None, typer.Option("--port", help="Port (default CMON_PORT, 8000).")
        ] = None,
        lang: LangOpt = None,
    ) -> None:
        """Run the web platform (pages + REST API) with uvicorn. 启动网页平台。"""
        lang = resolve_lang(lang)
        with handle_errors(lang):
            import uvicorn

            from consumption_monitor.web.app import create_app

            settings = load_settings()
            web_app = create_app(settings)
            bind_host = host or settings.host
            bind_port = port or settings.port
            console.print(
                f"cmon web: http://{bind_host}:{bind_port}/  (mode {settings.mode}, "
                f"database {settings.metadata_url.split('://', 1)[0]})",
                highlight=False,
            )
            from consumption_monitor.report.scheduler import start_scheduler
            from consumption_monitor.web.warmup import start_warmup

            scheduler = start_scheduler(settings)
            start_warmup(settings)
            try:
                uvicorn.run(web_app, host=bind_host, port=bind_port, proxy_headers=False)
            finally:
                if scheduler is not None:
                    scheduler.stop()


def _register_users(app: typer.Typer) -> None:
    from consumption_monitor import auth

    users = typer.Typer(help="Users and API tokens. 用户与 API 令牌。", no_args_is_help=True)

    @users.command("add")
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
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """Create a user bound to a unit. 新建用户。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json):
            from consumption_monitor.web.providers import unit_directory

            settings = load_settings()
            password = _read_password(password_stdin)
            with _db(settings) as db:
                user = auth.create_user(
                    db, username=username, password=password, role=role, unit=unit,
                    display_name=name, actor=_actor(), directory=unit_directory(settings),
                )  # fmt: skip
                out = {"username": user.username, "role": user.role, "unit": user.unit}
            if as_json:
                print_json(out)
            else:
                typer.echo(f"created {out['username']} ({out['role']}, unit {out['unit'] or '-'})")

    @users.command("list")
    def list_(as_json: JsonOpt = False, lang: LangOpt = None) -> None:
        """List users. 列出用户。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json), _db(load_settings()) as db:
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
        if as_json:
            print_json({"data": records, "count": len(records)})
            return
        cols = (
            ["用户名", "姓名", "角色", "单位", "启用", "锁定至", "最近登录"]
            if lang == "zh"
            else ["username", "name", "role", "unit", "active", "locked until", "last login"]
        )
        print_table("users / 用户", cols, [list(r.values()) for r in records])

    def _set_active(username: str, active: bool, as_json: bool, lang: str | None) -> None:
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json), _db(load_settings()) as db:
            auth.set_active(db, username, active, actor=_actor())
        if as_json:
            print_json({"username": username, "active": active})
        else:
            typer.echo(f"{username}: {'enabled' if active else 'disabled'}")

    @users.command("disable")
    def disable(username: str, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
        """Disable a user: sessions end, tokens are revoked. 停用用户（会话失效、令牌吊销）。"""
        _set_active(username, False, as_json, lang)

    @users.command("enable")
    def enable(username: str, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
        """Enable a disabled user. 启用用户。"""
        _set_active(username, True, as_json, lang)

    @users.command("role")
    def role(
        username: str,
        new_role: Annotated[str, typer.Option("--role", help=f"One of: {_ROLES}.")],
        unit: Annotated[
            str | None,
            typer.Option("--unit", help="Unit code: plan unit (commerce) or district (120101)."),
        ] = None,
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """Change a user's role and unit; their sessions end. 变更角色与单位（会话失效）。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json):
            from consumption_monitor.web.providers import unit_directory

            settings = load_settings()
            with _db(settings) as db:
                user = auth.set_role(
                    db, username, new_role, unit, actor=_actor(),
                    directory=unit_directory(settings),
                )  # fmt: skip
                shown = {"username": username, "role": user.role, "unit": user.unit}
        if as_json:
            print_json(shown)
        else:
            typer.echo(f"{username}: {shown['role']} {shown['unit'] or ''}".rstrip())

    @users.command("unlock")
    def unlock(username: str, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
        """Lift an account's sign-in backoff from every address. 解除账号登录延时。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json), _db(load_settings()) as db:
            auth.unlock_user(db, username, actor=_actor())
        if as_json:
            print_json({"username": username, "unlocked": True})
        else:
            typer.echo(f"{username}: unlocked")

    @users.command("clear-throttle")
    def clear_throttle(
        address: Annotated[str, typer.Argument(help="Client address whose slow-down to lift.")],
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """Lift the sign-in slow-down of one client address. 解除某地址的登录限速。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json), _db(load_settings()) as db:
            auth.clear_address_throttle(db, address, actor=_actor())
        if as_json:
            print_json({"address": address, "cleared": True})
        else:
            typer.echo(f"{address}: sign-in throttle cleared")

    @users.command("password")
    def password(
        username: str,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from stdin.")
        ] = False,
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """Set a user's password. 重设密码。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json):
            new = _read_password(password_stdin)
            with _db(load_settings()) as db:
                auth.change_password(db, username, new, actor=_actor())
        if as_json:
            print_json({"username": username, "password_changed": True})
        else:
            typer.echo(f"{username}: password changed")

    @users.command("token")
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
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """Issue an API token; the secret is printed once. 签发 API 令牌（仅显示一次）。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json):
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
        if as_json:
            print_json(out)
        else:
            typer.echo(f"token {out['id']} for {username}, datasets: {', '.join(names) or '-'}")
            typer.echo("shown once, store it now / 仅显示一次，请立即保存:")
            typer.echo(secret)

    @users.command("tokens")
    def tokens(
        username: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """List API tokens (never their secrets). 列出 API 令牌。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json), _db(load_settings()) as db:
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
        if as_json:
            print_json({"data": records, "count": len(records)})
            return
        cols = ["id", "user", "name", "prefix", "datasets", "revoked", "last used"]
        rows = [
            [t.id, owners.get(t.user_id), t.name, t.prefix, ", ".join(t.datasets or []),
             t.revoked_at is not None, _when(t.last_used_at)]
            for t in found
        ]  # fmt: skip
        print_table("API tokens / 令牌", cols, rows)

    @users.command("revoke")
    def revoke(token_id: int, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
        """Revoke an API token by id. 吊销 API 令牌。"""
        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json), _db(load_settings()) as db:
            auth.revoke_token(db, token_id, actor=_actor())
        if as_json:
            print_json({"id": token_id, "revoked": True})
        else:
            typer.echo(f"token {token_id}: revoked")

    app.add_typer(users, name="users")


def _register_audit(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The audit log. 审计日志。", no_args_is_help=True)

    @audit_app.command("verify")
    def verify(as_json: JsonOpt = False, lang: LangOpt = None) -> None:
        """Check the audit hash chain; exit 1 and name the first broken row if altered.
        校验审计日志哈希链。"""
        from consumption_monitor.auth import verify_chain

        lang = resolve_lang(lang)
        with handle_errors(lang, as_json=as_json), _db(load_settings()) as db:
            report = verify_chain(db)
        if as_json:
            print_json(
                {"ok": report.ok, "checked": report.checked,
                 "first_broken": report.first_broken, "head_hash": report.head_hash}
            )  # fmt: skip
        elif report.ok:
            typer.echo(
                f"audit chain intact: {report.checked} rows / 审计链完整：{report.checked} 条"
            )
            typer.echo(f"head {report.head_hash}")
        else:
            typer.echo(
                f"audit chain BROKEN at row {report.first_broken} / "
                f"审计链在第 {report.first_broken} 条处断裂"
            )
        if not report.ok:
            raise typer.Exit(int(Exit.ERROR))

    app.add_typer(audit_app, name="audit")


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``users`` and ``audit`` to ``app``."""
    _register_serve(app)
    _register_users(app)
    _register_audit(app)
