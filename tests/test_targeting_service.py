"""The reference targeting service, run for real on loopback: it takes good bundles, refuses bad
ones with a clear error and keeps the active version, scores one declaration or a batch, rolls
back, and records every decision."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from indicator_fixtures import copy_store
from test_export_bundle import REF, shared_world
from workbench.export import make_bundle
from workbench.export.manifest import unpack
from workbench.store.connection import open_store

TOKEN = "test-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """``workbench targeting serve`` in its own process."""

    def __init__(self, state: Path, public_key: Path, *, port: int | None = None, max_body_mb: float = 64.0):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, WORKBENCH_TARGETING_TOKEN=TOKEN)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", "targeting", "serve", "--port", str(self.port), "--state",
             str(state), "--public-key", str(public_key), "--max-body-mb", str(max_body_mb)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = self.proc.stdout.read().decode() if self.proc.poll() is not None else ""
                self.stop()
                raise RuntimeError(f"targeting service did not start: {out}")
            time.sleep(0.1)

    def active(self) -> str | None:
        return self.client.get("/bundles").json()["active"]

    def stop(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def bundles(world_store, tmp_path_factory):
    """Two bundles of the same world (the second with one more profile), and the public key."""
    from test_export_bundle import FRUIT, approve
    from workbench.profiles import parse_profile

    master, key = shared_world(world_store, tmp_path_factory, examples=False)
    db = copy_store(master, tmp_path_factory.mktemp("service-world") / "world.duckdb")
    with open_store(db) as con:
        first = make_bundle(con, signing_key=key, reference_date=REF).bundle
        approve(con, parse_profile({**FRUIT, "id": "RP-FRUIT-09", "title": "Any apples",
                                    "criteria": {"field": "item.hs_chapter", "eq": "08"}}))
        second = make_bundle(con, signing_key=key, reference_date=REF).bundle
        decl = con.execute("select declaration_id, lodged_at from declaration order by declaration_id limit 1").fetchone()
    return first, second, key.with_name(key.name + ".pub"), decl


@pytest.fixture
def service(tmp_path, bundles):
    svc = Service(tmp_path / "state", bundles[2], max_body_mb=2)
    yield svc
    svc.stop()


def message(decl_id="synth:X1", hs="0808100000", origin="US", **extra):
    return {"declaration_id": decl_id, "lodged_at": "2025-12-01T10:00:00Z", "direction": "import",
            "office_code": "AKLP", "importer_id": "synth:P0000001",
            "items": [{"item_no": 1, "hs_code": hs, "country_origin": origin, "customs_value_base": 500.0}], **extra}


def test_bad_bundles_are_refused_clearly_and_the_active_one_stays(service, bundles, tmp_path):
    first, second, _, _ = bundles
    got = service.client.post("/bundles", content=first.packed())
    assert got.status_code == 201, got.text
    active = service.active()
    assert active == first.manifest.bundle_id

    def refused(body: bytes, status: int, words: str, headers=None):
        r = service.client.post("/bundles", content=body, headers=headers or {})
        assert r.status_code == status, r.text
        assert words in r.json()["error"], r.json()
        assert service.active() == active

    refused(second.packed(), 401, "bearer token", headers={"Authorization": "Bearer wrong-token-0000000000"})
    forged = unpack(second.packed())
    forged.manifest_bytes = forged.manifest_bytes.replace(b'"created_by": "', b'"created_by": "x')
    refused(forged.packed(), 400, "bad signature")
    tampered = unpack(second.packed())
    path = tampered.manifest.profiles[0].path
    tampered.files[path] = tampered.files[path].replace(b'"red"', b'"green"')
    refused(tampered.packed(), 400, "does not match its SHA-256")
    broken = unpack(second.packed())
    doc = json.loads(broken.manifest_bytes)
    del doc["selection_salt"]
    broken.manifest_bytes = json.dumps(doc).encode()
    refused(broken.packed(), 400, "violates the bundle schema at selection_salt")
    refused(b'{"bundle": "customs-risk-workbench/bundle@1", "manifest": ', 400, "not JSON")
    refused(b"x" * (3 * 1024 * 1024), 413, "over the limit")
    assert service.client.get("/bundles").json()["bundles"] == [{"bundle_id": active, "bytes": len(first.packed()),
                                                                 "active": True}]


def test_scores_one_or_a_batch_rolls_back_and_records_decisions(service, bundles, tmp_path):
    first, second, _, _ = bundles
    assert service.client.post("/score", json=message()).status_code == 409      # nothing active yet
    assert service.client.post("/bundles", content=first.packed()).status_code == 201
    one = service.client.post("/score", json=message()).json()
    assert one["lane"] == "red" and one["selected"]
    assert [p["profile_id"] for p in one["profiles"]] == ["RP-FRUIT-01"]
    assert one["profiles"][0]["reason"].startswith("RP-FRUIT-01 v1 (red): item 1: item.hs_code = 0808100000")
    pears = message("synth:X2", hs="0808300000")
    batch = service.client.post("/score", json={"declarations": [message("synth:X3"), pears]}).json()
    assert [d["lane"] for d in batch["decisions"]] == ["red", "green"]

    again = service.client.post("/bundles", content=first.packed())
    assert again.status_code == 200 and again.json()["status"] == "already received"
    assert service.client.post("/bundles", content=second.packed()).status_code == 201
    assert service.client.post("/score", json=pears).json()["profiles"][0]["profile_id"] == "RP-FRUIT-09"
    assert service.client.post("/rollback").json()["active"] == first.manifest.bundle_id
    assert service.client.post("/score", json=pears).json()["lane"] == "green"
    assert service.client.post(f"/bundles/{second.manifest.bundle_id}/activate").json()["active"] == \
        second.manifest.bundle_id

    with open(tmp_path / "state" / "decisions.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["declaration_id"] for r in rows] == ["synth:X1", "synth:X3", "synth:X2", "synth:X2", "synth:X2"]
    assert rows[0]["lane"] == "red" and rows[0]["profile_id"] == "RP-FRUIT-01" and rows[0]["selection_source"] == "profile"


def test_bad_messages_are_refused_with_where_and_what(service, bundles):
    assert service.client.post("/bundles", content=bundles[0].packed()).status_code == 201
    cases = [
        (b"{not json", 400, "not JSON"),
        (json.dumps({k: v for k, v in message().items() if k != "lodged_at"}).encode(), 422, "lodged_at: Field required"),
        (json.dumps(message(hs="08-08")).encode(), 422, "items[0].hs_code"),
        (json.dumps({"declarations": [message("a"), message("b", colour="red")]}).encode(), 422,
         "declarations[1] (b) colour: Extra inputs are not permitted"),
        (json.dumps({"declarations": [message("a"), message("a")]}).encode(), 422, "declaration a appears twice"),
        (json.dumps([1, 2]).encode(), 422, "send one declaration"),
    ]
    for body, status, words in cases:
        r = service.client.post("/score", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == status, (words, r.text)
        assert words in r.json()["error"], (words, r.json())
    assert service.client.post("/score", json=message(), headers={"Authorization": "Bearer nope"}).status_code == 401
