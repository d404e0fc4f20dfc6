"""Profiles: a backtest of 50 profiles over N declarations, and the compiled SQL against the
reference evaluator on a sample.

Measured, each in a fresh process (see :mod:`benchmarks.harness`):

- set-up (info): a synthetic world of N declarations loaded through the ingest, and an indicator
  build (the profiles use indicator fields);
- workbench backtest: 50 profiles (the six examples and 44 variations over HS chapters, origins,
  values, indicator flags, exceptions and keyed samples) over every declaration of the world,
  with every metric of the report. Target for 1M declarations: under 30 s on 2 cores;
- compiled SQL vs reference evaluator on a sample of ``SAMPLE`` declarations: the same frame,
  the 50 profiles selected by the compiled SQL and by the plain-Python evaluator;
  **ratio = evaluator seconds / SQL seconds** (selection only; building the frame is common to
  both and excluded), and the note says whether both selected the same declarations.

``rows`` is the number of declarations (default 1,000,000).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, measure, result_row

NAME = "profiles"
DEFAULT_ROWS = 1_000_000
TARGET_SECONDS = 30.0
SAMPLE = 100_000
PROFILES = 50


def _log(text: str) -> None:
    print(f"[profiles] {text}", file=sys.stderr, flush=True)


def fifty_profiles() -> list[dict[str, Any]]:
    """The six example profiles and 44 generated variations, as plain specs."""
    import yaml

    from workbench.examples import profile_files

    specs = [yaml.safe_load(p.read_text()) for p in profile_files()]
    chapters = ["64", "61", "62", "85", "84", "87", "24", "22", "71", "72", "44", "94", "95", "03", "08"]
    origins = [["CN"], ["VN"], ["IN", "BD"], ["TR"], ["TH", "MY"], ["AE", "SG"]]
    flags = ["price.unit_value_low", "price.duty_share_low", "route.dispatch_not_origin", "newness.first_time_importer",
             "newness.new_importer_hs_origin", "history.importer", "history.hs6", "description.vague",
             "newness.recently_registered", "shape.mass_per_unit", "route.via_hub"]
    n = 0
    while len(specs) < PROFILES:
        ch, org, flag = chapters[n % len(chapters)], origins[n % len(origins)], flags[n % len(flags)]
        crit: dict[str, Any] = {"all": [{"field": "item.hs_chapter", "eq": ch},
                                        {"any": [{"field": "item.country_origin", "in": org},
                                                 {"field": f"indicator.{flag}.flag", "eq": True}]}]}
        if n % 3 == 0:
            crit["all"].append({"field": "item.customs_value_base", "gte": 500.0 + 100 * n})
        if n % 4 == 1:
            crit["all"].append({"not": {"field": "item.description", "contains": ["sample", "gift"]}})
        spec = {"id": f"RP-BENCH-{n:03d}", "title": f"Benchmark profile {n}", "risk": "R-REV-01",
                "criteria": crit, "treatment": {"lane": ["red", "orange", "yellow"][n % 3],
                                                "selection_pct": [100, 100, 50, 20][n % 4]}}
        if n % 5 == 2:
            spec["exceptions"] = {"field": "declaration.importer_trusted", "eq": True}
        specs.append(spec)
        n += 1
    return specs


# --- run inside measured child processes ----------------------------------------------------

def make_world(folder: str, declarations: int) -> dict[str, Any]:
    from workbench.indicators import build
    from workbench.store.connection import open_store
    from workbench.synth.fixtures import build_world_store

    db = build_world_store(folder, declarations=declarations, seed=11)
    with open_store(db) as con:
        b = build(con, reason="profiles benchmark")
        first, last = con.execute("select min(lodged_at)::DATE, max(lodged_at)::DATE + 1 from declaration").fetchone()
    return {"db": str(db), "items": b.items, "from": first.isoformat(), "to": last.isoformat()}


def _profiles(specs_file: str):
    from workbench.profiles.spec import parse_profile

    return [parse_profile(s) for s in json.loads(Path(specs_file).read_text())]


def workbench_backtest(db: str, specs_file: str, start: str, end: str) -> dict[str, Any]:
    import time

    from workbench.profiles.backtest import backtest
    from workbench.profiles.frame import build_frame
    from workbench.profiles.compiler import used_fields
    from workbench.profiles.selection import store_salt
    from workbench.store.connection import open_store

    profiles = _profiles(specs_file)
    with open_store(db, read_only=True) as con:
        t0 = time.perf_counter()
        frame = build_frame(con, start, end, fields=used_fields(profiles))
        t1 = time.perf_counter()
        result = backtest(con, profiles, start, end, salt=store_salt(con), frame=frame)
        t2 = time.perf_counter()
    return {"declarations": result.declarations, "items": result.items, "hits": result.combined["hits"],
            "frame_seconds": round(t1 - t0, 2), "metrics_seconds": round(t2 - t1, 2)}


def _sample_frame(con: Any, profiles: list, start: str, end: str, sample: int) -> None:
    from workbench.profiles.compiler import used_fields
    from workbench.profiles.frame import build_frame

    build_frame(con, start, end, fields=used_fields(profiles))
    con.execute("""CREATE OR REPLACE TEMP TABLE pf_item AS SELECT * FROM pf_item WHERE declaration_id IN (
                   SELECT DISTINCT declaration_id FROM pf_item ORDER BY md5(declaration_id) LIMIT ?)""", [sample])


def sql_select(db: str, specs_file: str, start: str, end: str, sample: int) -> dict[str, Any]:
    import time

    from workbench.profiles.backtest import compile_set
    from workbench.store.connection import open_store

    profiles = _profiles(specs_file)
    with open_store(db, read_only=True) as con:
        _sample_frame(con, profiles, start, end, sample)
        t0 = time.perf_counter()
        _, sql, params = compile_set(profiles, "bench")
        got = con.execute(f"SELECT profile_id, declaration_id FROM ({sql})", params).fetchall()
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "hits": len(got), "digest": _digest(got)}


def python_select(db: str, specs_file: str, start: str, end: str, sample: int) -> dict[str, Any]:
    import time

    from workbench.profiles.evaluate import hits
    from workbench.store.connection import open_store

    profiles = _profiles(specs_file)
    with open_store(db, read_only=True) as con:
        _sample_frame(con, profiles, start, end, sample)
        t0 = time.perf_counter()
        cur = con.execute("SELECT * FROM pf_item")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        got = [(p.id, d) for p in profiles for d in hits(p, rows, salt="bench", version=1)]
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "hits": len(got), "digest": _digest(got)}


def _digest(pairs: list) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(sorted(map(list, pairs))).encode()).hexdigest()


# --- the benchmark --------------------------------------------------------------------------

def _row(case: str, m: Measurement, rows: int, **kw: Any) -> dict[str, Any]:
    return result_row(NAME, case, m, rows, **kw)


def run(rows: int = DEFAULT_ROWS, keep: bool = False) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-profiles-"))
    env = {"WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_USER": "bench"}
    out: list[dict[str, Any]] = []
    try:
        _log(f"building a synthetic world of {rows:,} declarations and its indicators in {tmp}")
        world = measure(f"{__name__}:make_world", str(tmp / "world"), rows, label="world",
                        preload=["workbench.synth", "workbench.ingest.loader", "workbench.indicators"], env=env)
        w = world.value
        out.append(_row("set-up: world loaded and indicators built", world, rows, info=True,
                        note=f"{w['items']:,} items, lodged {w['from']} to {w['to']}"))
        specs_file = tmp / "profiles.json"
        specs_file.write_text(json.dumps(fifty_profiles(), default=str))
        args = (w["db"], str(specs_file), w["from"], w["to"])
        preload = ["workbench.profiles", "workbench.store.connection"]

        _log(f"backtest of {PROFILES} profiles")
        bt = measure(f"{__name__}:workbench_backtest", *args, label="backtest", preload=preload, env=env)
        at_size = rows >= DEFAULT_ROWS
        met = bt.seconds < TARGET_SECONDS
        verdict = (f"target < {TARGET_SECONDS:g} s: {'met' if met else 'MISSED'}" if at_size
                   else f"(the target is set for {DEFAULT_ROWS:,} declarations)")
        out.append(_row(f"workbench: backtest of {PROFILES} profiles", bt, bt.value["declarations"],
                        ok=met if at_size else None,
                        note=f"{bt.value['items']:,} items, {bt.value['hits']:,} declarations hit; frame "
                             f"{bt.value['frame_seconds']} s, selection and metrics {bt.value['metrics_seconds']} s; "
                             + verdict))
        _log(f"  {bt.seconds:.1f} s, peak {bt.peak_rss_mb:.0f} MiB")

        sample = min(SAMPLE, rows)
        _log(f"compiled SQL and the reference evaluator on {sample:,} declarations")
        sql = measure(f"{__name__}:sql_select", *args, sample, label="sql", preload=preload, env=env)
        py = measure(f"{__name__}:python_select", *args, sample, label="python", preload=preload, env=env)
        same = sql.value["digest"] == py.value["digest"]
        out.append(_row(f"compiled SQL: {PROFILES} profiles on a sample", sql, sample, seconds=sql.value["seconds"],
                        note=f"{sql.value['hits']:,} hits (selection only; the frame is built outside the timing)"))
        out.append(_row("reference evaluator (Python): the same", py, sample, seconds=py.value["seconds"],
                        ratio=round(py.value["seconds"] / sql.value["seconds"], 1),
                        note=("selected the same declarations" if same else "SELECTIONS DIFFER")
                             + f"; {py.value['hits']:,} hits", ok=same))
        _log(f"  SQL {sql.value['seconds']:.2f} s, Python {py.value['seconds']:.2f} s; same: {same}")
    finally:
        if keep:
            _log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return out
