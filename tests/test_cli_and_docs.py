"""Every verb explains itself with an example; the mapping format's schema is published and the
documented mappings satisfy it; docs mention every verb."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import typer.main
from typer.testing import CliRunner
import yaml

from conftest import ROOT, TINY
from workbench.cli import app
from workbench.ingest.mapping import json_schema, parse_mapping


def _verbs(group=None, prefix=()):
    command = typer.main.get_command(app) if group is None else group
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        path = prefix + (name,)
        if getattr(sub, "commands", None):
            yield from _verbs(sub, path)
        else:
            yield path, sub


VERBS = list(_verbs())


def test_there_are_verbs():
    names = {" ".join(p) for p, _ in VERBS}
    assert {"load", "store init", "store info", "quarantine list", "quarantine retry", "audit verify",
            "config show", "user grant"} <= names


@pytest.mark.parametrize("path", [p for p, _ in VERBS], ids=lambda p: " ".join(p))
def test_every_verb_has_help_with_an_example(path):
    out = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "Example: " in out.output and "workbench " in out.output.split("Example: ", 1)[1].splitlines()[0] \
        or "Example: WORKBENCH_" in out.output


def test_reporting_verbs_take_json():
    reporting = {"store info", "config show", "audit verify", "audit log", "quarantine list", "user list",
                 "user whoami", "load", "quarantine retry"}
    for path, command in VERBS:
        if " ".join(path) in reporting:
            assert any("--json" in p.opts for p in command.params), path


def test_docs_mention_every_verb():
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").rglob("*.md")) + (ROOT / "README.md").read_text()
    missing = [" ".join(p) for p, _ in VERBS if f"workbench {' '.join(p)}" not in docs]
    assert not missing, f"verbs missing from docs/: {missing}"


def test_published_schema_matches_the_cli(tmp_path):
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "load", "x", "--schema"], capture_output=True, text=True)
    assert json.loads(out.stdout) == json.loads(json.dumps(json_schema()))


MAPPINGS = sorted((ROOT / "docs").rglob("*.yaml")) + sorted((TINY / "mappings").glob("*.yaml"))


@pytest.mark.parametrize("path", MAPPINGS, ids=lambda p: p.name)
def test_documented_mappings_are_valid(path):
    jsonschema.validate(yaml.safe_load(path.read_text()), json_schema())
    parse_mapping(path.read_text())


def test_schema_rejects_free_sql():
    bad = yaml.safe_load((TINY / "mappings" / "rates.yaml").read_text())
    bad["targets"][0]["columns"]["currency"] = {"sql": "select 1"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json_schema())
