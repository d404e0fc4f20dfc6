"""Delivery: through the outbox each bundle reaches its receiver exactly once, even when the
receiver was down; a folder gets whole bundles only, even when the export is killed; the CLI
verbs show what went where."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from indicator_fixtures import copy_store
from test_export_bundle import REF, shared_world
from test_targeting_service import TOKEN, Service, free_port
from workbench.export import deliver, enqueue, make_bundle, read_folder, status, verify
from workbench.export.delivery import to_folder
from workbench.export.manifest import public_keys_from
from workbench.store.connection import open_store


@pytest.fixture(scope="module")
def world(world_store, tmp_path_factory):
    return shared_world(world_store, tmp_path_factory, examples=False)


def test_receiver_down_then_up_gets_each_bundle_exactly_once(world, tmp_path):
    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    port = free_port()
    url = f"http://127.0.0.1:{port}/bundles"
    with open_store(db) as con:
        made = make_bundle(con, signing_key=key, reference_date=REF)
        enqueue(con, made.bundle_id, url, "http")
        assert enqueue(con, made.bundle_id, url, "http") == 1            # asked twice: one delivery

    down = deliver(db, token=TOKEN, tries=2, pause=0.01)
    assert [(r["status"], r["attempts"]) for r in down] == [("pending", 2)]
    assert "unreachable" in down[0]["detail"]
    with open_store(db, read_only=True) as con:
        [row] = status(con)
        assert row["status"] == "pending" and row["next_attempt_at"] > row["last_attempt_at"]

    service = Service(tmp_path / "state", key.with_name(key.name + ".pub"), port=port)
    try:
        up = deliver(db, token=TOKEN)
        assert [(r["status"], r["attempts"]) for r in up] == [("delivered", 3)]
        assert deliver(db, token=TOKEN) == []                              # nothing left to send
        listed = service.client.get("/bundles").json()
        assert [b["bundle_id"] for b in listed["bundles"]] == [made.bundle_id]
        assert listed["active"] == made.bundle_id
        resent = service.client.post("/bundles", content=made.bundle.packed(),
                                     headers={"Idempotency-Key": made.bundle_id})
        assert resent.json()["status"] == "already received"
    finally:
        service.stop()
    with open_store(db, read_only=True) as con:
        actions = [r[0] for r in con.execute("select action from audit_log where object_type = 'export_delivery' "
                                             "order by seq").fetchall()]
    assert actions == ["export.enqueue", "export.deliver"]


def test_a_refusing_receiver_fails_the_delivery_without_retrying(world, tmp_path):
    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    service = Service(tmp_path / "state", key.with_name(key.name + ".pub"))
    try:
        with open_store(db) as con:
            made = make_bundle(con, signing_key=key, reference_date=REF)
            enqueue(con, made.bundle_id, service.url + "/bundles", "http")
        [r] = deliver(db, token="wrong-token-000000000000", tries=3, pause=0.01)
        assert (r["status"], r["attempts"]) == ("failed", 1) and "HTTP 401" in r["detail"]
        assert deliver(db, token=TOKEN) == []                              # failed stays failed...
        [r] = deliver(db, token=TOKEN, retry_failed=True)                  # ...until asked
        assert r["status"] == "delivered"
    finally:
        service.stop()


def test_folder_delivery_is_whole_and_idempotent(world, tmp_path):
    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    drop = tmp_path / "drop"
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "bundle", "--db", str(db), "--key", str(key),
                          "--as-of", str(REF), "--to", str(drop), "--format", "csv", "--format", "rules", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert [d["status"] for d in got["deliveries"]] == ["delivered"]
    assert {e["profile"] for e in got["rules"]["expressed"]} == {"RP-FRUIT-01"}
    bundle = read_folder(drop / got["bundle_id"])
    verify(bundle, public_keys_from([key.with_name(key.name + ".pub")]))
    assert (drop / got["bundle_id"] / "csv" / "lists" / "TL-SUNRISE.csv").read_text().startswith("list_id,version")
    assert to_folder(bundle, drop).detail.endswith("(already there)")
    assert sorted(p.name for p in drop.iterdir()) == [got["bundle_id"]]
    shown = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "status", "--db", str(db), "--json"],
                           capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["deliveries"][0]["status"] == "delivered"


KILLED_WRITER = """
import sys
from workbench.export.delivery import to_folder
from workbench.export.manifest import unpack
bundle = unpack(Path(sys.argv[1]).read_bytes())
print("ready", flush=True)
to_folder(bundle, sys.argv[2])
"""


def test_a_killed_folder_export_leaves_no_partial_bundle(world, tmp_path):
    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    with open_store(db) as con:
        made = make_bundle(con, signing_key=key, reference_date=REF, formats=["json", "csv", "rules"])
    packed = tmp_path / "bundle.json"
    packed.write_bytes(made.bundle.packed())
    drop = tmp_path / "drop"
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1):
        proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(packed), str(drop)], stdout=subprocess.PIPE)
        proc.stdout.readline()
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        visible = [p for p in drop.iterdir() if not p.name.startswith(".")] if drop.exists() else []
        for folder in visible:          # whatever a reader can see is a whole, valid bundle
            verify(read_folder(folder), public_keys_from([key.with_name(key.name + ".pub")]))
        if visible:
            break
    outcome = to_folder(made.bundle, drop)
    assert outcome.ok
    assert [p.name for p in drop.iterdir()] == [made.bundle_id]    # leftovers of killed writers swept
