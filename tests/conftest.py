"""Shared test fixtures.

PostgreSQL: ``pg_url`` starts a throwaway cluster on 127.0.0.1 for the test session (trust
auth, data in a temp folder) and stops it at the end. The server binaries must be installed
(Debian ``postgresql``; ``.ci/run`` installs them): when they are missing the fixture FAILS.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _pg_bindir() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not found:
        pytest.fail(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install the "
            "Debian package `postgresql` (.ci/run does) to run the @pytest.mark.postgres tests",
            pytrace=False,
        )
    return found[-1].parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh database ``cmon_test`` on a throwaway PostgreSQL server (loopback only)."""
    bindir = _pg_bindir()
    base = Path(tempfile.mkdtemp(prefix="cmon-pg-"))
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as `postgres`
        shutil.chown(base, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        proc = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            log = base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{args[0]} failed: {proc.stderr or proc.stdout}\n{tail}", pytrace=False)

    port = _free_port()
    run(
        str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
        "--no-locale", "-E", "UTF8", "--no-sync",
    )  # fmt: skip
    opts = f"-h 127.0.0.1 -p {port} -k {base} -F -c max_connections=50"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
        "-o", opts, "start")  # fmt: skip
    try:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE cmon_test")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/cmon_test"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)
