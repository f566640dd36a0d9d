"""engine.connect applies the DuckDB settings: memory limit, threads, spill folder."""

from __future__ import annotations

from pathlib import Path

from consumption_monitor.config import load_settings
from consumption_monitor.engine import connect


def test_duckdb_gets_limit_threads_and_spills_into_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, duckdb_memory_limit="1GB", duckdb_threads=1)
    con = connect(settings, "duckdb")
    try:
        raw = con.con  # the DuckDB connection under the Ibis backend
        setting = "SELECT current_setting('{}')"
        assert raw.execute(setting.format("threads")).fetchone()[0] == 1
        # DuckDB reports 1 GB (10^9 bytes) in binary units.
        assert raw.execute(setting.format("memory_limit")).fetchone()[0] == "953.6 MiB"
        spill = raw.execute(setting.format("temp_directory")).fetchone()[0]
        assert Path(spill) == (tmp_path / "tmp").resolve()
    finally:
        con.disconnect()
