"""W6 API latency: ``cmon serve`` on loopback, p50/p95 at 1, 10 and 50 concurrent clients.

The server runs as its own process (``cmon serve --host 127.0.0.1 --port <free port>``) over a
simulated lake with computed indicators, one office user (``cmon users add``) and an API token
(``cmon users token``). Endpoints: the overview page (session cookie from a real sign-in) and
one API endpoint (an indicator endpoint when the app has one, else ``/api/v1/plan/targets``).
*cold* is the first request to each endpoint after start-up; the concurrency rows are the
steady state that follows. The load is BOUNDED: a fixed number of requests per level and a
time cap, loopback only, httpx clients in threads.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Result
from benchmarks.workloads import Case
from benchmarks.workloads.lake import build_lake

NAME = "W6"
TITLE = "API latency"
GOAL = ""
LEVELS = (1, 10, 50)
USER, PASSWORD = "bench", "bench-password-123"


def params(quick: bool, rows: int | None, scale: str | None = None) -> dict[str, Any]:
    return {
        "scale": scale or "tiny",
        "requests": 60 if quick else 500,
        "cap_s": 20 if quick else 60,
    }


def _cmon() -> list[str]:
    script = Path(sys.executable).with_name("cmon")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from consumption_monitor.cli import main; main()"]


def prepare(p: dict[str, Any], work: Path) -> dict[str, Any]:
    import json

    info = build_lake(p["scale"], work, compute=True)
    env = {**os.environ, "CMON_DATA_DIR": info["data_dir"]}
    subprocess.run(
        [*_cmon(), "users", "add", USER, "--role", "office", "--unit", "commerce",
         "--password-stdin"],
        input=PASSWORD + "\n", env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    out = subprocess.run(
        [*_cmon(), "users", "token", USER, "--json"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    token = json.loads(out.stdout)["token"]
    return {
        "_data_dir": info["data_dir"],
        "_token": token,
        "indicator_rows": info["indicator_rows"],
    }


def cases(p: dict[str, Any]) -> list[Case]:
    return [Case("serve", "cmon serve (1 uvicorn worker)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _api_path(client: Any) -> str:
    """An indicator GET endpoint without path parameters, else the plan targets list."""
    spec = client.get("/openapi.json").json()
    for path, ops in spec.get("paths", {}).items():
        if "indicator" in path and "{" not in path and "get" in ops:
            return str(path)
    return "/api/v1/plan/targets"


def _sign_in(client: Any) -> None:
    page = client.get("/login").text
    found = re.search(r'name="csrf_token"\s+value="([^"]+)"', page)
    csrf = found.group(1) if found else ""
    resp = client.post("/login", data={"username": USER, "password": PASSWORD,
                                       "next": "/overview", "csrf_token": csrf})  # fmt: skip
    if resp.status_code not in (200, 303):
        raise RuntimeError(f"sign-in failed: HTTP {resp.status_code}")


def _load(base: str, path: str, auth: dict[str, Any], clients: int, total: int, cap: float
          ) -> dict[str, Any]:  # fmt: skip
    """``total`` GETs of ``path`` from ``clients`` threads; stop at ``cap`` seconds."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import numpy as np

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    issued = 0
    deadline = time.perf_counter() + cap

    def worker() -> None:
        nonlocal issued, errors
        with httpx.Client(base_url=base, timeout=30, **auth) as client:
            while True:
                with lock:
                    if issued >= total or time.perf_counter() > deadline:
                        return
                    issued += 1
                t0 = time.perf_counter()
                ok = client.get(path).status_code == 200
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    errors += 0 if ok else 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(worker)
    wall = time.perf_counter() - t0
    arr = np.array(latencies) * 1000
    return {
        "requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
        "p50_ms": float(np.percentile(arr, 50)) if arr.size else float("nan"),
        "p95_ms": float(np.percentile(arr, 95)) if arr.size else float("nan"),
    }  # fmt: skip


def setup(case: str, p: dict[str, Any]) -> None:
    import httpx  # noqa: F401
    import numpy  # noqa: F401


def run(case: str, p: dict[str, Any]) -> dict[str, Any]:
    import httpx

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CMON_DATA_DIR": p["_data_dir"], "CMON_MODE": "development"}
    server = subprocess.Popen(
        [*_cmon(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    rows: list[dict[str, Any]] = []
    try:
        start = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - start > 60:
                err = server.stderr.read().decode()[-300:] if server.stderr else ""
                return {"status": "not run", "reason": f"server did not start: {err}"}
            time.sleep(0.2)
        startup = time.perf_counter() - start
        with httpx.Client(base_url=base, timeout=30) as client:
            _sign_in(client)
            cookies = dict(client.cookies)
            api = _api_path(client)
        targets = {
            "/overview (page)": ("/overview", {"cookies": cookies}),
            f"{api} (API)": (api, {"headers": {"Authorization": f"Bearer {p['_token']}"}}),
        }
        for label, (path, auth) in targets.items():
            # cold: the first request to this endpoint since the server started
            cold = _load(base, path, auth, 1, 1, p["cap_s"])
            rows.append({"endpoint": label, "clients": "cold (1st request)", **cold})
            for level in LEVELS:
                stats = _load(base, path, auth, level, int(p["requests"]), p["cap_s"])
                rows.append({"endpoint": label, "clients": str(level), **stats})
        server_peak = _vm_hwm(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"rows": sum(r["requests"] for r in rows),
            "extra": {"table": rows, "startup_s": round(startup, 2),
                      "server_peak_mb": server_peak}}  # fmt: skip


def _vm_hwm(pid: int) -> float:
    """Peak RSS (VmHWM) of a live process in MB; NaN off Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def render(results: list[Result], p: dict[str, Any]) -> list[str]:
    lines = [
        "| endpoint | clients | requests | errors | p50 ms | p95 ms | requests/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.status != "ok":
            lines.append(f"| {r.case.label} | {r.status} | – | – | – | – | {r.note} |")
            continue
        for row in r.extra.get("table", []):
            lines.append(
                f"| `{row['endpoint']}` | {row['clients']} | {row['requests']} | "
                f"{row['errors']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                f"{row['rps']:.1f} |"
            )
    return lines


def notes(results: list[Result], p: dict[str, Any]) -> list[str]:
    lines = []
    for r in results:
        if r.status == "ok":
            lines.append(
                f"Server: one uvicorn worker, start-up {r.extra.get('startup_s')} s, peak RSS "
                f"{r.extra.get('server_peak_mb', float('nan')):.0f} MB; server + load generator "
                f"{r.peak_mb:.0f} MB. Client threads share the 2 cores with the server, so "
                "latencies at 50 clients include client-side queueing. Each level: at most "
                f"{p['requests']} requests or {p['cap_s']} s. The app keeps no response cache: "
                "*cold* is the first request after start-up (first Parquet read, template "
                "compilation, lazy imports); the rows after it are the warm steady state."
            )
    return lines
