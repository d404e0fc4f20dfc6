"""Bundles: only approved, live versions go out; the manifest names ids, versions, approvers, the
audit head and the hash of every file; the signature and hashes catch any change; every export
is audited; the same content exported again is the same bundle.

The helpers at the top (a world store with approved profiles, a signing key) serve the other
export and targeting tests too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from indicator_fixtures import copy_store
from workbench.access import grant
from workbench.examples import profile_files
from workbench.export import BundleError, ExportError, SigningKeyError, json_schema, make_bundle, make_keypair
from workbench.export.manifest import public_keys_from, unpack, verify, verify_packed
from workbench.profiles import parse_profile, read_profile, save_profile, transition
from workbench.profiles.targets import parse_list, save_list, transition as list_transition
from workbench.store.connection import open_store

REF = dt.date(2025, 12, 31)
APPROVER = "boss"
AUTHOR = "ana"

FRUIT = {"id": "RP-FRUIT-01", "title": "Apples from the US", "risk": "R-BIO-01",
         "criteria": {"all": [{"field": "item.hs_code", "eq": "0808100000"}, {"field": "item.country_origin", "eq": "US"}]},
         "treatment": {"lane": "red", "control": "physical"}}
LISTED = {"id": "RP-LIST-01", "title": "Importers of operation Sunrise", "risk": "R-REV-01",
          "criteria": {"field": "declaration.importer_id", "in_list": "TL-SUNRISE"},
          "treatment": {"lane": "yellow", "control": "documentary"}}


MODELLED = {"id": "RP-MODEL-01", "title": "The model's top share", "risk": "R-REV-01",
            "criteria": {"any": [{"field": "indicator.model.risk_score.flag", "eq": True},
                                 {"field": "indicator.model.risk_percentile", "gte": 99}]},
            "treatment": {"lane": "yellow", "control": "documentary"}}
MODEL_CUTOFF = dt.date(2025, 4, 1)


def sunrise(importers: list[str]) -> dict:
    return {"id": "TL-SUNRISE", "title": "Traders of operation Sunrise", "kind": "trader",
            "operation": "OP SUNRISE", "validity": {"from": "2025-03-01"},
            "entries": [{"value": v, "reason": "intelligence report IR-77, B2"} for v in importers]}


def grant_approver(con) -> None:
    admin = con.execute("select user_name from user_role where role = 'admin' order by granted_at limit 1").fetchone()[0]
    grant(con, admin=admin, user=APPROVER, role="approver", reason="second pair of eyes")


def approve(con, profile, *, activate: bool = True) -> None:
    save_profile(con, profile, require_risk=False, actor=AUTHOR)
    transition(con, "submit", profile.id, reason="ready for review", actor=AUTHOR)
    transition(con, "approve", profile.id, reason="backtested", actor=APPROVER)
    if activate:
        transition(con, "activate", profile.id, reason="go live", actor=APPROVER)


def approve_list(con, data: dict) -> None:
    tl = parse_list(data)
    save_list(con, tl, actor=AUTHOR)
    list_transition(con, "submit", tl.id, reason="ready", actor=AUTHOR)
    list_transition(con, "approve", tl.id, reason="checked", actor=APPROVER)
    list_transition(con, "activate", tl.id, reason="go live", actor=APPROVER)


def approved_world(master: Path, folder: Path, *, indicators: bool = False, examples: bool = True) -> Path:
    """A copy of the world store with the example profiles, a list-reading profile (and its list)
    and a rule-text-friendly profile approved and active; with ``indicators``, an indicator build
    with a model's scores (trained to 2025-04-01) and a profile reading them."""
    db = copy_store(master, folder / "world.duckdb")
    with open_store(db) as con:
        grant_approver(con)
        if indicators:
            from workbench.indicators.build import build
            from workbench.models.training import TrainOptions, train

            build(con, reason="export tests")
            train(con, MODEL_CUTOFF, options=TrainOptions(seed=3, rounds=80), user=AUTHOR)
            build(con, reason="export tests: the model's scores")
            approve(con, parse_profile(MODELLED))
        importers = [r[0] for r in con.execute(
            "select importer_id from declaration group by 1 order by count(*) desc limit 3").fetchall()]
        approve_list(con, sunrise(importers))
        for path in profile_files() if examples else []:
            approve(con, read_profile(path))
        approve(con, parse_profile(FRUIT))
        approve(con, parse_profile(LISTED))
    return db


