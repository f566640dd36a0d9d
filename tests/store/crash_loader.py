"""A card-payment load in a subprocess that can kill itself at a crash point.

Shared by the crash tests of the local lake (``test_crash.py``) and of the object-store lake
(``test_object_lake.py``). The child loads ``rows`` payments in chunks through
``Store.write_batch`` with the TEST-ONLY hook ``CMON_TEST_CRASH_POINT``
(``consumption_monitor.store.lake.crash_point``) and prints ``<batch id> <rows loaded>
<duplicate>``. It inherits the environment (so ``CMON_LAKE_URL`` and its options reach it)
with the data folder and metadata database of ``settings``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import consumption_monitor
from consumption_monitor.config import Settings

_SCRIPT = """
import sys
from datetime import date, datetime, timedelta
import pyarrow as pa
from consumption_monitor.config import load_settings
from consumption_monitor.store import Store

ROWS, CHUNK, ROLL = {rows}, {chunk}, {roll_rows}

def chunks():
    base = datetime(2024, 1, 1, 9, 0)
    for start in range(0, ROWS, CHUNK):
        ids = range(start, start + CHUNK)
        yield pa.RecordBatch.from_pydict({{
            "txn_id": [f"t{{i:06d}}" for i in ids],
            "txn_ts": pa.array([base + timedelta(days=i % 60) for i in ids], pa.timestamp("us")),
            "merchant_id": ["m1"] * CHUNK, "mcc": ["5411"] * CHUNK,
            "amount": [float(i) for i in ids], "channel": ["offline"] * CHUNK,
            "card_origin": ["local"] * CHUNK, "card_hash": ["c"] * CHUNK,
            "district_code": ["120101"] * CHUNK,
        }})

with Store(load_settings(), roll_rows=ROLL) as store:
    info = store.write_batch("card_transactions", chunks(), vintage=date(2024, 3, 1),
                             content_hash="crash-file", source="crash.csv")
    sys.stdout.write(f"{{info.id}} {{info.rows_loaded}} {{info.duplicate}}\\n")
"""


def loader_command(
    settings: Settings,
    crash_point: str | None = None,
    *,
    rows: int = 3_000,
    chunk: int = 500,
    roll_rows: int = 400,
) -> tuple[list[str], dict[str, str]]:
    """The child's argv and environment; ``crash_point`` (``files``, ``before_commit``,
    ``after_commit``) makes it SIGKILL itself there."""
    src = str(Path(consumption_monitor.__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if k != "CMON_TEST_CRASH_POINT"}
    env |= {
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        "CMON_DATA_DIR": str(settings.data_dir),
        "CMON_DATABASE_URL": settings.metadata_url,
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    if crash_point:
        env["CMON_TEST_CRASH_POINT"] = crash_point
    script = _SCRIPT.format(rows=rows, chunk=chunk, roll_rows=roll_rows)
    return [sys.executable, "-c", script], env


def run_loader(
    settings: Settings, crash_point: str | None, **sizes: int
) -> subprocess.CompletedProcess[str]:
    """Run the load to its end (or its crash point); ``sizes``: see :func:`loader_command`."""
    argv, env = loader_command(settings, crash_point, **sizes)
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
