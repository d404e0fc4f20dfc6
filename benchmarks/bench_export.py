"""Export: build a signed bundle of 100 active profiles; score declarations through the reference
targeting service on loopback.

Measured, each in a fresh process (see :mod:`benchmarks.harness`):

- set-up (info): a synthetic world of N declarations, an indicator build, the six example
  profiles plus generated ones (fixed fields, lists of values, numeric thresholds, some with a
  keyed sample) approved and active — 100 in all;
- bundle: ``make_bundle`` with the json, csv and rules adapters (gather, reference tables,
  rule text, sign, keep, audit); baseline: the same profiles read from the store and written as
  JSON (no reference state, no signature) — ratio = bundle / baseline;
- scoring, in-process (baseline): the service's scorer on the last six months' declarations,
  no HTTP;
- scoring, batch over HTTP: the service in its own process, the load generator (its own
  process) posts the same declarations in batches of 5,000 over two kept-alive connections (a
  thread each), three rounds, reasons off, and times the posting and the reading of the answers
  only; three forms: JSON with items carrying every indicator of the store, JSON with only the
  indicators the bundle's profiles read (the service's contract), and Arrow IPC streams of the
  latter answered as Arrow streams; ratio = HTTP posting / in-process, a declaration each; target at least 50,000
  declarations per second;
- scoring, one at a time: 1,000 sequential POSTs of one declaration (with reasons; the service's
  Python path); p50 and p99 latency per declaration; target p99 under 10 ms. The server's own
  peak memory is in the note.

``rows`` is the number of declarations of the world (default 100,000).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement, measure

NAME = "export"
DEFAULT_ROWS = 100_000
PROFILES = 100
TOKEN = "bench-token-0123456789abcdef"
BATCH = 5000
CONNECTIONS = 2
ROUNDS = 3
"""The batches are posted this many times over (a run of a few seconds rather than one)."""
SINGLES = 1000


def _log(text: str) -> None:
    print(f"[export] {text}", file=sys.stderr, flush=True)


# --- run inside measured child processes ----------------------------------------------------

def prepare(folder: str, declarations: int) -> dict[str, Any]:
    """World, indicator build, 100 approved profiles, a signing key, the messages to score."""
    from workbench.access import grant
    from workbench.examples import profile_files
    from workbench.export import make_keypair
    from workbench.indicators.build import build
    from workbench.profiles import parse_profile, read_profile, save_profile, transition
    from workbench.store.connection import open_store
    from workbench.synth.fixtures import build_world_store

    db = build_world_store(folder, declarations=declarations, seed=11)
    rng = random.Random(5)
    with open_store(db) as con:
        admin = con.execute("select user_name from user_role where role = 'admin' limit 1").fetchone()[0]
        grant(con, admin=admin, user="boss", role="approver", reason="benchmark")
        build(con, reason="benchmark")
        chapters = [r[0] for r in con.execute("select left(hs_code, 2) from declaration_item group by 1").fetchall()]
        origins = [r[0] for r in con.execute("select country_origin from declaration_item where country_origin "
                                             "is not null group by 1").fetchall()]
        specs = [read_profile(p) for p in profile_files()]
        for n in range(PROFILES - len(specs)):
            crit = [{"field": "item.hs_chapter", "in": rng.sample(chapters, 2)},
                    {"field": "item.country_origin", "in": rng.sample(origins, 2)},
                    {"field": "item.customs_value_base", "gt": rng.choice([100, 1000, 5000])}]
            specs.append(parse_profile({"id": f"RP-BENCH-{n:03d}", "title": f"benchmark profile {n}", "risk": "R-1",
                                        "criteria": {"all": crit},
                                        "treatment": {"lane": rng.choice(["yellow", "red"]),
                                                      "selection_pct": rng.choice([100, 100, 50])}}))
        for spec in specs:
            save_profile(con, spec, require_risk=False, actor="ana")
            transition(con, "submit", spec.id, reason="benchmark", actor="ana")
            transition(con, "approve", spec.id, reason="benchmark", actor="boss")
            transition(con, "activate", spec.id, reason="benchmark", actor="boss")
        ref = con.execute("select max(lodged_at)::DATE from declaration").fetchone()[0]
    key = Path(folder) / "signing.key"
    make_keypair(key)
    return {"db": str(db), "key": str(key), "reference_date": ref.isoformat(), "profiles": len(specs)}


def messages(db: str, out: str) -> dict[str, Any]:
    """The last six months' declarations as lodgement messages with their indicator values."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    inds = [r[0] for r in con.execute("select distinct indicator_id from indicator_value_latest").fetchall()]
    cur = con.execute("""
        with d as (select * from declaration where lodged_at >= (select max(lodged_at) - interval 6 month from declaration)
                   qualify row_number() over (partition by declaration_id order by known_at, version) = 1),
        v as (select declaration_id, version, item_no, map_from_entries(list({'k': indicator_id, 'v': {'value': value, 'flag': flag}})) as ind
              from indicator_value_latest group by all),
        i as (select i.declaration_id, i.version, list({'item_no': i.item_no, 'hs_code': i.hs_code,
                       'description': i.description, 'country_origin': i.country_origin, 'quantity': i.quantity,
                       'quantity_unit': i.quantity_unit, 'net_mass_kg': i.net_mass_kg, 'customs_value': i.customs_value,
                       'customs_value_base': i.customs_value_base, 'duty_rate': i.duty_rate, 'duty': i.duty,
                       'indicators': v.ind} order by i.item_no) as items
              from declaration_item i left join v using (declaration_id, version, item_no) group by all)
        select to_json({'declaration_id': d.declaration_id, 'lodged_at': strftime(d.lodged_at, '%Y-%m-%dT%H:%M:%S'),
                        'direction': d.direction, 'office_code': d.office_code, 'procedure_code': d.procedure_code,
                        'transport_mode': d.transport_mode, 'importer_id': d.importer_id, 'exporter_id': d.exporter_id,
                        'declarant_id': d.declarant_id, 'country_dispatch': d.country_dispatch,
                        'country_origin': d.country_origin, 'currency': d.currency, 'items': i.items})::VARCHAR
        from d join i using (declaration_id, version)""")
    found = [json.loads(r[0]) for r in cur.fetchall()]
    con.close()
    for m in found:
        for it in m["items"]:
            it["indicators"] = {k: v for k, v in (it.get("indicators") or {}).items()}
            for k in inds:
                it["indicators"].setdefault(k, {"value": None, "flag": None})
    Path(out).write_text(json.dumps(found))
    return {"messages": len(found)}


