"""Shared fixtures: a hand-made store with known answers, and where the real data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny"
SHARED_DATA = ROOT.parent / "shared" / "data"
TINY_LOADS = ("parties", "rates", "declarations", "inspections")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own WORKBENCH_HOME and user, so nothing touches a real store."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_USER", "tester")
    monkeypatch.delenv("WORKBENCH_CONFIG", raising=False)
    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    return home


def load_tiny(db: Path, names=TINY_LOADS) -> dict:
    from workbench.ingest.loader import load

    return {name: load(TINY / f"{name}.csv", TINY / "mappings" / f"{name}.yaml", db=db) for name in names}


@pytest.fixture(scope="session")
def _tiny_store_master(tmp_path_factory) -> Path:
    import os

    os.environ.setdefault("WORKBENCH_USER", "tester")
    db = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    load_tiny(db)
    return db


@pytest.fixture
def tiny_store(_tiny_store_master, tmp_path) -> Path:
    """A store holding the tiny fixture: 4 parties, 3 rates, 4 declarations with 5 items,
    2 inspections (one with a pending and a positive version). Each test gets its own copy."""
    from indicator_fixtures import copy_store

    return copy_store(_tiny_store_master, tmp_path / "tiny.duckdb")


@pytest.fixture(scope="session")
def ofac_dir() -> Path:
    """The real OFAC SDN list beside the repository (../shared/data); fails loudly if absent."""
    path = SHARED_DATA / "ofac_sdn_2022"
    if not (path / "sdn.csv").exists():
        pytest.fail(f"real data missing: expected the OFAC SDN files in {path} (shared/data beside the clone)")
    return path


@pytest.fixture(scope="session")
def world_store(tmp_path_factory) -> Path:
    """A synthetic world of about 20k declarations, generated and loaded through the ordinary
    ingest once per test session. Tests that change it must work on a copy."""
    from workbench.synth.fixtures import build_world_store

    return build_world_store(tmp_path_factory.mktemp("world"), declarations=20000, seed=7)
