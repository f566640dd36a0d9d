"""Build the demo city: simulate Tianjin, load every file through ingestion, compute the
indicators, and create demo users. Each step is idempotent, so ``cmon demo`` can run again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from consumption_monitor.config import Settings
from consumption_monitor.errors import ConflictError

#: Demo logins: (username, role, unit, zh description). The password is printed by `cmon demo`
#: and refused outside demo/development mode by `create_app`'s secret check, not by this list.
DEMO_USERS: tuple[tuple[str, str, str | None, str], ...] = (
    ("admin", "admin", None, "系统管理员"),
    ("office", "office", "commerce", "“大消费”工作机制办公室（市商务局）"),
    ("heping", "district", "120101", "和平区"),
    ("binhai", "district", "120116", "滨海新区"),
    ("sport", "department", "sport", "市体育局"),
    ("leader", "viewer", None, "只读（领导）"),
)
DEMO_PASSWORD = "cmon-demo-2025"  # noqa: S105 - documented demo password, demo mode only

Step = Callable[[str], None]


@dataclass(slots=True)
class DemoResult:
    """What the demo build did."""

    simulated: Path
    batches_loaded: int = 0
    batches_skipped: int = 0
    indicator_rows: int = 0
    users_created: list[str] = field(default_factory=list)


def _noop(message: str) -> None:
    del message


def build_demo(
    settings: Settings,
    *,
    scale: str = "demo",
    seed: int = 2025,
    end: str | None = None,
    step: Step | None = None,
) -> DemoResult:
    """Simulate, ingest, compute and create users into ``settings.data_dir``."""
    from consumption_monitor.compute.api import compute
    from consumption_monitor.ingest.api import ingest
    from consumption_monitor.simulate import simulate
    from consumption_monitor.store.results import write_result

    say = step or _noop
    out = settings.data_dir / "simulated"
    say(f"simulate {scale} → {out}")
    sim = simulate(out, scale=scale, seed=seed, end=end)
    manifest = json.loads(sim.manifest_path.read_text(encoding="utf-8"))
    result = DemoResult(simulated=out)
    for dataset, entries in manifest["datasets"].items():
        say(f"ingest {dataset} ({len(entries)} files)")
        for entry in entries:
            res = ingest(
                [out / entry["path"]], dataset, vintage=entry["vintage"], settings=settings,
                loaded_by="demo",
            )  # fmt: skip
            if res.duplicate:
                result.batches_skipped += 1
            else:
                result.batches_loaded += 1
    say("compute indicators")
    computed = compute(settings)
    write_result(settings, computed)
    result.indicator_rows = len(computed.table)
    say("scheduled reports")
    from consumption_monitor import clock
    from consumption_monitor.report import run_due_reports

    run_due_reports(settings, clock.now())
    say("demo users")
    result.users_created = ensure_demo_users(settings)
    return result


def ensure_demo_users(settings: Settings) -> list[str]:
    """Create the demo users that do not exist yet; returns the names created."""
    from consumption_monitor import auth
    from consumption_monitor.store.db import make_engine, session_factory, transaction, upgrade
    from consumption_monitor.web.providers import unit_directory

    upgrade(settings.metadata_url)
    engine = make_engine(settings.metadata_url)
    created = []
    try:
        directory = unit_directory(settings)
        for username, role, unit, label in DEMO_USERS:
            try:
                with transaction(session_factory(engine)) as session:
                    auth.create_user(
                        session, username=username, password=DEMO_PASSWORD, role=role,
                        unit=unit, display_name=label, actor="demo", directory=directory,
                    )  # fmt: skip
                created.append(username)
            except ConflictError:
                continue
    finally:
        engine.dispose()
    return created
