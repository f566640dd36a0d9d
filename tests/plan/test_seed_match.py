"""The bundled Tianjin plan matches the official text (the seed), parsed independently."""

from __future__ import annotations

import re
from typing import Any

from consumption_monitor.plan import Plan, TargetKind

COLLECTIVES = {"各区人民政府": "all_districts", "有关区人民政府": "relevant_districts"}
SPAN_CLAUSE = re.compile(r"^2025年(到|至)2027年$")


def _named(entry: str) -> tuple[str, bool]:
    return (entry.removesuffix("等有关部门"), entry.endswith("等有关部门"))


def test_annex_has_fifty_tasks_with_matching_titles_and_measures(seed: Any, plan: Plan) -> None:
    assert sorted(seed.tasks) == list(range(1, 51))
    assert sorted(plan.tasks) == list(range(1, 51))
    for number, row in seed.tasks.items():
        task = plan.task(number)
        assert task.title_zh == row.title, number
        assert task.measures_zh == row.measures, number
        assert task.title_en and task.measures_en, number


def test_part_and_group_structure(seed: Any, plan: Plan) -> None:
    assert {p.id: p.title_zh for p in plan.parts} == {k: v for k, v in seed.parts.items() if k <= 3}
    seed_groups = {(r.group_numeral, r.group_title) for r in seed.tasks.values()}
    assert {(g.numeral, g.title_zh) for g in plan.groups.values()} == seed_groups
    assert len(plan.groups) == 16
    for number, row in seed.tasks.items():
        group = plan.group_of(plan.task(number))
        assert (group.numeral, group.title_zh, group.part) == (
            row.group_numeral,
            row.group_title,
            row.part,
        )


def test_every_goal_cell_is_kept_verbatim_and_covered_by_targets(seed: Any, plan: Plan) -> None:
    cells = 0
    for number, row in seed.tasks.items():
        task = plan.task(number)
        assert task.goals_zh == row.goals, number
        sources = [v.source for t in plan.targets_for_task(number) for v in t.values]
        for cell in row.goals.values():
            cells += 1
            clauses = [c for c in cell.split("，") if not SPAN_CLAUSE.match(c)]
            for clause in clauses:
                assert any(clause in s for s in sources), (number, clause)
            # every figure in the cell is some linked target's value or wording
            for figure in re.findall(r"\d+(?:\.\d+)?", cell):
                if figure in ("2025", "2027"):
                    continue
                assert any(figure in s for s in sources), (number, figure)
    # 16 rows fill both year columns, 5 rows (tasks 5, 8, 29, 33, 48) one merged 2025–2027 cell
    assert cells == 16 * 2 + 5
    assert [n for n, r in seed.tasks.items() if "2025-2027" in r.goals] == [5, 8, 29, 33, 48]


def test_targets_shared_by_several_rows_link_to_every_task(seed: Any, plan: Plan) -> None:
    by_cell: dict[str, set[int]] = {}
    for number, row in seed.tasks.items():
        for cell in row.goals.values():
            by_cell.setdefault(cell, set()).add(number)
    for cell, tasks in by_cell.items():
        for target in plan.targets.values():
            if any(v.source in cell for v in target.values):
                assert set(target.tasks) >= tasks, (target.id, tasks)
    # the repeated cells, plus the rows merged under them (16-18, 20; 38; 40)
    assert set(plan.target("T-tourists").tasks) == {15, 16, 17, 18, 19, 20}
    assert set(plan.target("T-commodity-sales").tasks) == {36, 37, 38}
    assert set(plan.target("T-leasing-assets").tasks) == {39, 40, 41}
    assert set(plan.target("T-factoring-assets").tasks) == {39, 40, 41}


def _merged_cells(seed: Any) -> dict[int, int]:
    """Blank goal rows of the seed and the row above (same group) whose merged cell they share."""
    owner: dict[int, int] = {}
    holder: dict[str, int] = {}
    for number in sorted(seed.tasks):
        row = seed.tasks[number]
        if row.goals:
            holder[row.group_numeral] = number
        elif row.group_numeral in holder:
            owner[number] = holder[row.group_numeral]
    return owner


def test_targets_of_merged_goal_cells_attach_to_every_row_of_the_merge(
    seed: Any, plan: Plan
) -> None:
    owner = _merged_cells(seed)
    # rows 10 and 11 (进口消费品, 跨境电商出口) sit under row 9's merged 工作目标 cell
    assert owner[10] == owner[11] == 9
    for number, held_by in owner.items():
        cells = seed.tasks[held_by].goals.values()
        quoting = {
            t.id for t in plan.targets.values()
            if any(v.source in cell for v in t.values for cell in cells)
        }  # fmt: skip
        assert quoting, (number, held_by)
        assert {t.id for t in plan.targets_for_task(number)} >= quoting, number
    # every target: exactly the rows whose own or merged cell quotes it
    for target in plan.targets.values():
        if target.headline:
            continue
        rows = {
            n for n, r in seed.tasks.items()
            if any(
                v.source in c
                for v in target.values
                for c in seed.tasks[owner.get(n, n)].goals.values()
            )
        }  # fmt: skip
        assert set(target.tasks) == rows, target.id
    customs = {
        t.id for task in plan.tasks_for_unit("天津海关") for t in plan.targets_for_task(task.id)
    }
    assert "T-cross-border-ecommerce" in customs