def bundle_build(db: str, key: str, reference_date: str) -> dict[str, Any]:
    import datetime as dt

    from workbench.export import make_bundle
    from workbench.store.connection import open_store

    with open_store(db) as con:
        r = make_bundle(con, signing_key=key, reference_date=dt.date.fromisoformat(reference_date),
                        formats=["json", "csv", "rules"])
    Path(db).with_name("bundle.json").write_bytes(r.bundle.packed())
    m = r.bundle.manifest
    return {"bundle_id": m.bundle_id, "profiles": len(m.profiles), "files": len(m.files),
            "bytes": len(r.bundle.packed()), "rules": len(r.rules_report()["expressed"])}


def naive_export(db: str, reference_date: str) -> dict[str, Any]:
    import datetime as dt

    from workbench.profiles.registry import live_profiles
    from workbench.store.connection import open_store

    with open_store(db, read_only=True) as con:
        specs = live_profiles(con, dt.date.fromisoformat(reference_date))
    Path(db).with_name("naive.json").write_text(json.dumps([p.content() for p in specs]))
    return {"profiles": len(specs)}


def score_in_process(bundle: str, messages_file: str) -> dict[str, Any]:
    from workbench.export.manifest import unpack
    from workbench.targeting.message import parse
    from workbench.targeting.scorer import Scorer

    scorer = Scorer(unpack(Path(bundle).read_bytes()))
    found = json.loads(Path(messages_file).read_text())
    selected = 0
    for n in range(0, len(found), BATCH):
        decls, _ = parse({"declarations": found[n:n + BATCH]})
        selected += sum(1 for d in scorer.score(decls, explain=False) if d["selected"])
    return {"declarations": len(found), "selected": selected}


def contract_messages(messages_file: str, bundle: str, out: str) -> dict[str, Any]:
    """The same messages, each item carrying only the indicators the bundle's profiles read (the
    service's contract: docs/analysts/export.md) rather than every indicator of the store."""
    from workbench.export.manifest import unpack

    required = set(unpack(Path(bundle).read_bytes()).manifest.indicators.required)
    found = json.loads(Path(messages_file).read_text())
    for m in found:
        for it in m["items"]:
            it["indicators"] = {k: v for k, v in it["indicators"].items() if k in required}
    Path(out).write_text(json.dumps(found))
    return {"messages": len(found), "indicators": len(required)}


