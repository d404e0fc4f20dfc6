"""environment.yml lists the same packages, with the same bounds, as pyproject.toml.

No conda solver runs on our machines, so this check is what keeps the conda environment honest:
every package of ``[project].dependencies`` and of the extras in ``EXTRAS`` must appear in
environment.yml (as a conda-forge package, or in its ``pip:`` section) with identical version
bounds, and nothing else may. Environment markers are not compared (conda cannot express them).
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent

# The extras that `make` installs (`uv pip install -e '.[ui,dev]'`) and environment.yml mirrors.
EXTRAS = ("ui", "dev")

# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES = {
    "duckdb": "python-duckdb",
    "playwright": "playwright-python",
}
PYPI_NAMES = {conda: pypi for pypi, conda in CONDA_NAMES.items()}

# Entries of environment.yml that are tooling, not dependencies of the package.
CONDA_TOOLING = {"pip", "python"}

_CONDA_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<spec>[^#]*?)\s*$")


def _bounds(spec: str) -> tuple[str, ...]:
    """A version spec as sorted clauses without whitespace: '<3, >=2.0' reads as '>=2.0,<3'."""
    return tuple(sorted(clause for clause in spec.replace(" ", "").split(",") if clause))


def _show(bounds: tuple[str, ...]) -> str:
    return ",".join(bounds) or "(no bounds)"


def pyproject_requirements(pyproject: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Canonical PyPI name -> bounds, from [project].dependencies and the EXTRAS."""
    project = pyproject["project"]
    own_name = canonicalize_name(project["name"])
    lines = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    for extra in EXTRAS:
        lines += extras.get(extra, [])
    out: dict[str, tuple[str, ...]] = {}
    for line in lines:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if name != own_name:  # an extra that pulls in other extras of the project itself
            out[name] = _bounds(str(req.specifier))
    return out