def test_target_values_quote_their_figures(plan: Plan) -> None:
    for target in plan.targets.values():
        for value in target.values:
            if value.value is not None:
                shown = value.value_text or (
                    str(value.value.numerator)
                    if value.value.denominator == 1
                    else str(float(value.value))
                )
                assert shown in value.source, (target.id, shown, value.source)


def test_every_unit_name_in_every_cell_resolves(seed: Any, plan: Plan) -> None:
    rows = [*seed.tasks.values(), *seed.safeguards]
    for row in rows:
        for entry in row.units:
            name, _ = _named(entry)
            assert name in COLLECTIVES or plan.units.find(name) is not None, entry


def test_task_unit_links_follow_the_cells(seed: Any, plan: Plan) -> None:
    district_codes = [d.code for d in plan.units.districts]
    for number, row in seed.tasks.items():
        task = plan.task(number)
        assert task.units == row.units
        expected: list[tuple[str, str]] = []
        for entry in row.units:
            name, _ = _named(entry)
            if name in COLLECTIVES:
                expected += [(code, COLLECTIVES[name]) for code in district_codes]
            else:
                expected.append((plan.units.get(name).code, "named"))
        assert [(link.unit, link.via) for link in task.links] == expected, number
        first, _ = _named(row.units[0])
        assert task.lead_unit == plan.units.get(first).code
        flagged = {link.phrase for link in task.links if link.and_others}
        assert flagged == {e for e in row.units if e.endswith("等有关部门")}


def test_tasks_for_each_unit_match_the_seed(seed: Any, plan: Plan) -> None:
    names = {_named(e)[0] for r in seed.tasks.values() for e in r.units} - set(COLLECTIVES)
    for name in names:
        expected = {n for n, r in seed.tasks.items() if name in {_named(e)[0] for e in r.units}}
        assert {t.id for t in plan.tasks_for_unit(name)} == expected, name
    sport = {n for n, r in seed.tasks.items() if "市体育局" in r.units}
    assert sport == {5, 21, 22, 23, 24, 25}
    any_district = {
        n for n, r in seed.tasks.items() if set(r.units) & {"各区人民政府", "有关区人民政府"}
    }
    for district in plan.units.districts:
        assert {t.id for t in plan.tasks_for_unit(district.name_zh)} == any_district


def test_safeguards_match_the_annex(seed: Any, plan: Plan) -> None:
    items = [item for group in plan.safeguards for item in group.items]
    assert len(plan.safeguards) == 6
    assert len(items) == len(seed.safeguards) == 12
    for item, row in zip(items, seed.safeguards, strict=True):
        assert (item.title_zh, item.text_zh, item.units) == (row.title, row.measures, row.units)
        group = next(g for g in plan.safeguards if item in g.items)
        assert (group.numeral, group.title_zh) == (row.group_numeral, row.group_title)
        assert re.fullmatch(r"S[1-6]-[1-4]", item.id)


def test_one_plus_n_plus_sixteen_structure(seed: Any, plan: Plan) -> None:
    listed = re.search(r"主责部门包括(.+?)等，", seed.text)
    assert listed is not None
    names = listed.group(1).split("、")
    assert [u.name_zh for u in plan.units.main_departments] == [
        plan.units.get(n).name_zh for n in names
    ]
    assert "办公室设在市商务局" in seed.text
    assert plan.units.office_host.name_zh == "市商务局"
    summary = plan.summary()
    assert summary.structure.label == f"1+{len(names)}+16"
    assert plan.unit("天津市消防救援总队") == plan.unit("市消防救援总队")


def test_headline_goals_come_from_the_overall_requirements(seed: Any, plan: Plan) -> None:
    paragraph = next(line for line in seed.text.splitlines() if line.startswith("到2027年底"))
    assert plan.info.overall_goal_zh == paragraph
    headline = [t for t in plan.targets.values() if t.headline]
    assert len(headline) == 4
    for target in headline:
        assert target.tasks == []
        assert [v.year for v in target.values] == [2027]
        assert all(v.source in paragraph for v in target.values)
    kinds = {t.id: t.kind for t in headline}
    assert kinds["T-service-retail-growth-rank"] is TargetKind.RANK
    assert kinds["T-consumption-rate"] is TargetKind.TREND
