"""Example content shipped with the package: a strategic risk register and risk profiles tied to
it, used by the demo and the notebooks, and a starting point for a team's own."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def examples_dir() -> Path:
    return Path(str(resources.files("workbench.examples")))


def register_file() -> Path:
    return examples_dir() / "register.yaml"


def profile_files() -> list[Path]:
    return sorted((examples_dir() / "profiles").glob("*.yaml"))
