"""Fresh stores made the way a user makes them, for tests that run notebooks or JupyterLab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def workbench_env(home: Path) -> dict[str, str]:
    """This process's environment with every WORKBENCH_* setting replaced by WORKBENCH_HOME=home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env["WORKBENCH_HOME"] = str(home)
    return env


def init_store(home: Path) -> Path:
    """An empty store at home/workbench.duckdb, made with `workbench store init`."""
    cli = Path(sys.executable).parent / "workbench"
    if not cli.exists():
        pytest.fail(f"{cli} is missing: install the package with `make test` (or `make venv`)")
    db = home / "workbench.duckdb"
    done = subprocess.run(
        [str(cli), "store", "init", "--db", str(db)],
        env=workbench_env(home), capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"workbench store init failed:\n{done.stdout}\n{done.stderr}"
    return db
