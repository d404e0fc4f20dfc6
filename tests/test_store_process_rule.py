"""The store under DuckDB's process rule: busy stores, killed loads, migrations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, TINY
from workbench.ingest.loader import load
from workbench.store.connection import StoreBusy, StoreError, open_store

HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
""")


def _hold(db, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_writer_finding_store_held_fails_clearly_naming_the_process(tiny_store):
    proc = _hold(tiny_store, 30)
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusy) as err:
            with open_store(tiny_store, wait=0.5):
                pass
        assert time.monotonic() - started >= 0.5
        assert f"store busy (process {proc.pid}" in str(err.value)
        # the CLI says the same in one line, without a traceback
        out = subprocess.run([sys.executable, "-m", "workbench.cli", "store", "info", "--db", str(tiny_store)],
                             capture_output=True, text=True, env=os.environ | {"COLUMNS": "200"})
        assert out.returncode == 1
        assert "store busy (process" in out.stderr and "Traceback" not in out.stderr
    finally:
        proc.kill()
        proc.wait()


def test_writer_retries_until_the_holder_lets_go(tiny_store):
    proc = _hold(tiny_store, 0.8)
    try:
        with open_store(tiny_store, wait=10) as con:
            assert con.execute("select count(*) from declaration_current").fetchall() == [(4,)]
    finally:
        proc.wait()


def test_several_readers_at_once(tiny_store):
    with open_store(tiny_store, read_only=True) as a, open_store(tiny_store, read_only=True) as b:
        assert a.execute("select count(*) from party").fetchall() == b.execute("select count(*) from party").fetchall()


def test_read_only_open_of_missing_store_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="workbench store init"):
        with open_store(tmp_path / "none.duckdb", read_only=True):
            pass


KILL = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import workbench.ingest.loader as loader
    real = loader.write_plans
    def slow_write(con, plans, load_id):
        inserted = real(con, plans, load_id)          # rows are written inside the open transaction...
        Path(sys.argv[4]).write_text("written")       # ...tell the test, then wait to be killed
        time.sleep(60)
        return inserted
    loader.write_plans = slow_write
    loader.load(sys.argv[1], sys.argv[2], db=sys.argv[3])
""")


def fingerprint(db):
    with open_store(db, read_only=True) as con:
        return [con.execute(f"select count(*), sum(hash(t)) from {t} t").fetchall()[0]
                for t in ("declaration", "declaration_item", "party", "load_log", "quarantine", "audit_log")]


def test_a_load_killed_half_way_leaves_the_store_as_before(tiny_store, tmp_path):
    lines = (TINY / "declarations.csv").read_text().splitlines()
    extra = [lines[0]] + [
        f"K{n},2024-02-15 10:00:00,AKL,P1,P3,P4,CN,CN,sea,NZD,1,640399,boots,10,pr,8,{500 + n},50," for n in range(20000)
    ]
    big = tmp_path / "big.csv"
    big.write_text("\n".join(extra) + "\n")
    mapping = TINY / "mappings" / "declarations.yaml"
    before = fingerprint(tiny_store)
    flag = tmp_path / "flag"
    proc = subprocess.Popen([sys.executable, "-c", KILL, str(big), str(mapping), str(tiny_store), str(flag)],
                            cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert proc.poll() is None, "the load ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert fingerprint(tiny_store) == before
    summary = load(big, mapping, db=tiny_store)
    assert summary.rows_loaded == 20000 and summary.reconciles
    with open_store(tiny_store, read_only=True) as con:
        assert con.execute("select count(*) from declaration where declaration_id like 'tiny:K%'").fetchall() == [(20000,)]