def _arrow_body(batch: list[dict[str, Any]], indicators: list[str]) -> bytes:
    """A batch as an Arrow IPC stream, one row per declaration (the service's bulk form)."""
    import datetime as dt

    import pyarrow as pa

    from workbench.targeting.bulk import arrow_stream, message_schema

    rows = [dict(m, lodged_at=dt.datetime.fromisoformat(m["lodged_at"])) for m in batch]
    return arrow_stream(pa.Table.from_pylist(rows, schema=message_schema(indicators)))


def score_http_batch(url: str, messages_file: str, bundle: str = "", form: str = "json",
                     connections: int = CONNECTIONS) -> dict[str, Any]:
    """Post the messages in batches over ``connections`` kept-alive connections, each from its
    own thread, as a load generator does; only the posting and the reading of the answers
    (with orjson) are timed — reading the file and encoding the bodies come before, and the
    decoded messages are dropped first so the collector does not walk them while timing.
    ``form`` 'json' or 'arrow' (an Arrow IPC stream per batch, with the bundle's indicators,
    the decisions answered as an Arrow stream too)."""
    import gc
    import threading

    import httpx
    import orjson
    import pyarrow as pa

    found = json.loads(Path(messages_file).read_text())
    if form == "arrow":
        from workbench.export.manifest import unpack

        required = unpack(Path(bundle).read_bytes()).manifest.indicators.required
        bodies = [_arrow_body(found[n:n + BATCH], required) for n in range(0, len(found), BATCH)]
        kind = "application/vnd.apache.arrow.stream"

        def chosen(answer: bytes) -> int:
            return pa.ipc.open_stream(answer).read_all().column("selected").to_numpy(zero_copy_only=False).sum()
    else:
        bodies = [json.dumps({"declarations": found[n:n + BATCH]}).encode() for n in range(0, len(found), BATCH)]
        kind = "application/json"

        def chosen(answer: bytes) -> int:
            return sum(1 for d in orjson.loads(answer)["decisions"] if d["selected"])
    count = len(found)
    del found
    gc.collect()
    bodies = bodies * ROUNDS
    selected = [0] * connections
    failed: list[BaseException] = []
    start = threading.Barrier(connections + 1)

    def post(k: int) -> None:
        try:
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": kind,
                                                     "Accept": kind}, timeout=600) as client:
                client.get("/health").raise_for_status()
                start.wait()
                for body in bodies[k::connections]:
                    got = client.post("/score?explain=false", content=body)
                    got.raise_for_status()
                    selected[k] += int(chosen(got.content))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)
            start.abort()

    threads = [threading.Thread(target=post, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    if failed:
        raise failed[0]
    return {"declarations": count * ROUNDS, "selected": sum(selected) // ROUNDS, "seconds": seconds,
            "mb": round(sum(map(len, bodies)) / 1e6, 1), "connections": connections}


def score_http_single(url: str, messages_file: str, count: int) -> dict[str, Any]:
    import httpx

    found = json.loads(Path(messages_file).read_text())[:count]
    bodies = [json.dumps(m).encode() for m in found]
    times = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}",
                                             "Content-Type": "application/json"}, timeout=60) as client:
        for body in bodies:
            t0 = time.perf_counter()
            client.post("/score", content=body).raise_for_status()
            times.append(time.perf_counter() - t0)
        floor = []          # the same round trip with nothing to do: HTTP and the machine's own noise
        for _ in bodies:
            t0 = time.perf_counter()
            client.get("/health").raise_for_status()
            floor.append(time.perf_counter() - t0)

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(1000 * values[max(0, int(len(values) * q) - 1)], 2)
    return {"count": len(times), "p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99),
            "floor_p50_ms": pct(floor, 0.5), "floor_p99_ms": pct(floor, 0.99)}


# --- the benchmark --------------------------------------------------------------------------

