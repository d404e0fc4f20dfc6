"""A loaded synthetic-world store for tests (the ``world_store`` session fixture builds on this)::

    db = build_world_store(tmp_path, declarations=20_000, seed=7)
"""

from __future__ import annotations

from pathlib import Path

from workbench.synth.generate import generate


def build_world_store(tmp_dir: str | Path, declarations: int = 20_000, seed: int = 7) -> Path:
    """Generate a world (normalised layout) under ``tmp_dir/world`` and load it, in manifest order,
    into ``tmp_dir/world.duckdb``; returns the store path. About five seconds for 20,000
    declarations. The ground truth is in ``tmp_dir/world/ground_truth``.

    Raises RuntimeError when a load quarantines or holds back rows (the world must load cleanly).
    """
    from workbench.ingest.loader import load

    tmp_dir = Path(tmp_dir)
    world = tmp_dir / "world"
    manifest = generate(world, declarations=declarations, seed=seed, layout="normalised").manifest
    db = tmp_dir / "world.duckdb"
    for step in manifest["loads"]["normalised"]:
        summary = load(world / step["path"], world / step["mapping"], db=db)
        if summary.rows_quarantined or summary.rows_waiting:
            raise RuntimeError(f"synthetic world load {step['name']} left rows behind: {summary.problems[:3]}")
    return db