def environment_requirements(env: dict[str, Any]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Canonical PyPI name -> bounds, from environment.yml's conda and pip entries, and the
    problems met while reading them (duplicates, entries that cannot be parsed)."""
    out: dict[str, tuple[str, ...]] = {}
    problems: list[str] = []

    def add(name: str, bounds: tuple[str, ...], where: str) -> None:
        if name in out:
            problems.append(f"{name}: listed twice in environment.yml (again in {where})")
        out[name] = bounds

    for entry in env.get("dependencies") or []:
        if isinstance(entry, dict):
            for line in entry.get("pip") or []:
                line = str(line).strip()
                if line.startswith(("-e", "--editable", ".", "-r", "--")):
                    continue  # the package itself, or pip options
                try:
                    req = Requirement(line)
                except ValueError:
                    problems.append(f"environment.yml pip entry {line!r} is not a requirement")
                    continue
                add(canonicalize_name(req.name), _bounds(str(req.specifier)), "the pip section")
            continue
        match = _CONDA_SPEC.match(str(entry))
        if not match:
            problems.append(f"environment.yml entry {entry!r}: write it as NAME followed by bounds")
            continue
        conda_name = match["name"].lower()
        if conda_name in CONDA_TOOLING:
            continue
        pypi_name = canonicalize_name(PYPI_NAMES.get(conda_name, conda_name))
        add(pypi_name, _bounds(match["spec"]), "the conda list")
    return out, problems


def _python_bounds(spec: str) -> tuple[str, ...]:
    """Conda's `python=3.11` means 3.11.*; as PEP 440 bounds that is >=3.11,<3.12."""
    fuzzy = re.fullmatch(r"=(\d+)\.(\d+)", spec.strip())
    if fuzzy:
        major, minor = int(fuzzy[1]), int(fuzzy[2])
        return _bounds(f">={major}.{minor},<{major}.{minor + 1}")
    return _bounds(spec)


def sync_problems(pyproject: dict[str, Any], env: dict[str, Any]) -> list[str]:
    """Every difference between pyproject.toml and environment.yml, one sentence each."""
    wanted = pyproject_requirements(pyproject)
    have, problems = environment_requirements(env)

    if "conda-forge" not in (env.get("channels") or []):
        problems.append("environment.yml must use the conda-forge channel")

    def label(name: str) -> str:
        conda = CONDA_NAMES.get(name)
        return f"{name} (conda-forge: {conda})" if conda else name

    for name in sorted(wanted.keys() - have.keys()):
        problems.append(f"{label(name)}: in pyproject.toml, missing from environment.yml")
    for name in sorted(have.keys() - wanted.keys()):
        problems.append(f"{label(name)}: in environment.yml, not in pyproject.toml")
    for name in sorted(wanted.keys() & have.keys()):
        if wanted[name] != have[name]:
            problems.append(
                f"{label(name)}: bounds differ: pyproject.toml {_show(wanted[name])}, "
                f"environment.yml {_show(have[name])}"
            )

    requires_python = _bounds(pyproject["project"].get("requires-python", ""))
    pythons = [
        m["spec"] for e in env.get("dependencies") or []
        if isinstance(e, str) and (m := _CONDA_SPEC.match(e)) and m["name"].lower() == "python"
    ]
    if not pythons:
        problems.append("python: environment.yml does not pin python")
    elif _python_bounds(pythons[0]) != requires_python:
        problems.append(
            f"python: requires-python is {_show(requires_python)} but environment.yml has "
            f"python{pythons[0]} ({_show(_python_bounds(pythons[0]))})"
        )
    return problems


def load_files(root: Path = ROOT) -> tuple[dict[str, Any], dict[str, Any]]:
    with (root / "pyproject.toml").open("rb") as fh:
        pyproject = tomllib.load(fh)
    with (root / "environment.yml").open(encoding="utf-8") as fh:
        env = yaml.safe_load(fh)
    return pyproject, env


def test_environment_yml_matches_pyproject():
    pyproject, env = load_files()
    problems = sync_problems(pyproject, env)
    assert not problems, "environment.yml and pyproject.toml differ:\n  " + "\n  ".join(problems)


def _replace_conda_entry(env: dict[str, Any], conda_name: str, new: str | None) -> None:
    deps = env["dependencies"]
    index = next(
        i for i, e in enumerate(deps)
        if isinstance(e, str) and (m := _CONDA_SPEC.match(e)) and m["name"] == conda_name
    )
    if new is None:
        del deps[index]
    else:
        deps[index] = new


def test_checker_names_every_drift():
    original = load_files()
    already = set(sync_problems(*original))  # reported by the test above, if any
    pyproject, env = copy.deepcopy(original)

    _replace_conda_entry(env, "python-duckdb", None)            # missing, under its conda name
    _replace_conda_entry(env, "pandas", "pandas>=2.0")          # bound loosened
    _replace_conda_entry(env, "python", "python=3.12")          # other interpreter
    next(e for e in env["dependencies"] if isinstance(e, dict))["pip"].append("polars>=1.0")
    env["dependencies"].append("rich>=13.7")                    # listed twice
    dev = pyproject["project"]["optional-dependencies"]["dev"]
    dev[:] = [line for line in dev if Requirement(line).name != "playwright"]  # only in env now

    problems = [p for p in sync_problems(pyproject, env) if p not in already]
    text = "\n".join(problems)

    assert (
        "duckdb (conda-forge: python-duckdb): in pyproject.toml, missing from environment.yml"
        in text
    )
    assert "pandas: bounds differ: pyproject.toml >=2.2, environment.yml >=2.0" in text
    assert "polars: in environment.yml, not in pyproject.toml" in text
    assert (
        "playwright (conda-forge: playwright-python): in environment.yml, not in pyproject.toml"
        in text
    )
    assert "rich: listed twice" in text
    assert "python: requires-python is <3.12,>=3.11 but environment.yml has python=3.12" in text
    assert len(problems) == 6, text


def test_bounds_compare_clauses_not_text():
    assert _bounds(">=2.0, <3") == _bounds("<3,>=2.0")
    assert _python_bounds("=3.11") == _bounds(">=3.11,<3.12")
