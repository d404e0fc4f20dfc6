"""Indicators: every indicator of the catalogue built for N declarations, five of them also
written in pandas; and watch-list screening of 100,000 parties against the real OFAC list.

Measured, each in a fresh process (see :mod:`benchmarks.harness`):

- set-up (info): a synthetic world of N declarations (``workbench.synth.fixtures.build_world_store``,
  about 2.1 items per declaration, outcomes with late results), loaded through the ingest;
- workbench, all built-in indicators: ``workbench.indicators.build`` of the catalogue's own
  families (inputs, every indicator, stored per item in one transaction, build record and audit
  entry). Targets for 1M declarations: under 60 s on 2 cores, peak memory under 4 GB;
- workbench, every indicator with the plugins (info): the same with the network and model
  indicators the package registers through the catalogue's door; ratio against the built-ins;
- workbench, five indicators: the same build restricted to the five written in pandas;
- pandas, five indicators: the same five computed with pandas/numpy from the same store (reading
  the columns they need included, nothing stored); **ratio = pandas seconds / workbench seconds**
  for those five, and the note says whether both fired on the same items;
- screening (when ../shared/data/ofac_sdn_2022 exists): 100,000 party-like names (1 % of them
  misspelt SDN names) against the SDN list through ``workbench.screening``; baseline: brute-force
  ``rapidfuzz.process.cdist`` of every name against every listed name and alias (measured on 5,000
  names, scaled per name); ratio = per-name time of the workbench / of brute force.

``rows`` is the number of declarations (default 1,000,000).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, Measurement, measure

NAME = "indicators"
DEFAULT_ROWS = 1_000_000
TARGET_SECONDS = 60.0
TARGET_PEAK_MB = 4096.0
BUILT_IN = ("price", "route", "newness", "history", "lists", "description", "shape")
"""The catalogue's own families (the target is theirs); network and model come as plugins."""
SCREEN_NAMES = 100_000
BRUTE_SAMPLE = 5_000
OFAC = ROOT.parent / "shared" / "data" / "ofac_sdn_2022"
FIVE = ["newness.first_time_importer", "route.dispatch_not_origin", "history.importer", "price.unit_value_low",
        "shape.split_below_de_minimis"]
PARAMS = {"history.importer": {"m": 10.0, "lift": 2.0, "min_exams": 3},
          "price.unit_value_low": {"min_peers": 20}, "shape.split_below_de_minimis": {"threshold": 1000.0,
                                                                                      "days": 7, "min_count": 3}}


def _log(text: str) -> None:
    print(f"[indicators] {text}", file=sys.stderr, flush=True)


# --- run inside measured child processes ----------------------------------------------------

def make_world(folder: str, declarations: int) -> dict[str, Any]:
    from workbench.synth.fixtures import build_world_store

    db = build_world_store(folder, declarations=declarations, seed=7)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    counts = dict(zip(("declarations", "items", "inspection_rows", "parties"), con.execute(
        "select (select count(*) from declaration), (select count(*) from declaration_item), "
        "(select count(*) from inspection), (select count(*) from party)").fetchall()[0]))
    con.close()
    return {"db": str(db), **counts}


def workbench_build(db: str, indicators: list[str] | None = None) -> dict[str, Any]:
    from workbench.indicators import build
    from workbench.store.connection import open_store

    with open_store(db) as con:
        result = build(con, indicators=indicators, params={k: v for k, v in PARAMS.items()
                                                            if indicators is None or k in indicators},
                       reason="benchmark")
    return {"build_id": result.build_id, "items": result.items, "value_rows": result.value_rows,
            "fired": {k: v["fired"] for k, v in result.counts.items()},
            "slowest": sorted(((round(v, 2), k) for k, v in result.timings.items()), reverse=True)[:5]}


