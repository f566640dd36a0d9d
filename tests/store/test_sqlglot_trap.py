"""ARCHITECTURE.md's known trap: ibis 12 + sqlglot 30 breaks DuckDB ``create_table``."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest


@pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning")
def test_duckdb_create_table_from_arrow_works() -> None:
    con = ibis.duckdb.connect()
    try:
        data = pa.table({"region": ["120101", "120102"], "value": [1.5, 2.5]})
        t = con.create_table("t", data)
        assert t.count().to_pyarrow().as_py() == 2
        assert con.create_table("t", data, overwrite=True).value.sum().to_pyarrow().as_py() == 4.0
    finally:
        con.disconnect()
