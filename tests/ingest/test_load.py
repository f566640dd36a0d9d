"""Loading: refusal writes nothing, quarantine sets rows aside, the same content is a no-op,
the CLI maps refusals to exit code 3, and templates round-trip."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import openpyxl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from consumption_monitor.config import Settings
from consumption_monitor.errors import DataValidationError
from consumption_monitor.ingest import ingest
from consumption_monitor.ingest.templates import write_template
from consumption_monitor.store import Store


def _bad_rows(b: ModuleType) -> list[list[str]]:
    rows = b.human_rows()
    rows[1][6] = "-5"  # negative money
    rows[2][2] = "火星区"  # unknown district
    return rows


def test_refused_load_changes_nothing(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    path = b.write_csv(tmp_path / "bad.csv", b.HEAD_ZH, _bad_rows(b))
    with pytest.raises(DataValidationError) as info:
        ingest([path], "enterprise_monthly", settings=settings)
    where = {(p.where.row, p.where.column) for p in info.value.problems}
    assert where == {(3, "零售额"), (4, "区划代码")}
    with Store(settings) as store:
        assert store.list_batches() == []
    assert b.lake_files(settings) == []


def test_error_in_a_late_block_still_refuses_everything(
    b: ModuleType, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Good blocks are streamed to the store before the bad one is read: the store must discard
    # what it staged when the refusal is raised at the end.
    from consumption_monitor.ingest import readers

    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 4096)
    rows = [
        [b.make_uscc("9", "1", "120101", f"MA{i:06d}"), "x", "和平区", "F52", "2024-03",
         "化妆品类", str(i), ""]
        for i in range(2000)
    ]  # fmt: skip
    rows[-1][6] = "-1"
    path = b.write_csv(tmp_path / "late.csv", b.HEAD_ZH, rows)
    with pytest.raises(DataValidationError) as info:
        ingest([path], "enterprise_monthly", settings=settings)
    assert [(p.where.row, p.where.column) for p in info.value.problems] == [(2001, "零售额")]
    with Store(settings) as store:
        assert store.list_batches() == []
    assert b.lake_files(settings) == []
    assert not any((settings.lake_dir / "_staging").glob("*/*"))


def test_quarantine_loads_good_rows_and_records_the_rest(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    path = b.write_csv(tmp_path / "bad.csv", b.HEAD_ZH, [*_bad_rows(b), b.human_rows()[0]])
    result = ingest([path], "enterprise_monthly", settings=settings, quarantine=True)
    # rows 3 and 4 are invalid; row 6 repeats row 2's key
    assert (result.rows_loaded, result.rows_rejected) == (2, 3)
    assert result.quarantine_file and result.problems_total == 3
    with Store(settings) as store:
        (info,) = store.list_batches("enterprise_monthly")
    assert info.quarantine_file == result.quarantine_file and info.rows_rejected == 3
    q = pq.read_table(settings.lake_dir / result.quarantine_file).to_pylist()
    assert sorted(r["_row"] for r in q) == [3, 4, 6]
    reasons = {r["_row"]: r["_reason"] for r in q}
    assert "negative" in reasons[3] and "district" in reasons[4] and "duplicate" in reasons[6]
    loaded = b.lake_table(settings, "enterprise_monthly")
    assert sorted(loaded.column("retail_sales").to_pylist()) == [0.0, 1234.5]


def test_same_content_twice_is_a_noop(b: ModuleType, settings: Settings, tmp_path: Path) -> None:
    one = b.write_csv(tmp_path / "a.csv", b.HEAD_ZH, b.human_rows()[:2])
    two = b.write_csv(tmp_path / "b.csv", b.HEAD_ZH, b.human_rows()[2:])
    first = ingest([one, two], "enterprise_monthly", settings=settings)
    again = ingest([two, one], "enterprise_monthly", settings=settings)  # order does not matter
    assert again.duplicate and again.batch_id == first.batch_id
    assert f"batch {first.batch_id}" in again.message_en and again.rows_loaded == 0
    with Store(settings) as store:
        assert len(store.list_batches()) == 1
    assert b.lake_table(settings, "enterprise_monthly").num_rows == 4


def test_cli_exit_codes_and_json(
    b: ModuleType, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consumption_monitor.cli import app
    from consumption_monitor.config import get_settings

    monkeypatch.setenv("CMON_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    runner = CliRunner()
    bad = b.write_csv(tmp_path / "bad.csv", b.HEAD_ZH, _bad_rows(b))
    res = runner.invoke(app, ["ingest", str(bad), "--dataset", "enterprise_monthly", "--json"])
    assert res.exit_code == 3
    err = json.loads(res.stdout)["error"]
    assert err["code"] == "validation" and len(err["problems"]) == 2
    good = b.write_csv(tmp_path / "good.csv", b.HEAD_ZH, b.human_rows())
    res = runner.invoke(app, ["ingest", str(good), "-d", "enterprise_monthly", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["rows_loaded"] == 4
    res = runner.invoke(app, ["ingest", str(good), "-d", "enterprise_monthly", "--lang", "en"])
    assert res.exit_code == 0 and "already loaded as batch" in res.stdout
    res = runner.invoke(app, ["ingest", str(good), "-d", "no_such_dataset"])
    assert res.exit_code == 4
    get_settings.cache_clear()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_round_trips(fmt: str, settings: Settings, tmp_path: Path) -> None:
    path = write_template("card_transactions", fmt, tmp_path / f"t.{fmt}")  # type: ignore[arg-type]
    result = ingest([path], "card_transactions", settings=settings)
    assert result.rows_loaded == 1  # the example row is valid


def test_xlsx_template_has_chinese_headers_and_dropdowns(tmp_path: Path) -> None:
    path = write_template("enterprise_monthly", "xlsx", tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]][:3] == ["统一社会信用代码", "企业名称", "区划代码"]
    assert ws.cell(1, 7).value == "零售额(万元)"
    lists = wb["lists"]
    assert lists.sheet_state == "hidden"
    sources = {
        next(iter(dv.sqref.ranges)).coord.split(":")[0]: dv.formula1
        for dv in ws.data_validations.dataValidation
    }
    assert "C2" in sources and "F2" in sources  # district and category columns
    district_col = sources["C2"].split("!")[1].split(":")[0].replace("$", "")[0]
    names = [c.value for c in lists[district_col] if c.value is not None][1:]
    assert names[0] == "和平区" and len(names) == 16


def test_cli_template(tmp_path: Path) -> None:
    from consumption_monitor.cli import app

    out = tmp_path / "os.csv"
    res = CliRunner().invoke(
        app, ["template", "official_stats", "--format", "csv", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("地区,指标,时期")


def test_top_level_ingest_works_after_the_subpackage_is_imported(
    b: ModuleType, settings: Settings, tmp_path: Path
) -> None:
    import consumption_monitor as cm
    import consumption_monitor.ingest.api  # rebinds cm.ingest to the subpackage

    path = b.write_csv(tmp_path / "a.csv", b.HEAD_ZH, b.human_rows())
    result = cm.ingest([path], "enterprise_monthly", settings=settings)
    assert result.rows_loaded == 4
