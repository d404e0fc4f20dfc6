"""Measure one call in a fresh Python process: wall time and peak memory of that process.

Each measurement starts a new interpreter (``python -m benchmarks.harness SPEC``), imports the
modules named in ``preload`` (so import time and import memory are not charged to the call),
then runs ``module:function(*args, **kwargs)`` between two readings of the wall clock and of
its own CPU time (all threads: on a shared machine CPU time is the steadier of the two). The parent collects
the child with ``os.wait4``, whose resource usage belongs to that one child: its ``ru_maxrss``
is the peak resident set of the whole process, imports included. (``RUSAGE_CHILDREN`` would
give the largest peak of *all* children waited for so far, so a small step measured after a
big one would report the big one's peak.) The child also reports its own ``VmHWM`` and its
``VmRSS`` just before the call, as a cross-check and to show what the imports alone cost.

>>> m = measure("benchmarks.bench_ingest:baseline_load", "x.csv", "x.duckdb", preload=["duckdb"])  # doctest: +SKIP
>>> m.seconds, m.peak_rss_mb  # doctest: +SKIP
(0.41, 212.3)
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
"""The folder that holds the ``benchmarks`` package; children start there."""


class MeasureError(RuntimeError):
    """The measured call raised, or its process died; ``detail`` holds the child's traceback
    or the tail of its output."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.detail = detail


@dataclass
class Measurement:
    """One call measured in its own process."""

    label: str
    seconds: float                  # wall time of the call itself
    cpu_seconds: float              # CPU time of the call, all threads (user + system)
    process_seconds: float          # the whole child: start-up, imports, call, exit
    peak_rss_mb: float              # ru_maxrss of the child (MiB), imports included
    vm_hwm_mb: float | None         # the child's own /proc/self/status VmHWM (MiB)
    rss_before_mb: float | None     # VmRSS after the imports, before the call (MiB)
    value: Any = None               # what the call returned (JSON-able)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _proc_status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _cpu() -> float:
    """CPU seconds of this process so far, every thread (DuckDB's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def measure(
    target: str,
    *args: Any,
    label: str | None = None,
    preload: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> Measurement:
    """Run ``target`` (``"package.module:function"``) in a fresh process and measure it.

    ``args`` and ``kwargs`` must be JSON-able, and so must the return value. ``env`` is added
    to the parent's environment. Raises :class:`MeasureError` with the child's traceback (or
    the tail of its output) when the call fails.
    """
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        spec_path, result_path, log_path = (Path(tmp) / n for n in ("spec.json", "result.json", "child.log"))
        spec_path.write_text(json.dumps({
            "target": target, "args": list(args), "kwargs": kwargs, "preload": list(preload),
            "result": str(result_path),
        }))
        child_env = os.environ.copy()
        child_env.update(env or {})
        child_env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), child_env.get("PYTHONPATH")) if p)
        started = time.perf_counter()
        with log_path.open("wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "benchmarks.harness", str(spec_path)],
                                    cwd=ROOT, env=child_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        process_seconds = time.perf_counter() - started
        result = json.loads(result_path.read_text()) if result_path.exists() else None
        if result is None or result.get("error"):
            detail = result["error"] if result else _tail(log_path)
            last = detail.strip().splitlines()[-1] if detail.strip() else "no output"
            raise MeasureError(f"{label or target} failed (exit {proc.returncode}): {last}", detail)
    return Measurement(
        label=label or target,
        seconds=result["seconds"],
        cpu_seconds=result["cpu_seconds"],
        process_seconds=process_seconds,
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),   # Linux reports KiB
        vm_hwm_mb=_mb(result["vm_hwm_kb"]),
        rss_before_mb=_mb(result["rss_before_kb"]),
        value=result["value"],
    )


def result_row(benchmark: str, case: str, m: Measurement, rows: int, *, seconds: float | None = None,
               ratio: float | None = None, note: str = "", info: bool = False, ok: bool | None = None) -> dict[str, Any]:
    """One row of the report: ``m``'s time (or ``seconds``, a time measured inside the step), CPU
    time, throughput and peak memory, the ratio against the baseline, whether the target was met
    (``ok``; None when the case has no target) and a note; ``info`` rows are not compared."""
    s = m.seconds if seconds is None else seconds
    row = {"benchmark": benchmark, "case": case, "rows": rows, "seconds": round(s, 4),
           "cpu_seconds": round(m.cpu_seconds, 3), "rows_per_s": round(rows / s) if s else None,
           "peak_rss_mb": m.peak_rss_mb, "ratio": ratio, "note": note, "info": info,
           "process_seconds": round(m.process_seconds, 3)}
    if ok is not None:
        row["ok"] = ok
    return row


def _tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


def _child(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    out: dict[str, Any] = {"seconds": None, "value": None, "error": None}
    try:
        for name in spec["preload"]:
            importlib.import_module(name)
        module, _, func_name = spec["target"].partition(":")
        func = getattr(importlib.import_module(module), func_name)
        out["rss_before_kb"] = _proc_status_kb("VmRSS")
        cpu_started, started = _cpu(), time.perf_counter()
        out["value"] = func(*spec["args"], **spec["kwargs"])
        out["seconds"] = time.perf_counter() - started
        out["cpu_seconds"] = _cpu() - cpu_started
    except BaseException:  # reported to the parent, which raises MeasureError
        out["error"] = traceback.format_exc()
    out["vm_hwm_kb"] = _proc_status_kb("VmHWM")
    out.setdefault("rss_before_kb", None)
    Path(spec["result"]).write_text(json.dumps(out, default=str))


if __name__ == "__main__":
    _child(sys.argv[1])
