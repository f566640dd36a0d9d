"""W6 page and API latency: ``cmon serve`` on loopback, the current code beside the previous.

Every page is requested once cold (its first request after start-up) and then warm at one
client; the overview and one API endpoint are then loaded at 1, 10 and 50 concurrent clients.
The same run measures the *previous code* (the commit named in ``benchmarks/baseline.txt``, or
``CMON_BENCH_BASELINE``), unpacked with ``git archive`` and served from the same lake, so
every row has its ratio against it. Without a git checkout the previous code is "not run".

The server runs as its own process (``cmon serve --host 127.0.0.1 --port <free port>``) over a
simulated lake with computed indicators, one office user (``cmon users add``) and an API token
(``cmon users token``). Endpoints: the overview page (session cookie from a real sign-in) and
one API endpoint (an indicator endpoint when the app has one, else ``/api/v1/plan/targets``).
*cold* is the first request to each endpoint after start-up; the concurrency rows are the
steady state that follows. The load is BOUNDED: a fixed number of requests per level and a
time cap, loopback only, httpx clients in threads.
"""

from __future__ import annotations

import math
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
TITLE = "Page and API latency"
GOAL = (
    "every page < 300 ms cold and < 50 ms warm at one client; overview p95 < 100 ms at 50 clients"
)
LEVELS = (1, 10, 50)
#: Pages measured one by one; ``{chain}``, ``{target}`` and ``{task}`` are filled from the
#: links of the list pages.
PAGES = (
    "/overview", "/bigscreen", "/plan", "/plan/tasks/{task}", "/submissions", "/explore",
    "/map", "/business-districts", "/holidays", "/evaluation", "/targets", "/targets/{target}",
    "/alerts", "/projects", "/projects/chains", "/projects/chains/{chain}", "/reports",
    "/admin", "/audit",
)  # fmt: skip
#: Warm requests per page at one client.
WARM = 10
BASELINE_FILE = Path(__file__).resolve().parents[1] / "baseline.txt"
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
    return _cmon_module()


def _cmon_module() -> list[str]:
    """``cmon`` run from whatever ``consumption_monitor`` is first on ``PYTHONPATH``."""
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
    ref = baseline_ref()
    return {
        "_data_dir": info["data_dir"],
        "_token": token,
        "_baseline_src": _unpack_baseline(ref, work),
        "baseline": ref,
        "indicator_rows": info["indicator_rows"],
    }


def cases(p: dict[str, Any]) -> list[Case]:
    return [
        Case("previous", f"previous code ({p.get('baseline', '?')[:10]})", reference=True),
        Case("serve", "current code"),
    ]


def baseline_ref() -> str:
    """The commit the current code is compared with."""
    env = os.environ.get("CMON_BENCH_BASELINE", "").strip()
    if env:
        return env
    return BASELINE_FILE.read_text().split()[0] if BASELINE_FILE.exists() else ""


def _unpack_baseline(ref: str, work: Path) -> str:
    """``src`` of commit ``ref`` unpacked under ``work`` (with the vendored chart library of
    the current package, which git does not hold); "" when that is not possible."""
    import shutil
    import tarfile

    repo = Path(__file__).resolve().parents[2]
    if not ref or not (repo / ".git").exists():
        return ""
    out = work / "baseline"
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", ref, "src"],
        capture_output=True, check=False,
    )  # fmt: skip
    if archive.returncode != 0:
        return ""
    import io

    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(out, filter="data")
    import consumption_monitor

    vendor = Path(consumption_monitor.__file__).parent / "web" / "static" / "vendor"
    target = out / "src" / "consumption_monitor" / "web" / "static" / "vendor"
    if vendor.exists():
        shutil.copytree(vendor, target, dirs_exist_ok=True)
    return str(out / "src")


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
    command = _cmon()
    if case == "previous":
        if not p.get("_baseline_src"):
            return {"status": "not run", "reason": "no git checkout to take the previous code from"}
        env["PYTHONPATH"] = p["_baseline_src"]
        env["CMON_DATABASE_URL"] = _previous_database(p)
        command = _cmon_module()
    server = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
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
            pages = _page_rows(client, p["cap_s"])
        targets = {
            "/overview (page)": ("/overview", {"cookies": cookies}),
            f"{api} (API)": (api, {"headers": {"Authorization": f"Bearer {p['_token']}"}}),
        }
        for label, (path, auth) in targets.items():
            if path != "/overview":  # the page table already has the overview's cold request
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
            "extra": {"table": rows, "pages": pages, "startup_s": round(startup, 2),
                      "server_peak_mb": server_peak}}  # fmt: skip


def _previous_database(p: dict[str, Any]) -> str:
    """A copy of the lake's metadata database migrated back to the previous code's newest
    revision (the current code may have added tables or columns it does not know)."""
    import shutil

    from consumption_monitor.store import db

    versions = Path(p["_baseline_src"]) / "consumption_monitor" / "store" / "migrations"
    newest = max((f.stem for f in (versions / "versions").glob("0*.py")), default="")
    copy = Path(p["_data_dir"]).parent / "previous-metadata.db"
    shutil.copyfile(Path(p["_data_dir"]) / "metadata.db", copy)
    url = f"sqlite:///{copy}"
    if newest:
        _downgrade(db, url, newest)
    return url