_SHARED: dict[tuple, tuple[Path, Path]] = {}


def shared_world(master: Path, tmp_path_factory, *, indicators: bool = False, examples: bool = True) -> tuple[Path, Path]:
    """One approved world and signing key of each kind per test process, made on first use and
    shared by the export and targeting modules: tests only read it, or copy it
    (``copy_store``) before they write."""
    kind = (str(master), indicators, examples)
    if kind not in _SHARED:
        folder = tmp_path_factory.mktemp("approved-world")
        _SHARED[kind] = (approved_world(master, folder, indicators=indicators, examples=examples), signing_key(folder))
    return _SHARED[kind]


def signing_key(folder: Path) -> Path:
    key = folder / "keys" / "signing.key"
    if not key.exists():
        make_keypair(key)
    return key


@pytest.fixture(scope="module")
def world(world_store, tmp_path_factory):
    return shared_world(world_store, tmp_path_factory)


def test_only_approved_live_versions_go_out_with_approver_and_hashes(world, tmp_path):
    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    with open_store(db) as con:
        save_profile(con, parse_profile({**FRUIT, "id": "RP-DRAFT-01", "title": "Only a draft"}), require_risk=False,
                     actor=AUTHOR)
        expired = parse_profile({**FRUIT, "id": "RP-OLD-01", "title": "Expired", "validity": {"to": "2025-06-30"}})
        approve(con, expired, activate=False)
        approve(con, parse_profile({**FRUIT, "id": "RP-GONE-01", "title": "Retired"}))
        transition(con, "retire", "RP-GONE-01", reason="stopped performing", actor=APPROVER)
        head_before = con.execute("select max(seq) from audit_log").fetchone()[0]
        result = make_bundle(con, signing_key=key, reference_date=REF, formats=["json", "csv"])
        logged = con.execute("select action, object_id, details from audit_log where seq > ?", [head_before]).fetchall()

    m = result.bundle.manifest
    ids = {p.id for p in m.profiles}
    assert {"RP-FRUIT-01", "RP-LIST-01", "RP-REV-UV-01", "RP-BIO-01"} <= ids
    assert not ids & {"RP-DRAFT-01", "RP-OLD-01", "RP-GONE-01"}
    fruit = next(p for p in m.profiles if p.id == "RP-FRUIT-01")
    assert (fruit.version, fruit.status, fruit.author, fruit.approved_by) == (1, "active", AUTHOR, APPROVER)
    assert [t.id for t in m.lists] == ["TL-SUNRISE"] and m.lists[0].entries == 3
    assert m.audit_head.seq == head_before
    assert m.reference_date == REF and m.selection_salt
    assert {f.path for f in m.files} == set(result.bundle.files)
    assert "csv/lists/TL-SUNRISE.csv" in result.bundle.files and "reference/value_control.json" in result.bundle.files
    assert [a for a, oid, _ in logged] == ["export.bundle"] and logged[0][1] == m.bundle_id
    jsonschema.validate(json.loads(result.bundle.manifest_bytes), json_schema())
    verify_packed(result.bundle.packed(), public_keys_from([key.with_name(key.name + ".pub")]))


def test_the_same_content_again_is_the_same_bundle_and_is_audited(world, tmp_path):
    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    with open_store(db) as con:
        first = make_bundle(con, signing_key=key, reference_date=REF)
        again = make_bundle(con, signing_key=key, reference_date=REF)
        exports = con.execute("select count(*) from audit_log where action = 'export.bundle'").fetchone()[0]
        approve(con, parse_profile({**FRUIT, "id": "RP-FRUIT-02", "title": "Pears from the US"}))
        changed = make_bundle(con, signing_key=key, reference_date=REF)
    assert (first.created, again.created) == (True, False)
    assert again.bundle.packed() == first.bundle.packed()
    assert exports == 2
    assert changed.bundle_id != first.bundle_id


