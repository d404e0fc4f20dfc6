"""Run the benchmarks: ``python -m benchmarks [--only NAME] [--rows N] [--out DIR] [--keep]``.

Every ``benchmarks/bench_<name>.py`` with a ``run`` function is a benchmark. ``--rows`` goes to
``run(rows=N)``, or to ``run(sizes=[N])`` for a benchmark that takes sizes; without it each
benchmark uses its own default size. A benchmark that is missing or does not import is
reported as "not available" and the others still run; one that raises is reported as failed
and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata
import inspect
import json
import os
import pkgutil
import platform
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import benchmarks
from benchmarks.harness import ROOT

EXPECTED = ("ingest", "synth", "indicators", "profiles", "network", "export", "templates", "models", "resolution")
"""Benchmarks the project has (or is about to have): reported as not available when missing."""

RESULTS = Path(benchmarks.__file__).resolve().parent / "results"
COLUMNS = [("case", "case"), ("rows", "rows"), ("seconds", "seconds"), ("rows_per_s", "rows/s"),
           ("ratio", "× base"), ("cpu_seconds", "CPU s"), ("cpu_ratio", "CPU × base"),
           ("peak_rss_mb", "peak MiB"), ("note", "note")]
HIDDEN = {"benchmark", "info", "ok", "summary", "process_seconds", "vm_hwm_mb", "rss_before_mb"}
RATIO = [k for k, _ in COLUMNS].index("ratio")


def _count(text: str) -> int:
    """A row count: 100000, 100_000, 100k, 1M, 1e6."""
    m = re.fullmatch(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?(?:e[0-9]+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r} (e.g. 100000, 100k, 1M)")
    value = float(m.group(1).replace("_", "")) * {"": 1, "k": 10**3, "m": 10**6}[m.group(2).lower()]
    if value < 1:
        raise argparse.ArgumentTypeError("the row count must be at least 1")
    return int(value)


def discover() -> list[str]:
    """Names of the benchmark modules present, plus the expected ones."""
    found = {m.name.removeprefix("bench_") for m in pkgutil.iter_modules(benchmarks.__path__)
             if m.name.startswith("bench_")}
    return sorted(found | set(EXPECTED))


def run_one(name: str, rows: int | None, keep: bool) -> dict[str, Any]:
    """Import and run one benchmark; never raises."""
    try:
        module = importlib.import_module(f"benchmarks.bench_{name}")
    except ModuleNotFoundError as exc:
        missing = exc.name == f"benchmarks.bench_{name}"
        reason = f"no module benchmarks/bench_{name}.py" if missing else f"import failed: {exc}"
        return {"status": "not available", "reason": reason}
    except Exception as exc:  # a half-written module must not stop the others
        return {"status": "not available", "reason": f"import failed: {type(exc).__name__}: {exc}"}
    run = getattr(module, "run", None)
    if not callable(run):
        return {"status": "not available", "reason": f"benchmarks/bench_{name}.py has no run()"}
    params = inspect.signature(run).parameters
    kwargs: dict[str, Any] = {}
    if rows is not None:
        if "rows" in params:
            kwargs["rows"] = rows
        elif "sizes" in params:
            kwargs["sizes"] = [rows]
    if keep and "keep" in params:
        kwargs["keep"] = True
    started = time.perf_counter()
    try:
        results = run(**kwargs)
    except Exception as exc:
        detail = getattr(exc, "detail", "")   # a measured child's own traceback
        return {"status": "failed", "reason": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc() + (f"\nin the measured process:\n{detail}" if detail else ""),
                "seconds": round(time.perf_counter() - started, 1), "kwargs": kwargs}
    if isinstance(results, dict):
        results = [results]
    return {"status": "ok", "results": list(results), "seconds": round(time.perf_counter() - started, 1),
            "kwargs": kwargs}


def _loadavg() -> float | None:
    """One-minute load average: other work on the machine skews every number."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_before": _loadavg(),
    }
    try:
        meminfo = Path("/proc/meminfo").read_text()
        info["memory_gib"] = round(int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) / 2**20, 1)
    except (OSError, AttributeError):
        info["memory_gib"] = None
    try:
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        info["cpu"] = model.group(1).strip() if model else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    for package in ("duckdb", "customs-risk-workbench"):
        try:
            info[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[package] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        info["commit"] = commit + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = None
    return info


def _cell(key: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if key in ("ratio", "cpu_ratio"):
        return f"{value:.2f}×"
    if key in ("rows", "rows_per_s") and isinstance(value, int | float):
        return f"{value:,.0f}"
    if key in ("seconds", "cpu_seconds") and isinstance(value, int | float):
        return f"{value:.2f}"
    if key == "peak_rss_mb" and isinstance(value, int | float):
        return f"{value:,.0f}"
    return str(value)


def _row_cells(row: dict[str, Any]) -> list[str]:
    extra = {k: v for k, v in row.items() if k not in HIDDEN and k not in dict(COLUMNS)}
    cells = [_cell(k, row.get(k)) for k, _ in COLUMNS]
    if extra:   # keys a benchmark adds that the table has no column for
        cells[-1] = "; ".join(filter(None, [cells[-1], ", ".join(f"{k}={v}" for k, v in extra.items())]))
    return cells


def _status_line(name: str, outcome: dict[str, Any]) -> str:
    if outcome["status"] == "ok":
        return f"{name}: ok in {outcome['seconds']} s"
    return f"{name}: {outcome['status']} — {outcome['reason']}"


def _busy(m: dict[str, Any]) -> bool:
    loads = [x for x in (m.get("load_before"), m.get("load_after")) if x is not None]
    return bool(loads) and max(loads) > 0.5 * (m.get("cores") or 1)


def print_table(report: dict[str, Any]) -> None:
    """The results as a table, with each row's note below it (keeps the table narrow)."""
    from rich.console import Console
    from rich.table import Table

    # a log file or pipe gets a width that keeps one row on one line
    console = Console(width=None if sys.stdout.isatty() else 130)
    m = report["machine"]
    table = Table(title=f"Benchmarks {report['date']}: {m['cores']} cores, {m['memory_gib']} GiB, "
                        f"DuckDB {m['duckdb']}, commit {m['commit']}", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    for key, title in COLUMNS[:-1]:
        table.add_column(title, justify="left" if key == "case" else "right")
    notes = []
    for name, outcome in report["benchmarks"].items():
        if outcome["status"] != "ok":
            style = "red" if outcome["status"] == "failed" else "yellow"
            notes.append(f"{name}: {outcome['reason']}")
            table.add_row(str(len(notes)), f"{name}: [{style}]{outcome['status']}[/]", *[""] * (len(COLUMNS) - 2))
            continue
        table.add_row("", f"[bold]{name}[/]")
        for row in outcome["results"]:
            cells = _row_cells(row)
            note = cells.pop()
            if row.get("ok") is False:
                cells[RATIO] = f"[bold red]{cells[RATIO] or 'failed'}[/]"
            elif row.get("ok"):
                cells[RATIO] = f"[bold green]{cells[RATIO]}[/]"
            notes.append(note)
            table.add_row(str(len(notes)), *cells, style="dim" if row.get("info") else None)
    console.print(table)
    if _busy(m):
        console.print(f"[yellow]the machine was busy (load {m['load_before']} → {m['load_after']} on "
                      f"{m['cores']} cores): absolute times are inflated, ratios less so[/]")
    for i, note in enumerate(notes, 1):
        if note:
            console.print(f"  [dim]{i}.[/] {note}", highlight=False)


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmarks, {report['date']}", "",
        f"- machine: {m['cores']} cores ({m['cores_usable']} usable), {m['memory_gib']} GiB, {m['cpu']}",
        f"- software: Python {m['python']}, DuckDB {m['duckdb']}, workbench {m['customs-risk-workbench']}, "
        f"{m['platform']}",
        f"- commit: {m['commit']}",
        f"- load average (1 min) before / after: {m['load_before']} / {m.get('load_after')}"
        + (" — the machine was busy: absolute times are inflated" if _busy(m) else ""),
        f"- command: `python -m benchmarks {' '.join(report['argv'])}`".rstrip(), "",
        "Seconds are the wall time of the measured call in a fresh process (start-up and imports "
        "excluded), CPU s its CPU time over all threads; peak MiB is that whole process's maximum "
        "resident set; '× base' divides by the baseline measured in the same run.", "",
    ]
    for name, outcome in report["benchmarks"].items():
        lines += [f"## {name}", ""]
        if outcome["status"] != "ok":
            lines += [f"**{outcome['status']}**: {outcome['reason']}", ""]
            continue
        lines.append("| " + " | ".join(t for _, t in COLUMNS) + " |")
        lines.append("|" + "|".join("---" if k in ("case", "note") else "---:" for k, _ in COLUMNS) + "|")
        for row in outcome["results"]:
            cells = [c.replace("|", "\\|") for c in _row_cells(row)]
            if row.get("info"):
                cells[0] = f"*{cells[0]}*"
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stamp = report["date"].replace(":", "").replace("-", "").replace(" ", "-")
    json_path, md_path = out / f"bench-{stamp}.json", out / f"bench-{stamp}.md"
    json_text, md_text = json.dumps(report, indent=2, default=str) + "\n", markdown(report)
    for path, text in ((json_path, json_text), (md_path, md_text),
                       (out / "latest.json", json_text), (out / "latest.md", md_text)):
        path.write_text(text)
    return json_path, md_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Run the workbench benchmarks and write a results table.",
        epilog="example: python -m benchmarks --only ingest --rows 100k")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help=f"run only this benchmark (repeatable); known: {', '.join(discover())}")
    parser.add_argument("--rows", type=_count, metavar="N",
                        help="size of each benchmark (default: each benchmark's own, 1M rows for ingest)")
    parser.add_argument("--out", type=Path, default=RESULTS, metavar="DIR",
                        help="folder for the JSON and Markdown results (default: benchmarks/results)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and databases")
    args = parser.parse_args(argv)
    argv_list = list(sys.argv[1:] if argv is None else argv)

    names = args.only or discover()
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "argv": argv_list, "machine": machine(), "benchmarks": {},
    }
    for name in names:
        print(f"== {name}", file=sys.stderr, flush=True)
        outcome = run_one(name, args.rows, args.keep)
        report["benchmarks"][name] = outcome
        print(_status_line(name, outcome), file=sys.stderr, flush=True)
        if outcome["status"] == "failed":
            print(outcome["traceback"], file=sys.stderr)
    report["machine"]["load_after"] = _loadavg()
    print_table(report)
    json_path, md_path = write(report, args.out)
    for path in (json_path, md_path):
        try:
            shown = path.resolve().relative_to(Path.cwd())
        except ValueError:
            shown = path
        print(f"wrote {shown}")
    return 1 if any(o["status"] == "failed" for o in report["benchmarks"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
