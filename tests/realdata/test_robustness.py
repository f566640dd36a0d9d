"""One clock (issue #18, defect 8): no date the platform stamps comes from the host's zone.

Every "today" and "now" goes through :mod:`consumption_monitor.clock` (``CMON_TIMEZONE``,
default Asia/Shanghai). On a server on UTC, ``date.today()`` or a naive ``datetime.now()`` is
yesterday in Beijing between 16:00 and 24:00 UTC; ``compute --as-of <today>`` then gave 0 rows.
This test reads the source, so a new call of the host clock fails here, not in production at
night. Aware UTC stamps (``datetime.now(UTC)``, for stored instants) stay allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import consumption_monitor

SRC = Path(consumption_monitor.__file__).parent
CLOCK = SRC / "clock.py"


def _dotted(node: ast.expr) -> str:
    """``datetime.datetime.now`` for the attribute chain of a call's function."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def host_clock_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) of each call that reads the host's clock or zone.

    Banned: ``date.today()``, ``datetime.today()``, ``datetime.utcnow()``, a ``datetime.now()``
    without a zone, and a hard-coded ``ZoneInfo("Asia/Shanghai")`` (the zone is a setting).
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.rsplit(".", 2)[-2:]
        if last in (["date", "today"], ["datetime", "today"], ["datetime", "utcnow"]):
            found.append((node.lineno, f"{name}()"))
        elif last == ["datetime", "now"] and not node.args and not node.keywords:
            found.append((node.lineno, f"{name}() without a zone"))
        elif name.endswith("ZoneInfo") and any(
            isinstance(a, ast.Constant) and a.value == "Asia/Shanghai" for a in node.args
        ):
            found.append((node.lineno, 'ZoneInfo("Asia/Shanghai")'))
    return found


def test_the_checker_finds_each_banned_form() -> None:
    source = (
        "import datetime as dt\nfrom datetime import UTC, date, datetime\n"
        "a = date.today()\nb = datetime.now()\nc = datetime.utcnow()\n"
        "d = dt.date.today()\ne = dt.datetime.now().astimezone()\n"
        "f = ZoneInfo('Asia/Shanghai')\n"
        "ok = datetime.now(UTC)\nok2 = dt.datetime.now(tz=UTC)\n"
    )
    assert sorted(line for line, _ in host_clock_calls(source)) == [3, 4, 5, 6, 7, 8]


def test_no_host_clock_outside_clock_py() -> None:
    offenders = [
        f"{path.relative_to(SRC.parent)}:{line}: {call}"
        for path in sorted(SRC.rglob("*.py"))
        if path != CLOCK
        for line, call in host_clock_calls(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use consumption_monitor.clock.today()/now() instead:\n" + "\n".join(
        offenders
    )


def test_no_unused_zone_constants() -> None:
    """The module-level SHANGHAI constants were left over after the clock; none may return."""
    for path in SRC.rglob("*.py"):
        if path == CLOCK:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        assert not names & {"SHANGHAI", "_SHANGHAI"}, path
