"""``cmon batches``: list, show, publish, revert and garbage-collect the loads of the lake."""

from __future__ import annotations

import getpass
from datetime import timedelta
from typing import Annotated

import typer

from consumption_monitor.cli.command import Answer, Reply, command
from consumption_monitor.cli.common import print_table
from consumption_monitor.config import load_settings
from consumption_monitor.store import BatchInfo, Store

_COLUMNS_ZH = [
    "批次",
    "数据集",
    "版本日期",
    "状态",
    "导入行数",
    "拒收行数",
    "来源",
    "导入人",
    "导入时间",
    "发布",
]
_COLUMNS_EN = [
    "batch", "dataset", "vintage", "status", "rows", "rejected", "source", "loaded by", "loaded at",
    "published",
]  # fmt: skip


def _store() -> Store:
    # Settings are read fresh from the environment for each command (not the cached copy).
    return Store(load_settings())


def _row(b: BatchInfo) -> list[object]:
    return [
        b.id,
        b.dataset,
        b.vintage,
        b.status,
        b.rows_loaded,
        b.rows_rejected,
        b.source,
        b.loaded_by,
        b.loaded_at.strftime("%Y-%m-%d %H:%M:%S"),
        "yes" if b.published else f"no ({b.owner_unit or '-'})",
    ]


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


commands = typer.Typer()
group = typer.Typer(
    help="Batches of the data lake: list, show, publish, revert, gc. "
    "数据批次：查看、发布、撤销、清理。",
    no_args_is_help=True,
)
commands.add_typer(group, name="batches")


@command(group, "list")
def list_(
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Only this dataset. 仅此数据集。")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """List committed and reverted batches, oldest first. 列出数据批次。"""
    lang = reply.lang
    with _store() as store:
        if dataset is not None:
            store.dataset(dataset)
        batches = store.list_batches(dataset)
        if reply.json:
            return {"data": [b.model_dump(mode="json") for b in batches], "count": len(batches)}
        print_table(
            "数据批次" if lang == "zh" else "Batches",
            _COLUMNS_ZH if lang == "zh" else _COLUMNS_EN,
            [_row(b) for b in batches],
            caption=f"共 {len(batches)} 个批次" if lang == "zh" else f"{len(batches)} batches",
        )


@command(group, "show")
def show(
    batch_id: Annotated[int, typer.Argument(help="Batch id. 批次号。")],
    *,
    reply: Reply,
) -> Answer:
    """Show one batch with its files. 显示批次详情。"""
    lang = reply.lang
    with _store() as store:
        batch = store.get_batch(batch_id)
        if reply.json:
            return batch.model_dump(mode="json")
        fields = batch.model_dump(exclude={"files", "duplicate"})
        print_table(
            f"批次 {batch.id}" if lang == "zh" else f"Batch {batch.id}",
            ["字段", "值"] if lang == "zh" else ["field", "value"],
            [[k, v] for k, v in fields.items()] + [["files", "\n".join(batch.files)]],
        )


@command(group, "publish")
def publish(
    batch_id: Annotated[int, typer.Argument(help="Batch id. 批次号。")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who publishes (default: OS user). 操作人。")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Publish a unit's submission: its rows show to every role. 发布单位报送的批次。

    Until published, a department's or district's batch is read only by that unit, the
    office and administrators. Shell access acts as the office. Audited (batch.publish).
    """
    with _store() as store:
        who = by or _current_user()
        batch = store.publish(batch_id, by=who)
        from consumption_monitor.auth.audit_events import append

        append(
            store.settings.metadata_url, f"cli:{who}", "batch.publish", batch.dataset,
            {"batch": batch.id, "owner_unit": batch.owner_unit, "rows": batch.rows_loaded},
        )  # fmt: skip
        if reply.json:
            return batch.model_dump(mode="json")
        if reply.lang == "zh":
            typer.echo(f"已发布批次 {batch.id}（{batch.dataset}，{batch.rows_loaded} 行）")
        else:
            typer.echo(f"published batch {batch.id} ({batch.dataset}, {batch.rows_loaded} rows)")


@command(group, "revert")
def revert(
    batch_id: Annotated[int, typer.Argument(help="Batch id. 批次号。")],
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why it is reverted (kept for audit). 原因。")
    ],
    by: Annotated[
        str | None, typer.Option("--by", help="Who reverts (default: OS user). 操作人。")
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Hide a batch from all reads; its files stay. 撤销批次（文件保留）。"""
    lang = reply.lang
    with _store() as store:
        who = by or _current_user()
        batch = store.revert(batch_id, by=who, reason=reason)
        from consumption_monitor.auth.audit_events import append

        append(
            store.settings.metadata_url, f"cli:{who}", "batch.revert", batch.dataset,
            {"batch": batch.id, "reason": reason, "rows": batch.rows_loaded},
        )  # fmt: skip
        if reply.json:
            return batch.model_dump(mode="json")
        if lang == "zh":
            typer.echo(f"已撤销批次 {batch.id}（{batch.dataset}，{batch.rows_loaded} 行）")
        else:
            typer.echo(f"reverted batch {batch.id} ({batch.dataset}, {batch.rows_loaded} rows)")


@command(group, "gc")
def gc(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would go. 仅列出。")
    ] = False,
    pending_grace_hours: Annotated[
        float | None,
        typer.Option(
            "--pending-grace-hours",
            min=0,
            help="Object-store lakes: a pending load younger than this counts as running "
            "(default 6; 0 when no load runs anywhere). "
            "对象存储：未完成批次在此时长（小时）内视为仍在运行。",
        ),
    ] = None,
    *,
    reply: Reply,
) -> Answer:
    """Remove files and rows left by crashed loads. 清理中断导入的残留文件。"""
    lang = reply.lang
    grace = None if pending_grace_hours is None else timedelta(hours=pending_grace_hours)
    with _store() as store:
        report = store.gc(dry_run=dry_run, pending_grace=grace)
        if reply.json:
            return report.model_dump(mode="json")
        verb = (
            ("将删除" if dry_run else "已删除")
            if lang == "zh"
            else ("would remove" if dry_run else "removed")
        )
        for rel in report.removed_files + report.removed_staging:
            typer.echo(f"{verb} {rel}")
        if lang == "zh":
            typer.echo(
                f"{verb} {len(report.removed_files)} 个文件、{len(report.removed_staging)} "
                f"个暂存目录、{len(report.dropped_pending)} 个未完成批次记录"
            )
        else:
            typer.echo(
                f"{verb} {len(report.removed_files)} files, {len(report.removed_staging)} "
                f"staging folders, {len(report.dropped_pending)} pending batch rows"
            )