def pandas_five(db: str) -> dict[str, Any]:
    """The five indicators in pandas/numpy, reading what they need from the store; fired items."""
    import time

    import duckdb
    import numpy as np
    import pandas as pd

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    decl = con.execute("select declaration_id, version, known_at as t, importer_id, country_dispatch as dispatch, "
                       "country_origin as decl_origin from declaration").df()
    decl = decl.sort_values(["declaration_id", "t", "version"]).drop_duplicates("declaration_id")
    items = con.execute("select declaration_id, version, item_no, hs_code, country_origin, quantity, "
                        "lower(quantity_unit) as unit, customs_value_base as value from declaration_item").df()
    items = items.merge(decl, on=["declaration_id", "version"])
    insp = con.execute("select inspection_id, version, known_at, declaration_id, result from inspection").df()
    con.close()
    timings["read"] = time.perf_counter() - t0
    fired: dict[str, int] = {}
    n_items = items.groupby("declaration_id").size().rename("n_items")

    # newness.first_time_importer: declarations of the importer lodged strictly before
    t0 = time.perf_counter()
    d = decl[decl.importer_id.notna()].copy()
    d["earlier"] = d.groupby("importer_id")["t"].rank(method="min") - 1
    fired["newness.first_time_importer"] = int(n_items.reindex(d.loc[d.earlier == 0, "declaration_id"]).sum())
    timings["newness.first_time_importer"] = time.perf_counter() - t0

    # route.dispatch_not_origin
    t0 = time.perf_counter()
    origin = items.country_origin.fillna(items.decl_origin)
    fired["route.dispatch_not_origin"] = int(((items.dispatch != origin) & items.dispatch.notna()
                                              & origin.notna()).sum())
    timings["route.dispatch_not_origin"] = time.perf_counter() - t0

    # history.importer: outcome events, cumulative per importer and overall, as-of joins (strictly earlier)
    t0 = time.perf_counter()
    p = PARAMS["history.importer"]
    x = insp.sort_values(["inspection_id", "known_at", "version"])
    x = x[x.result.isin(["positive", "negative"])].copy()
    x["prev"] = x.groupby("inspection_id")["result"].shift()
    x = x[x.prev.isna() | (x.prev != x.result)]
    x["d_exam"] = x.prev.isna().astype(int)
    x["d_pos"] = (x.result == "positive").astype(int) - (x.prev == "positive").astype(int)
    ev = x.merge(decl[["declaration_id", "importer_id"]], on="declaration_id")
    allev = ev.groupby("known_at")[["d_exam", "d_pos"]].sum().sort_index().cumsum().reset_index()
    per = ev[ev.importer_id.notna()].groupby(["importer_id", "known_at"])[["d_exam", "d_pos"]].sum()
    per = per.groupby(level=0).cumsum().reset_index().sort_values("known_at")
    subj = decl[decl.importer_id.notna()][["declaration_id", "importer_id", "t"]].sort_values("t")
    g = pd.merge_asof(subj, allev.rename(columns={"d_exam": "g_exams", "d_pos": "g_pos"}), left_on="t",
                      right_on="known_at", allow_exact_matches=False)
    g = g[g.g_exams > 0].drop(columns="known_at")
    g = pd.merge_asof(g.sort_values("t"), per, left_on="t", right_on="known_at", by="importer_id",
                      allow_exact_matches=False)
    exams, pos = g.d_exam.fillna(0), g.d_pos.fillna(0)
    prior = g.g_pos / g.g_exams
    value = (pos + p["m"] * prior) / (exams + p["m"])
    hit = (g.g_pos > 0) & (exams >= p["min_exams"]) & (value >= p["lift"] * prior)
    fired["history.importer"] = int(n_items.reindex(g.loc[hit, "declaration_id"]).sum())
    timings["history.importer"] = time.perf_counter() - t0

    # price.unit_value_low: 10th percentile over the 12 complete months before the lodgement month
    t0 = time.perf_counter()
    it = items[(items.quantity > 0) & (items.value > 0)].copy()
    it["uv"] = it.value / it.quantity
    it["hs6"] = it.hs_code.str[:6]
    it["origin"] = it.country_origin.fillna(it.decl_origin)
    it["mi"] = it.t.dt.year * 12 + it.t.dt.month - 1
    monthly = {k: np.asarray(v) for k, v in it.groupby(["hs6", "origin", "unit", "mi"])["uv"]}
    refs = {}
    for hs6, org, unit, mi in it[["hs6", "origin", "unit", "mi"]].drop_duplicates().itertuples(index=False):
        parts = [monthly[k] for m in range(mi - 12, mi) if (k := (hs6, org, unit, m)) in monthly]
        if parts:
            pooled = np.concatenate(parts)
            refs[(hs6, org, unit, mi)] = (len(pooled), np.quantile(pooled, 0.1))
    ref = pd.DataFrame([(*k, n, q) for k, (n, q) in refs.items()], columns=["hs6", "origin", "unit", "mi", "n", "p10"])
    it = it.merge(ref, on=["hs6", "origin", "unit", "mi"], how="left")
    fired["price.unit_value_low"] = int(((it.n >= PARAMS["price.unit_value_low"]["min_peers"]) & (it.uv < it.p10)).sum())
    timings["price.unit_value_low"] = time.perf_counter() - t0

    # shape.split_below_de_minimis: low-value declarations of the importer in the 7 days before, plus this one
    t0 = time.perf_counter()
    q = PARAMS["shape.split_below_de_minimis"]
    totals = items.groupby("declaration_id").agg(total=("value", "sum"), missing=("value", lambda s: s.isna().any()))
    low = decl.merge(totals, left_on="declaration_id", right_index=True)
    low = low[low.importer_id.notna() & ~low.missing & (low.total < q["threshold"])]
    low = low.sort_values(["importer_id", "t"]).reset_index(drop=True)
    low["one"] = 1
    earlier = low.groupby("importer_id").rolling(f"{q['days']}D", on="t", closed="left")["one"].count()
    # groupby sorts by importer and keeps each group's order: the result lines up with `low`
    low["count"] = earlier.fillna(0).to_numpy() + 1
    hits = low[low["count"] >= q["min_count"]].declaration_id
    fired["shape.split_below_de_minimis"] = int(n_items.reindex(hits).sum())
    timings["shape.split_below_de_minimis"] = time.perf_counter() - t0
    return {"fired": fired, "timings": {k: round(v, 2) for k, v in timings.items()}}