def test_a_changed_file_or_manifest_or_key_is_caught(world, tmp_path):
    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    with open_store(db) as con:
        bundle = make_bundle(con, signing_key=key, reference_date=REF).bundle
    keys = public_keys_from([key.with_name(key.name + ".pub")])
    path = bundle.manifest.profiles[0].path

    tampered = unpack(bundle.packed())
    tampered.files[path] = tampered.files[path].replace(b'"red"', b'"green"')
    with pytest.raises(BundleError, match=f"{path} does not match its SHA-256"):
        verify(tampered, keys)

    forged = unpack(bundle.packed())
    forged.manifest_bytes = forged.manifest_bytes.replace(b'"created_by": "tester"', b'"created_by": "mallory"')
    with pytest.raises(BundleError, match="bad signature"):
        verify(forged, keys)

    extra = unpack(bundle.packed())
    extra.files["profiles/RP-EVIL@1.json"] = b"{}"
    with pytest.raises(BundleError, match="not in the manifest"):
        verify(extra, keys)

    other = make_keypair(tmp_path / "other.key")
    with pytest.raises(BundleError, match="does not trust"):
        verify(unpack(bundle.packed()), public_keys_from([other.public_path]))


def test_private_key_is_0600_and_refused_when_others_can_read_it(tmp_path, world):
    master, _ = world
    key = tmp_path / "k" / "signing.key"
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "keygen", "--out", str(key), "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert "PRIVATE" not in Path(made["public_key"]).read_text()
    again = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "keygen", "--out", str(key)],
                           capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr
    os.chmod(key, 0o644)
    db = copy_store(master, tmp_path / "w.duckdb")
    with open_store(db) as con, pytest.raises(SigningKeyError, match="readable by others"):
        make_bundle(con, signing_key=key, reference_date=REF)


def test_a_profile_reading_an_unapproved_list_stops_the_export(world_store, tmp_path):
    db = copy_store(world_store, tmp_path / "w.duckdb")
    key = signing_key(tmp_path)
    with open_store(db) as con:
        grant_approver(con)
        save_list(con, parse_list(sunrise(["synth:P0000001"])), actor=AUTHOR)          # a draft only
        approve(con, parse_profile(LISTED))
        with pytest.raises(ExportError, match="TL-SUNRISE, which has no approved or active version"):
            make_bundle(con, signing_key=key, reference_date=REF)
        assert con.execute("select count(*) from export_bundle").fetchone()[0] == 0


def test_a_profile_reading_the_model_score_of_a_store_without_a_model_stops_the_export(world_store, tmp_path):
    db = copy_store(world_store, tmp_path / "w.duckdb")
    key = signing_key(tmp_path)
    with open_store(db) as con:
        grant_approver(con)
        approve(con, parse_profile(MODELLED))
        with pytest.raises(ExportError, match="RP-MODEL-01 reads the model's score, but the store has no model"):
            make_bundle(con, signing_key=key, reference_date=REF)
        assert con.execute("select count(*) from export_bundle").fetchone()[0] == 0


def test_a_model_the_indicator_build_did_not_read_stops_the_export(world, tmp_path):
    """The profiles were backtested on the scores of the build's model: a model trained since,
    or one that scored nothing, would go out with scores it never gave."""
    from workbench.indicators.build import build
    from workbench.models.training import TrainOptions, train

    master, key = world
    db = copy_store(master, tmp_path / "w.duckdb")
    with open_store(db) as con:
        build(con, reason="test", indicators=["price.unit_value_low"])
        train(con, MODEL_CUTOFF, options=TrainOptions(seed=3, rounds=20), user=AUTHOR, score_after=False)
        approve(con, parse_profile(MODELLED))
        with pytest.raises(ExportError, match=r"does not hold model 1's scores \(build \d+ read no model\)"):
            make_bundle(con, signing_key=key, reference_date=REF)
        build(con, reason="test", indicators=["model.risk_score"])               # sees the model, no scores yet
        with pytest.raises(ExportError, match="model 1 has scored no declaration"):
            make_bundle(con, signing_key=key, reference_date=REF)
        assert con.execute("select count(*) from export_bundle").fetchone()[0] == 0


def test_published_schema_is_the_cli_schema():
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "export", "schema"], capture_output=True, text=True)
    assert json.loads(out.stdout) == json.loads(json.dumps(json_schema()))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"format": "customs-risk-workbench/bundle", "format_version": 1}, json_schema())
