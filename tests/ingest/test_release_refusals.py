"""Release tables the reader cannot place are refused with the cell named, and load nothing.

Each table is NBS 《2025年12月份社会消费品零售总额主要数据》 in the published layout (title row,
merged 12月/1-12月 × 绝对量/同比增长 header) with one thing wrong. The good rows beside the bad
cell must not load either: a refused file changes nothing (#18 item 1).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

from consumption_monitor.config import Settings
from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest import ingest

TITLE = "2025年12月份社会消费品零售总额主要数据"
#: Published figures: 社零 45136 亿元 +0.9 % (12月), 501202 亿元 +3.7 % (1-12月); 限上 19547 亿元
#: −1.9 %, 201618 亿元 +3.3 %.
ROWS: list[list[object]] = [
    ["社会消费品零售总额", 45136, 0.9, 501202, 3.7],
    ["  其中：限额以上单位消费品零售额", 19547, -1.9, 201618, 3.3],
]


def _table(path: Path, rows: list[list[object]], title: str = TITLE, group: str = "12月") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([title])
    ws.append(["指标", group, None, "1-12月", None])
    ws.append([None, "绝对量（亿元）", "同比增长（%）", "绝对量（亿元）", "同比增长（%）"])
    for cells in ("A1:E1", "A2:A3", "B2:C2", "D2:E2"):
        ws.merge_cells(cells)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _refused(b: ModuleType, settings: Settings, path: Path) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        ingest([path], "official_stats", settings=settings, region="全国")
    assert b.lake_table(settings, "official_stats").num_rows == 0  # nothing was loaded
    assert b.lake_files(settings) == []
    err = info.value
    # One located problem, in Chinese and in English, with what to do in both.
    assert err.where is not None and err.where.file == path.name
    assert err.zh != err.en and err.hint_zh and err.hint_en
    return err


def test_the_good_table_loads(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    """The control: without the defect the same table loads (so each refusal below is real)."""
    path = _table(tmp_path / "ok.xlsx", ROWS)
    result = ingest([path], "official_stats", settings=settings, region="全国")
    assert result.rows_loaded == 4
    got = {
        (r["indicator"], r["basis"]): (r["value"], r["yoy_pct"])
        for r in b.lake_table(settings, "official_stats").to_pylist()
    }
    assert got[("retail_sales", "ytd")] == (501202.0, 3.7)


def test_unknown_row_label_is_refused_with_its_cell(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    path = _table(tmp_path / "label.xlsx", [*ROWS, ["　　其中：旅游消费额", 1234, 5.0, None, None]])
    err = _refused(b, settings, path)
    assert (err.where.row, err.where.column) == (6, "A")  # type: ignore[union-attr]
    assert "旅游消费额" in str(err.where.value)  # type: ignore[union-attr]
    assert "不是指标目录中的指标" in err.zh and "not a catalog indicator" in err.en


def test_non_number_cell_is_refused_with_its_cell(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    bad = [["社会消费品零售总额", "四万五千", 0.9, 501202, 3.7], ROWS[1]]
    err = _refused(b, settings, _table(tmp_path / "number.xlsx", bad))
    assert (err.where.row, err.where.column, err.where.value) == (4, "B", "四万五千")  # type: ignore[union-attr]
    assert "不是有效数字" in err.zh and "not a number" in err.en


def test_missing_period_is_refused_with_its_cell(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    # The title names no year: "12月" cannot be placed in time.
    path = _table(tmp_path / "period.xlsx", ROWS, title="社会消费品零售总额主要数据")
    with pytest.raises(DataValidationError) as info:
        ingest([path], "official_stats", settings=settings, region="全国")
    assert b.lake_files(settings) == []
    # Each column group is named once, at its first cell (not once per column).
    problems = info.value.problems
    where = [(p.where.row, p.where.column, p.where.value) for p in problems if p.where]
    assert where == [(2, "B", "12月"), (2, "D", "1-12月")]
    for p in problems:
        assert "时期" in p.zh and "period" in p.en
        assert "2025年12月份" in (p.hint_zh or "") and "2025年12月份" in (p.hint_en or "")
    assert "本批数据未入库" in info.value.zh and "nothing was loaded" in info.value.en


def test_missing_region_is_refused(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    path = _table(tmp_path / "region.xlsx", ROWS)
    with pytest.raises(DataValidationError) as info:
        ingest([path], "official_stats", settings=settings)  # no --region, title names none
    assert b.lake_files(settings) == []
    assert "--region" in info.value.zh and "--region" in info.value.en


def test_formula_in_a_release_table_is_refused(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    """The release reader opens workbooks itself: it keeps the formula check of other files."""
    path = _table(
        tmp_path / "formula.xlsx", [["社会消费品零售总额", "=44000+1136", 0.9, 501202, 3.7]]
    )
    with pytest.raises(DataValidationError) as info:
        ingest([path], "official_stats", settings=settings, region="全国")
    assert b.lake_files(settings) == []
    assert "公式" in info.value.render("zh") and "formula" in info.value.render("en").lower()