def _row(case: str, m: Measurement, rows: int, *, ratio: float | None = None, note: str = "", info: bool = False,
         ok: bool | None = None) -> dict[str, Any]:
    row = {"benchmark": NAME, "case": case, "rows": rows, "seconds": round(m.seconds, 3),
           "cpu_seconds": round(m.cpu_seconds, 3), "rows_per_s": round(rows / m.seconds) if m.seconds else None,
           "peak_rss_mb": m.peak_rss_mb, "ratio": ratio, "note": note, "info": info,
           "process_seconds": round(m.process_seconds, 3)}
    if ok is not None:
        row["ok"] = ok
    return row


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def run(rows: int = DEFAULT_ROWS, keep: bool = False) -> list[dict[str, Any]]:
    import httpx

    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-export-"))
    env = {"WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_USER": "bench"}
    out: list[dict[str, Any]] = []
    server = None
    try:
        _log(f"world of {rows:,} declarations, indicators, {PROFILES} profiles in {tmp}")
        prep = measure(f"{__name__}:prepare", str(tmp / "world"), rows, label="prepare", env=env,
                       preload=["workbench.synth", "workbench.indicators", "workbench.profiles"])
        p = prep.value
        out.append(_row(f"set-up: world, indicator build, {p['profiles']} active profiles", prep, rows, info=True))
        msgs = tmp / "messages.json"
        made = measure(f"{__name__}:messages", p["db"], str(msgs), label="messages", preload=["duckdb"])
        n = made.value["messages"]

        _log("bundle")
        base = measure(f"{__name__}:naive_export", p["db"], p["reference_date"], label="naive", env=env,
                       preload=["workbench.profiles.registry", "workbench.store.connection"])
        bun = measure(f"{__name__}:bundle_build", p["db"], p["key"], p["reference_date"], label="bundle", env=env,
                      preload=["workbench.export", "workbench.store.connection", "cryptography"])
        b = bun.value
        out.append(_row("baseline: profiles as JSON, no reference state or signature", base, p["profiles"], info=True))
        out.append(_row("bundle: json + csv + rules, signed, kept, audited", bun, b["profiles"],
                        ratio=round(bun.seconds / base.seconds, 2) if base.seconds else None,
                        note=f"{b['files']} files, {b['bytes'] / 1e6:.1f} MB packed, {b['rules']} profiles as rule text"))

        bundle_file = str(Path(p["db"]).with_name("bundle.json"))
        _log(f"scoring {n:,} declarations in process")
        inproc = measure(f"{__name__}:score_in_process", bundle_file, str(msgs), label="in-process",
                         preload=["workbench.targeting.scorer", "workbench.targeting.message", "pyarrow", "duckdb"])
        out.append(_row("baseline: scorer in process (parse + score, no HTTP)", inproc, n, info=True,
                        note=f"{inproc.value['selected']:,} selected"))

        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "workbench.cli", "targeting", "serve", "--port", str(port),
                                   "--state", str(tmp / "service"), "--public-key", p["key"] + ".pub",
                                   "--max-body-mb", "512"],
                                  env={**os.environ, **env, "WORKBENCH_TARGETING_TOKEN": TOKEN},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the targeting service did not start")
            time.sleep(0.1)
        httpx.post(url + "/bundles", content=Path(bundle_file).read_bytes(),
                   headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120).raise_for_status()
        slim = tmp / "messages-contract.json"
        kept = measure(f"{__name__}:contract_messages", str(msgs), bundle_file, str(slim), label="contract")
        for label, path, form in (("JSON, items with every indicator of the store", msgs, "json"),
                                  (f"JSON, items with the bundle's {kept.value['indicators']} indicators", slim, "json"),
                                  (f"Arrow stream, the bundle's {kept.value['indicators']} indicators", slim, "arrow")):
            _log(f"scoring over HTTP in batches, {label}")
            batch = measure(f"{__name__}:score_http_batch", url, str(path), bundle_file, form, label="http batch",
                            preload=["httpx", "pyarrow"])
            posted, sent = batch.value["seconds"], batch.value["declarations"]    # every batch, every round
            rate = sent / posted if posted else 0.0
            agree = batch.value["selected"] == inproc.value["selected"]
            per_decl = (posted / sent) / (inproc.seconds / n) if inproc.seconds and sent else None
            out.append(_row(f"scoring: HTTP batches of {BATCH:,}, {p['profiles']} profiles, {label}",
                            batch, sent, ratio=round(per_decl, 3) if per_decl else None, ok=rate >= 50_000,
                            note=f"{rate:,.0f} declarations/s: {sent:,} ({ROUNDS} rounds) posting "
                                 f"{batch.value['mb']} MB in {posted:.2f} s over {batch.value['connections']} "
                                 f"connections (target ≥ 50,000); same selections as in process: {agree}"))
        _log("scoring one declaration at a time")
        single = measure(f"{__name__}:score_http_single", url, str(msgs), SINGLES, label="http single",
                         preload=["httpx"])
        s = single.value
        out.append(_row(f"scoring: {s['count']:,} single declarations, sequential", single, s["count"],
                        ok=s["p99_ms"] < 10.0,
                        note=f"p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms per declaration (target p99 < 10 ms); "
                             f"GET /health round trip p50 {s['floor_p50_ms']} ms, p99 {s['floor_p99_ms']} ms; "
                             f"server peak {_server_peak_mb(server.pid)} MiB"))
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if keep:
            _log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return out