def _downgrade(db: Any, url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


def _first_link(client: Any, page: str, prefix: str) -> str | None:
    html = client.get(page).text
    found = re.search(rf'href="{re.escape(prefix)}([^"/?#]+)"', html)
    return found.group(1) if found else None


def _page_rows(client: Any, cap: float) -> list[dict[str, Any]]:
    """Cold (first) and warm (median of :data:`WARM`) latency of every page of
    :data:`PAGES`; a page whose list has no link to follow is left out."""
    import numpy as np

    out: list[dict[str, Any]] = []
    fill: dict[str, str | None] = {}
    deadline = time.perf_counter() + cap
    for template in PAGES:
        path = template
        for name, (listing, prefix) in {
            "task": ("/plan", "/plan/tasks/"),
            "target": ("/targets", "/targets/"),
            "chain": ("/projects/chains", "/projects/chains/"),
        }.items():
            if "{" + name + "}" in path:
                if name not in fill:
                    fill[name] = _first_link(client, listing, prefix)
                if fill[name] is None:
                    path = ""
                    break
                path = path.replace("{" + name + "}", str(fill[name]))
        if not path or time.perf_counter() > deadline:
            continue
        t0 = time.perf_counter()
        status = client.get(path).status_code
        cold = (time.perf_counter() - t0) * 1000
        warm = []
        for _ in range(WARM):
            t0 = time.perf_counter()
            client.get(path)
            warm.append((time.perf_counter() - t0) * 1000)
        out.append({"page": template, "status": status, "cold_ms": cold,
                    "warm_ms": float(np.median(warm))})  # fmt: skip
    return out


def _vm_hwm(pid: int) -> float:
    """Peak RSS (VmHWM) of a live process in MB; NaN off Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _by_case(results: list[Result]) -> dict[str, Result]:
    return {r.case.key: r for r in results}


def _ratio(before: float | None, after: float | None) -> str:
    if not before or not after or math.isnan(before) or math.isnan(after):
        return "–"
    return f"{before / after:.1f}×"


def goal_met(results: list[Result]) -> bool | None:
    current = _by_case(results).get("serve")
    if current is None or current.status != "ok":
        return None
    pages = current.extra.get("pages", [])
    pages_ok = all(r["cold_ms"] < 300 and r["warm_ms"] < 50 for r in pages)
    load = [
        r for r in current.extra.get("table", [])
        if r["endpoint"].startswith("/overview") and r["clients"] == "50"
    ]  # fmt: skip
    return bool(pages) and pages_ok and bool(load) and load[0]["p95_ms"] < 100


def render(results: list[Result], p: dict[str, Any]) -> list[str]:
    cases = _by_case(results)
    prev, cur = cases.get("previous"), cases.get("serve")
    lines: list[str] = []
    for r in results:
        if r.status != "ok":
            lines += [f"{r.case.label}: {r.status} ({r.note})", ""]

    def table(result: Result | None, key: str) -> dict[str, dict[str, Any]]:
        if result is None or result.status != "ok":
            return {}
        rows = result.extra.get(key, [])
        if key == "pages":
            return {row["page"]: row for row in rows}
        return {f"{row['endpoint']}|{row['clients']}": row for row in rows}

    pp, cp = table(prev, "pages"), table(cur, "pages")
    lines += [
        "Pages at one client (ms; ratio = previous / current, above 1× is faster):",
        "",
        "| page | HTTP | cold previous | cold current | ratio | warm previous | warm current "
        "| ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        a, b = pp.get(page), cp.get(page)
        if b is None:
            continue
        ac = a["cold_ms"] if a else None
        aw = a["warm_ms"] if a else None
        lines.append(
            f"| `{page}` | {b['status']} | {_fmt_ms(ac)} | {b['cold_ms']:.0f} | "
            f"{_ratio(ac, b['cold_ms'])} | {_fmt_ms(aw)} | {b['warm_ms']:.1f} | "
            f"{_ratio(aw, b['warm_ms'])} |"
        )
    pl, cl = table(prev, "table"), table(cur, "table")
    lines += [
        "",
        "Under load (p95 ms; previous → current):",
        "",
        "| endpoint | clients | requests | errors | p50 ms | p95 ms previous | p95 ms current "
        "| ratio | requests/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in cl.items():
        before = pl.get(key)
        b95 = before["p95_ms"] if before else None
        lines.append(
            f"| `{row['endpoint']}` | {row['clients']} | {row['requests']} | {row['errors']} | "
            f"{row['p50_ms']:.1f} | {_fmt_ms(b95)} | {row['p95_ms']:.1f} | "
            f"{_ratio(b95, row['p95_ms'])} | {row['rps']:.1f} |"
        )
    return lines


def _fmt_ms(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.1f}"


def notes(results: list[Result], p: dict[str, Any]) -> list[str]:
    lines = []
    for r in results:
        if r.status == "ok":
            lines.append(
                f"{r.case.label}: one uvicorn worker, start-up {r.extra.get('startup_s')} s, "
                f"peak RSS {r.extra.get('server_peak_mb', float('nan')):.0f} MB."
            )
    lines.append(
        "Client threads share the 2 cores with the server, so latencies at 50 clients include "
        f"client-side queueing. Each level: at most {p['requests']} requests or {p['cap_s']} s. "
        "*cold* is a page's first request after start-up; *warm* is the median of the "
        f"{WARM} requests that follow."
    )
    return lines
