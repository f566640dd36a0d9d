"""Every input format loads to the same canonical rows."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from consumption_monitor.config import Settings
from consumption_monitor.ingest import check, ingest
from consumption_monitor.store import Store


def _rows(b: ModuleType, settings: Settings) -> list[tuple[Any, ...]]:
    table = b.lake_table(settings, "enterprise_monthly")
    cols = ["enterprise_id", "enterprise_name", "district_code", "industry", "period",
            "category", "retail_sales", "online_retail_sales"]  # fmt: skip
    rows = [tuple(r[c] for c in cols) for r in table.select(cols).to_pylist()]
    return sorted((*r[:6], round(r[6], 6), None if r[7] is None else round(r[7], 6)) for r in rows)


def _human_csv(encoding: str) -> Any:
    return lambda b, d: b.write_csv(d / f"{encoding}.csv", b.HEAD_ZH, b.human_rows(), encoding)


BUILDS = {
    "xlsx_merged_two_row_header": lambda b, d: b.write_merged_xlsx(d / "merged.xlsx"),
    "csv_gbk_human_labels": _human_csv("gbk"),
    "csv_gb18030": _human_csv("gb18030"),
    "csv_utf8_bom": _human_csv("utf-8-sig"),
    "csv_utf8_english": lambda b, d: b.write_csv(
        d / "en.csv", b.HEAD_EN, [list(r) for r in b.CANONICAL]
    ),
    "xlsx_title_row": lambda b, d: b.write_xlsx(
        d / "t.xlsx", b.HEAD_ZH, b.human_rows(), "2024年数据"
    ),
    "parquet_yi_yuan_header": lambda b, d: b.write_parquet(d / "p.parquet"),
    "json_data_envelope": lambda b, d: b.write_json(d / "j.json"),
    "jsonl_chinese_keys": lambda b, d: b.write_jsonl(d / "j.jsonl"),
}  # fmt: skip


@pytest.mark.parametrize("build", list(BUILDS), ids=list(BUILDS))
def test_each_format_loads_the_same_canonical_rows(
    build: str, b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    path = BUILDS[build](b, tmp_path)
    result = ingest([path], "enterprise_monthly", settings=settings, vintage="2024-04-15")
    assert (result.rows_loaded, result.rows_rejected, result.duplicate) == (4, 0, False)
    expected = sorted((*r[:6], r[6], r[7]) for r in b.CANONICAL)
    assert _rows(b, settings) == expected


def test_validate_is_a_dry_run(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    path = b.write_csv(tmp_path / "x.csv", b.HEAD_ZH, b.human_rows())
    report = check([path], "enterprise_monthly", settings=settings)
    assert (report.rows_valid, report.rows_rejected, report.problems_total) == (4, 0, 0)
    assert not (settings.lake_dir / "enterprise_monthly").exists()


def test_two_files_load_as_one_batch(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    rows = b.human_rows()
    one = b.write_csv(tmp_path / "a.csv", b.HEAD_ZH, rows[:2])
    two = b.write_xlsx(tmp_path / "b.xlsx", b.HEAD_ZH, rows[2:])
    result = ingest([one, two], "enterprise_monthly", settings=settings)
    assert result.rows_loaded == 4
    with Store(settings) as store:
        assert [x.id for x in store.list_batches("enterprise_monthly")] == [result.batch_id]


def test_large_csv_streams_in_several_blocks(
    b: ModuleType, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consumption_monitor.ingest import readers

    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 4096)
    rows = []
    for i in range(3000):
        e = b.make_uscc("9", "1", "120101", f"MA{i:06d}")
        rows.append([e, f"企业{i}", "和平区", "F52", "2024-03", "化妆品类", f"{i}.5", ""])
    path = b.write_csv(tmp_path / "big.csv", b.HEAD_ZH, rows)
    seen: list[int] = []
    result = ingest([path], "enterprise_monthly", settings=settings, progress=seen.append)
    assert result.rows_loaded == 3000
    assert sum(seen) == path.stat().st_size
    sales = b.lake_table(settings, "enterprise_monthly").column("retail_sales").to_pylist()
    assert sorted(sales) == [i + 0.5 for i in range(3000)]
