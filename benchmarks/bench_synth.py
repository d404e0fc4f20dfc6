"""Synthetic world: generate N declarations, then load them through the ingest, against baselines.

Measured for each size, each step in a fresh process (see :mod:`benchmarks.harness`):

- baseline generate: DuckDB writes declaration-shaped and item-shaped Parquet files of the same
  row counts from ``range()`` with random columns (the cost floor of producing that many rows);
- generate: ``workbench.synth.generate(..., layout="normalised")`` — parties, trade, schemes,
  voyages, intelligence, inspections, ground truth, all files written (target: under 60 s
  for 1M declarations on 2 cores);
- generate, both layouts (sizes up to 1M): the same plus the flat CSV extract (shown as info);
- baseline load: ``create table ... as select * from read_parquet(...)`` of every generated
  normalised file into a new DuckDB file;
- load: every load of the manifest through ``workbench.ingest.loader.load`` (target: under 60 s
  for 1M);
- load again: must add nothing.

``run(sizes=(100_000,))`` for a quick run; ``python -m benchmarks --only synth --rows 100k``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, measure

NAME = "synth"
TARGET_SECONDS = 60.0
DEFAULT_SIZES = (1_000_000,)
FLAT_UP_TO = 1_000_000
ITEMS_PER_DECLARATION = 2.2
PRELOAD = ["workbench.synth", "pyarrow.compute", "pandas"]   # pandas: pyarrow imports it on first use


def baseline_generate(out: str, declarations: int) -> dict[str, Any]:
    """Random declaration and item rows of the same counts, written by DuckDB to Parquet."""
    import duckdb

    items = int(declarations * ITEMS_PER_DECLARATION)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"""copy (select 'D' || lpad(range::varchar, 9, '0') as declaration_id,
        timestamp '2024-01-01' + to_seconds((random() * 63072000)::bigint) as lodged_at,
        'P' || lpad((random() * 10000)::int::varchar, 7, '0') as importer_id,
        'P' || lpad((random() * 10000)::int::varchar, 7, '0') as exporter_id,
        ['CN', 'AU', 'US', 'JP'][1 + (random() * 3)::int] as country_origin,
        ['USD', 'EUR', 'CNY'][1 + (random() * 2)::int] as currency
        from range({declarations})) to '{folder / "declarations.parquet"}' (format parquet, compression zstd)""")
    con.execute(f"""copy (select 'D' || lpad((range // 2)::varchar, 9, '0') as declaration_id, range % 2 + 1 as item_no,
        lpad((random() * 99999999)::int::varchar, 8, '0') as hs_code, random() * 1000 as quantity,
        random() * 5000 as net_mass_kg, round(random() * 100000, 2) as customs_value,
        round(random() * 0.2, 2) as duty_rate
        from range({items})) to '{folder / "declaration_items.parquet"}' (format parquet, compression zstd)""")
    con.close()
    return {"rows": declarations + items}


def generate_world(out: str, declarations: int, layout: str) -> dict[str, Any]:
    from workbench.synth import generate

    result = generate(out, declarations=declarations, seed=1, layout=layout)
    rows = result.manifest["rows"]
    return {"steps": result.seconds, "items": rows["normalised"]["declaration_items"] if "normalised" in rows
            else rows["flat"]["extract.csv"]}


def baseline_load(world: str, db: str) -> dict[str, Any]:
    """Every normalised and reference Parquet file into its own DuckDB table, no checks."""
    import duckdb

    con = duckdb.connect(db)
    total = 0
    for path in sorted(Path(world).glob("*/*.parquet")):
        if path.parent.name not in ("normalised", "reference"):
            continue
        con.execute(f"create table {path.parent.name}_{path.stem} as select * from read_parquet('{path}')")
        total += con.execute(f"select count(*) from {path.parent.name}_{path.stem}").fetchone()[0]
    con.close()
    return {"rows": total}


def load_world(world: str, db: str) -> dict[str, Any]:
    """Every load of the manifest's normalised layout, in order."""
    from workbench.ingest.loader import load

    manifest = json.loads((Path(world) / "manifest.json").read_text())
    out = {"rows_in": 0, "rows_loaded": 0, "rows_unchanged": 0, "problems": 0, "steps": {}}
    for step in manifest["loads"]["normalised"]:
        s = load(Path(world) / step["path"], Path(world) / step["mapping"], db=db)
        out["rows_in"] += s.rows_in
        out["rows_loaded"] += s.rows_loaded
        out["rows_unchanged"] += s.rows_unchanged
        out["problems"] += s.rows_quarantined + s.rows_waiting
        out["steps"][step["name"]] = round(s.seconds, 2)
    return out


def _row(case: str, m: Measurement, rows: int, base: Measurement | None = None, **extra: Any) -> dict[str, Any]:
    row = {"case": case, "rows": rows, "seconds": round(m.seconds, 2),
           "rows_per_s": round(rows / m.seconds) if m.seconds else None,
           "cpu_seconds": round(m.cpu_seconds, 2), "peak_rss_mb": m.peak_rss_mb,
           "process_seconds": round(m.process_seconds, 2)}
    if base is not None:
        row["ratio"] = round(m.seconds / base.seconds, 2) if base.seconds else None
        row["cpu_ratio"] = round(m.cpu_seconds / base.cpu_seconds, 2) if base.cpu_seconds else None
    return row | extra


def run(sizes: tuple[int, ...] | list[int] = DEFAULT_SIZES, keep: bool = False) -> list[dict[str, Any]]:
    """Time generation and loading of the synthetic world at each size (declarations)."""
    results: list[dict[str, Any]] = []
    for n in sizes:
        n = int(n)
        tmp = Path(tempfile.mkdtemp(prefix=f"wb-bench-synth-{n}-"))
        try:
            env = {"WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_USER": "bench"}
            base = measure("benchmarks.bench_synth:baseline_generate", str(tmp / "baseline"), n,
                           label=f"baseline generate {n}", preload=["duckdb"], env=env)
            results.append(_row(f"{n:,} decl.: baseline generate (DuckDB random rows)", base,
                                base.value["rows"], info=True))
            world = tmp / "world"
            gen = measure("benchmarks.bench_synth:generate_world", str(world), n, "normalised",
                          label=f"generate {n}", preload=PRELOAD, env=env)
            rows = n + gen.value["items"]
            slowest = max(gen.value["steps"].items(), key=lambda kv: kv[1])
            results.append(_row(f"{n:,} decl.: generate (normalised)", gen, rows, base,
                                ok=gen.seconds < TARGET_SECONDS,
                                note=f"target < {TARGET_SECONDS:.0f} s; slowest step {slowest[0]} {slowest[1]:.1f} s"))
            if n <= FLAT_UP_TO:
                both = measure("benchmarks.bench_synth:generate_world", str(tmp / "both"), n, "both",
                               label=f"generate both {n}", preload=PRELOAD, env=env)
                results.append(_row(f"{n:,} decl.: generate (both layouts)", both, rows, base, info=True,
                                    note="normalised Parquet and the flat CSV extract"))
                shutil.rmtree(tmp / "both", ignore_errors=True)
            raw = measure("benchmarks.bench_synth:baseline_load", str(world), str(tmp / "raw.duckdb"),
                          label=f"baseline load {n}", preload=["duckdb"], env=env)
            results.append(_row(f"{n:,} decl.: baseline load (read_parquet)", raw, raw.value["rows"], info=True))
            loaded = measure("benchmarks.bench_synth:load_world", str(world), str(tmp / "store.duckdb"),
                             label=f"load {n}", preload=["workbench.ingest.loader"], env=env)
            v = loaded.value
            slowest = max(v["steps"].items(), key=lambda kv: kv[1])
            results.append(_row(f"{n:,} decl.: load through the ingest", loaded, v["rows_in"], raw,
                                ok=loaded.seconds < TARGET_SECONDS and v["problems"] == 0,
                                note=f"target < {TARGET_SECONDS:.0f} s; {v['problems']} rows quarantined or "
                                     f"waiting; slowest {slowest[0]} {slowest[1]:.1f} s"))
            again = measure("benchmarks.bench_synth:load_world", str(world), str(tmp / "store.duckdb"),
                            label=f"load again {n}", preload=["workbench.ingest.loader"], env=env)
            results.append(_row(f"{n:,} decl.: load again", again, again.value["rows_in"], raw, info=True,
                                note=f"{again.value['rows_loaded']} rows added (must be 0)"))
        finally:
            if keep:
                results.append({"case": f"{n:,} decl.: files kept", "note": str(tmp), "info": True})
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    return results
