"""Fixtures for the plan tests: the seed text parsed independently of the plan YAML.

The seed (the official plan text) is read from the in-repo copy ``tests/plan/data/``; if that
copy is missing, from ``<repo>/../shared/seeds/`` where CI places the shared folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from consumption_monitor.plan import Plan, load_plan
from consumption_monitor.plan.loader import BUNDLED_PLAN

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SEED_NAME = "000_0a5072e4fb879473.txt"
SEED_CANDIDATES = (
    HERE / "data" / "tianjin_plan_seed.txt",
    REPO / ".." / "shared" / "seeds" / SEED_NAME,
)
ANNEX_TITLE = "天津市构建“大消费”格局行动方案任务清单"


@dataclass
class AnnexRow:
    """One row of the annex table as the seed text lays it out (one cell per line)."""

    part: int
    group_numeral: str
    group_title: str
    title: str
    measures: str
    goals: dict[str, str]
    units: list[str]
    number: int | None = None


@dataclass
class Seed:
    text: str
    tasks: dict[int, AnnexRow] = field(default_factory=dict)
    safeguards: list[AnnexRow] = field(default_factory=list)
    parts: dict[int, str] = field(default_factory=dict)


def seed_path() -> Path:
    for candidate in SEED_CANDIDATES:
        if candidate.is_file():
            return candidate
    pytest.fail(f"seed text not found in {[str(c) for c in SEED_CANDIDATES]}")


def parse_seed(text: str) -> Seed:
    """Rows are separated by empty lines; each cell is one tab-prefixed line.

    A task row has 7 cells (group no., group title, "N．title", measures, 2025, 2027, units) or
    6 when the two goal columns are merged into one cell spanning 2025–2027. A group's number
    and title are blank on the rows after its first (and repeated after a page break).
    """
    lines = text.splitlines()
    start = lines.index(ANNEX_TITLE)
    blocks: list[list[str]] = [[]]
    for line in lines[start + 1 :]:
        if line == "":
            blocks.append([])
        else:
            blocks[-1].append(line.removeprefix("\t").strip())
    seed = Seed(text=text)
    part = 0
    group = ("", "")
    numerals = "一二三四"
    for block in blocks:
        while block and block[-1] == "":
            block.pop()
        if not block or block[0] == "序号" or block[:4] == ["", "", "", ""]:
            continue
        if len(block) == 1:
            head = re.fullmatch(r"([一二三四])、(.+)", block[0])
            assert head, block
            part = numerals.index(head.group(1)) + 1
            seed.parts[part] = head.group(2)
            continue
        assert len(block) in (6, 7), block
        numeral, group_title, title, measures, *goal_cells, units = block
        if numeral:
            group = (numeral, group_title)
        if len(goal_cells) == 2:
            goals = {y: c for y, c in zip(("2025", "2027"), goal_cells, strict=True) if c}
        else:
            goals = {"2025-2027": goal_cells[0]} if goal_cells[0] else {}
        row = AnnexRow(
            part=part,
            group_numeral=group[0],
            group_title=group[1],
            title=title,
            measures=measures,
            goals=goals,
            units=re.split(r"[、，]", units),
        )
        numbered = re.fullmatch(r"(\d+)．(.+)", title)
        if part <= 3:
            assert numbered, title
            row.number, row.title = int(numbered.group(1)), numbered.group(2)
            seed.tasks[row.number] = row
        else:
            seed.safeguards.append(row)
    return seed


@pytest.fixture(scope="session")
def seed() -> Seed:
    return parse_seed(seed_path().read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan(BUNDLED_PLAN)