def screening_names(ofac_dir: str, out: str, n: int) -> dict[str, Any]:
    """n distinct party-like names (seeded), 1 % of them misspelt SDN entity names, written to a file."""
    import csv

    rng = random.Random(20240101)
    firsts = ["Harbour", "Pacific", "Southern", "Golden", "Kiwi", "Tasman", "Eastern", "Silver", "Blue", "Green",
              "Northern", "Coastal", "United", "Prime", "Royal", "Summit", "Delta", "Orient", "Alpine", "Sunrise"]
    seconds = ["Star", "Ocean", "Bridge", "River", "Crown", "Lotus", "Phoenix", "Maple", "Cedar", "Harvest",
               "Anchor", "Compass", "Falcon", "Jade", "Pearl", "Coral", "Horizon", "Meridian", "Atlas", "Zenith"]
    trades = ["Trading", "Imports", "Logistics", "Foods", "Textiles", "Electronics", "Hardware", "Exports",
              "Supplies", "Industries", "Marine", "Chemicals", "Furniture", "Motors", "Apparel"]
    forms = ["Ltd", "Limited", "Co., Ltd.", "Pty Ltd", "LLC", "Inc.", "GmbH", "Sdn. Bhd.", "S.A.", "Pte Ltd"]
    with (Path(ofac_dir) / "sdn.csv").open(encoding="latin-1") as f:
        listed = [r[1] for r in csv.reader(f) if len(r) > 3 and r[2].strip() == "-0-" and len(r[1]) > 12]
    names: set[str] = set()
    planted = []
    for name in rng.sample(listed, n // 100):
        i = rng.randrange(1, len(name) - 1)
        planted.append(name[:i] + name[i + 1:])
    while len(names) < n - len(planted):
        names.add(f"{rng.choice(firsts)} {rng.choice(seconds)} {rng.choice(trades)} {rng.randrange(1, 400)} "
                  f"{rng.choice(forms)}")
    out_names = sorted(names) + planted
    rng.shuffle(out_names)
    Path(out).write_text(json.dumps(out_names))
    return {"names": len(out_names), "planted": len(planted)}


def load_ofac(ofac_dir: str, db: str) -> dict[str, Any]:
    from workbench.ingest.loader import load

    return {"loaded": load(ofac_dir, ROOT / "docs" / "examples" / "mappings" / "ofac-sdn.yaml", db=db).rows_loaded}


def workbench_screen(db: str, names_file: str) -> dict[str, Any]:
    from workbench.screening import load_index, screen_names
    from workbench.store.connection import open_store

    names = json.loads(Path(names_file).read_text())
    with open_store(db, read_only=True) as con:
        index = load_index(con)
    found = screen_names(index, names, threshold=88.0)
    return {"names": len(names), "matched": sum(1 for f in found if f)}


def brute_force_screen(db: str, names_file: str, sample: int) -> dict[str, Any]:
    """Every name against every listed name and alias, same normalisation and scorer, no blocking."""
    from rapidfuzz import fuzz, process

    from workbench.screening import load_index, normalise_name
    from workbench.store.connection import open_store

    names = json.loads(Path(names_file).read_text())[:sample]
    with open_store(db, read_only=True) as con:
        index = load_index(con)
    listed = [n[3] for n in index.names]
    queries = [normalise_name(n) for n in names]
    scores = process.cdist(queries, listed, scorer=fuzz.token_sort_ratio, score_cutoff=88, dtype="uint8", workers=-1)
    return {"names": len(names), "matched": int((scores.max(axis=1) > 0).sum())}


# --- the benchmark --------------------------------------------------------------------------

def _row(case: str, m: Measurement, rows: int, *, ratio: float | None = None, note: str = "", info: bool = False,
         ok: bool | None = None) -> dict[str, Any]:
    row = {"benchmark": NAME, "case": case, "rows": rows, "seconds": round(m.seconds, 3),
           "cpu_seconds": round(m.cpu_seconds, 3), "rows_per_s": round(rows / m.seconds) if m.seconds else None,
           "peak_rss_mb": m.peak_rss_mb, "peak_mb": m.peak_rss_mb, "ratio": ratio, "note": note, "info": info,
           "process_seconds": round(m.process_seconds, 3)}
    if ok is not None:
        row["ok"] = ok
    return row


def run(rows: int = DEFAULT_ROWS, keep: bool = False) -> list[dict[str, Any]]:
    """Build a world of ``rows`` declarations and measure; returns one result row per case."""
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-indicators-"))
    env = {"WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_USER": "bench"}
    out: list[dict[str, Any]] = []
    try:
        _log(f"building a synthetic world of {rows:,} declarations in {tmp}")
        world = measure(f"{__name__}:make_world", str(tmp / "world"), rows, label="world",
                        preload=["workbench.synth", "workbench.ingest.loader"], env=env)
        w = world.value
        out.append(_row("set-up: synthetic world generated and loaded", world, w["declarations"], info=True,
                        note=f"{w['items']:,} items, {w['inspection_rows']:,} inspection rows, {w['parties']:,} parties"))
        base_db = Path(w["db"])
        five_db = tmp / "five.duckdb"
        shutil.copy(base_db, five_db)

        plugins_db = tmp / "plugins.duckdb"
        shutil.copy(base_db, plugins_db)

        # the target of the indicators issue is for the catalogue's built-in families; the
        # package's plugins (network, model) register through the same door and are shown apart
        _log("workbench: every built-in indicator")
        full = measure(f"{__name__}:workbench_build", str(base_db), list(BUILT_IN), label="build built-ins",
                       preload=["workbench.indicators", "workbench.store.connection"], env=env)
        b = full.value
        at_size = rows >= DEFAULT_ROWS
        met = full.seconds < TARGET_SECONDS and full.peak_rss_mb < TARGET_PEAK_MB
        verdict = (f"targets < {TARGET_SECONDS:g} s and < {TARGET_PEAK_MB / 1024:g} GB: {'met' if met else 'MISSED'}"
                   if at_size else f"(targets are set for {DEFAULT_ROWS:,} declarations)")
        out.append(_row(f"workbench: all {len(b['fired'])} built-in indicators", full, w["declarations"],
                        ok=met if at_size else None,
                        note=f"{b['items']:,} items, {b['value_rows']:,} values stored; {verdict}; slowest: "
                             + ", ".join(f"{k} {s}s" for s, k in b["slowest"])))
        _log(f"  {full.seconds:.1f} s, peak {full.peak_rss_mb:.0f} MiB")

        _log("workbench: every indicator, plugins included")
        everything = measure(f"{__name__}:workbench_build", str(plugins_db), label="build all",
                             preload=["workbench.indicators", "workbench.store.connection"], env=env)
        e = everything.value
        out.append(_row(f"workbench: all {len(e['fired'])} indicators with the network and model plugins", everything,
                        w["declarations"], ratio=round(everything.seconds / full.seconds, 2),
                        note="ratio against the built-ins; no model trained (its two indicators only say so); "
                             "slowest: " + ", ".join(f"{k} {s}s" for s, k in e["slowest"])))
        _log(f"  {everything.seconds:.1f} s, peak {everything.peak_rss_mb:.0f} MiB")
        plugins_db.unlink(missing_ok=True)

        _log("workbench: the five")
        wb5 = measure(f"{__name__}:workbench_build", str(five_db), FIVE, label="build five",
                      preload=["workbench.indicators", "workbench.store.connection"], env=env)
        _log("pandas: the five")
        pd5 = measure(f"{__name__}:pandas_five", str(base_db), label="pandas five", preload=["duckdb", "pandas", "numpy"])
        same = {k: (wb5.value["fired"][k], pd5.value["fired"][k]) for k in FIVE}
        agree = all(a == b for a, b in same.values())
        out.append(_row("workbench: five indicators", wb5, w["declarations"],
                        note="; ".join(FIVE)))
        out.append(_row("pandas: the same five", pd5, w["declarations"], ratio=round(pd5.seconds / wb5.seconds, 2),
                        note=("fired on the same items" if agree else f"fired counts differ: {same}")
                             + "; " + ", ".join(f"{k} {v}s" for k, v in pd5.value["timings"].items())))
        _log(f"  workbench {wb5.seconds:.1f} s, pandas {pd5.seconds:.1f} s; agree: {agree}")

        if (OFAC / "sdn.csv").exists():
            ofac_db, names_file = tmp / "ofac.duckdb", tmp / "names.json"
            measure(f"{__name__}:load_ofac", str(OFAC), str(ofac_db), label="load ofac",
                    preload=["workbench.ingest.loader"], env=env)
            made = measure(f"{__name__}:screening_names", str(OFAC), str(names_file), SCREEN_NAMES, label="names")
            _log(f"screening {SCREEN_NAMES:,} names against the SDN list")
            scr = measure(f"{__name__}:workbench_screen", str(ofac_db), str(names_file), label="screen",
                          preload=["workbench.screening", "rapidfuzz", "workbench.store.connection"], env=env)
            brute = measure(f"{__name__}:brute_force_screen", str(ofac_db), str(names_file), BRUTE_SAMPLE,
                            label="brute force", preload=["workbench.screening", "rapidfuzz",
                                                          "workbench.store.connection"], env=env)
            per_wb, per_brute = scr.seconds / SCREEN_NAMES, brute.seconds / BRUTE_SAMPLE
            out.append(_row("screening: 100k names vs OFAC SDN", scr, SCREEN_NAMES,
                            ratio=round(per_wb / per_brute, 3),
                            note=f"{scr.value['matched']:,} names matched ({made.value['planted']:,} misspelt SDN "
                                 f"names planted); ratio per name against brute force"))
            out.append(_row(f"baseline: brute-force cdist, {BRUTE_SAMPLE:,} names", brute, BRUTE_SAMPLE, info=True,
                            note=f"{brute.value['matched']:,} matched; would take "
                                 f"{per_brute * SCREEN_NAMES:.0f} s for {SCREEN_NAMES:,}"))
            _log(f"  {scr.seconds:.1f} s (brute force {per_brute * SCREEN_NAMES:.0f} s estimated)")
        else:
            _log(f"no OFAC list at {OFAC}: screening not measured")
    finally:
        if keep:
            _log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return out
