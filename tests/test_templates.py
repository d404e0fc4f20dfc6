"""Shared templates: the catalogue read from the notebooks themselves, parameters checked before a
run, a team's folder from the settings, and real headless runs (papermill) into report folders
with the executed notebook, an HTML report that reads offline, and provenance — a failing
template included.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from indicator_fixtures import copy_store
from workbench.templates import (
    TemplateError,
    TemplateParamError,
    content_hash,
    load_catalogue,
    parse_parameters,
    report_root,
    run_template,
    template_name,
)

NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / ".test-artifacts"
CLI = Path(sys.executable).parent / "workbench"
SVG_IMG = re.compile(r'<img[^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def write_notebook(path: Path, cells: list[tuple[str, str, list[str]]], *, header: str | None = None) -> Path:
    """A notebook as JupyterLab saves it: ``cells`` are (kind, source, tags)."""
    made = []
    if header is not None:
        made.append(("markdown", header, []))
    made += cells
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}}, "cells": []}
    for index, (kind, source, tags) in enumerate(made):
        cell = {"cell_type": kind, "id": f"c{index}", "metadata": {"tags": tags} if tags else {},
                "source": source}
        if kind == "code":
            cell.update({"execution_count": None, "outputs": []})
        nb["cells"].append(cell)
    path.write_text(json.dumps(nb, indent=1))
    return path


@pytest.fixture
def team_dir(tmp_path: Path) -> Path:
    """A team's templates folder: one that fails on purpose, one that replaces a built-in, and
    three notebooks that cannot be templates."""
    folder = tmp_path / "team-templates"
    folder.mkdir()
    write_notebook(folder / "05_broken_check.ipynb", [
        ("code", "divisor = 0  # what to divide by\nlabel = 'declarations'  # what is counted", ["parameters"]),
        ("code", "print(f'counting {label}')", []),
        ("code", "share = 1 / divisor", []),
        ("code", "print('never reached')", []),
    ], header="# Broken check\n\nDivides by its parameter, to show what a failing report looks like.\n\n"
              "Template version 0.3")
    write_notebook(folder / "welcome.ipynb", [
        ("code", "greeting = 'kia ora'  # how to greet", ["parameters"]),
        ("code", "print(greeting)", []),
    ], header="# Team welcome\n\nOur own welcome.")
    write_notebook(folder / "no_parameters.ipynb", [("code", "print(1)", [])], header="# Nothing to set")
    write_notebook(folder / "Bad Name.ipynb", [("code", "x = 1  # x", ["parameters"])], header="# Bad")
    write_notebook(folder / "computed_default.ipynb", [("code", "n = len('abc')  # n", ["parameters"])],
                   header="# Computed")
    return folder


# --- the catalogue ------------------------------------------------------------------------------

def test_every_notebook_is_a_template_described_by_itself():
    cat = load_catalogue(use_settings=False)
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert not cat.problems, cat.problems
    assert cat.names() == sorted(template_name(p) for p in notebooks)
    assert {"welcome", "strategic_risk_assessment", "commodity_route_deep_dive"} <= set(cat.names())
    for name in cat.names():
        t = cat.get(name)
        assert t.source == "built-in" and t.title and len(t.description) > 40 and t.version, name
        assert t.parameters and all(p.description for p in t.parameters), name
        assert t.sha256 == content_hash(json.loads(t.path.read_text())["cells"])


def test_parameters_are_typed_from_the_cell():
    source = (
        "from typing import Literal\n"
        "by: Literal['chapter', 'origin'] = 'chapter'  # dimension\n"
        "since = '2025-01-01'  # first day\n"
        "until: str | None = None  # last day, YYYY-MM-DD\n"
        "origin: str | None = None  # ISO alpha-2\n"
        "top = 10  # how many\n"
        "alpha = 0.05  # false discovery rate\n"
        "random_only = False  # random stream only\n"
        "# offices to include\n"
        "offices = ['AKLS', 'WLGS']\n"
    )
    found = {p.name: p for p in parse_parameters(source)}
    assert {n: (p.type, p.nullable, p.default) for n, p in found.items()} == {
        "by": ("string", False, "chapter"), "since": ("date", False, "2025-01-01"),
        "until": ("date", True, None), "origin": ("string", True, None), "top": ("integer", False, 10),
        "alpha": ("number", False, 0.05), "random_only": ("boolean", False, False),
        "offices": ("string[]", False, ["AKLS", "WLGS"]),
    }
    assert found["by"].choices == ("chapter", "origin")
    assert found["alpha"].description == "false discovery rate"
    assert found["offices"].description == "offices to include"  # a comment line above counts too
    assert found["until"].coerce("2025-03-31") == "2025-03-31" and found["until"].coerce("none") is None
    assert found["offices"].coerce("AKLS, CHCA") == ["AKLS", "CHCA"]
    assert found["random_only"].coerce("yes") is True


@pytest.mark.parametrize("source, words", [
    ("n = len('abc')  # n", "must be a literal"),
    ("origin = None  # where from", "annotate it"),
    ("x: dict = {}  # x", "not understood"),
    ("print('hi')", "only `name = value"),
    ("top = 'ten'  # how many\ntop = 3  # again", "declared twice"),
    ("def f(:", "not Python"),
    ("since: int = 'soon'  # start", "not a valid integer"),
])
def test_a_parameters_cell_that_cannot_be_read_says_why(source, words):
    with pytest.raises(TemplateParamError, match=re.escape(words)):
        parse_parameters(source)


def test_values_are_checked_before_anything_runs(tmp_path):
    t = load_catalogue(use_settings=False).get("strategic_risk_assessment")
    values = t.bind({"by": "origin", "since": "2025-02-01", "min_exams": "5"})
    assert values["by"] == "origin" and values["since"] == "2025-02-01" and values["min_exams"] == 5
    assert values["alpha"] == 0.05  # defaults fill the rest
    for given, words in (
        ({"nope": "1"}, "unknown parameter nope (known: by, since,"),
        ({"by": "planet"}, "'planet' is not one of chapter, hs6"),
        ({"since": "2025-02-30"}, "not a valid date"),
        ({"min_exams": "many"}, "not a valid integer"),
        ({"alpha": "none"}, "a value is required"),
    ):
        with pytest.raises(TemplateError, match=re.escape(words)):
            t.bind(given)
        with pytest.raises(TemplateError):
            run_template(t, given, out=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()  # refused before a folder was made


def test_the_hash_follows_code_and_text_not_outputs(tmp_path):
    source = json.loads((NOTEBOOKS / "00_welcome.ipynb").read_text())
    executed = json.loads(json.dumps(source))
    for cell in executed["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = 3
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x\n"}]
            cell["metadata"]["collapsed"] = True
    assert content_hash(executed["cells"]) == content_hash(source["cells"])
    executed["cells"][-1]["source"] = "".join(executed["cells"][-1]["source"]) + " "
    assert content_hash(executed["cells"]) != content_hash(source["cells"])


def test_a_team_folder_named_in_the_settings_adds_templates(team_dir, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setenv("WORKBENCH_TEMPLATES", str(team_dir))
    cat = load_catalogue()
    assert cat.get("broken_check").source == "team" and cat.get("broken_check").version == "0.3"
    assert cat.get("welcome").title == "Team welcome" and cat.replaced["welcome"].name == "00_welcome.ipynb"
    assert "strategic_risk_assessment" in cat.names()  # the built-ins stay
    left_out = {p.name: why for p, why in cat.problems}
    assert set(left_out) == {"no_parameters.ipynb", "Bad Name.ipynb", "computed_default.ipynb"}
    assert "no code cell tagged 'parameters'" in left_out["no_parameters.ipynb"]
    assert "must be a literal" in left_out["computed_default.ipynb"]
    with pytest.raises(TemplateError, match="no template named 'no_parameters'.*no code cell tagged"):
        cat.get("no_parameters")

    listed = CliRunner().invoke(app, ["template", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.output)
    assert {t["name"]: t["source"] for t in data["templates"]}["broken_check"] == "team"
    assert len(data["left_out"]) == 3
    shown = CliRunner().invoke(app, ["template", "show", "broken_check", "--json"])
    assert json.loads(shown.output)["parameters"][0] == {
        "name": "divisor", "type": "integer", "description": "what to divide by", "default": 0, "nullable": False}

    monkeypatch.setenv("WORKBENCH_TEMPLATES", str(team_dir / "missing"))
    with pytest.raises(TemplateError, match="team templates folder .*missing.* does not exist"):
        load_catalogue()


def test_names_and_report_folders_refuse_path_traversal(tmp_path):
    cat = load_catalogue(use_settings=False)
    for name in ("../00_welcome", "welcome/../../x", "/etc/passwd", "Welcome"):
        with pytest.raises(TemplateError, match="invalid template name"):
            cat.get(name)
    with pytest.raises(TemplateError, match=r"may not contain '\.\.'"):
        report_root(tmp_path / "reports" / ".." / "elsewhere")
    (tmp_path / "a-file").write_text("")
    with pytest.raises(TemplateError, match="is a file"):
        report_root(tmp_path / "a-file")
    with pytest.raises(TemplateError, match=r"may not contain '\.\.'"):
        run_template("welcome", out="../reports", catalogue=cat)


def test_the_command_line_says_what_is_wrong_in_one_line(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(CLI), "template", *args], capture_output=True, text=True, timeout=120,
                              cwd=tmp_path)

    unknown = run("run", "welcome", "-p", "recent_month", "3", "--out", str(tmp_path / "r"))
    assert unknown.returncode == 1
    assert "unknown parameter recent_month (known: recent_months)" in unknown.stderr
    assert "Traceback" not in unknown.stderr and not (tmp_path / "r").exists()
    traversal = run("run", "welcome", "--out", "../r")
    assert traversal.returncode == 1 and "may not contain '..'" in traversal.stderr
    missing = run("show", "no_such_template")
    assert missing.returncode == 1 and "no template named 'no_such_template' (known:" in missing.stderr


# --- real runs ------------------------------------------------------------------------------------

def _kernel_env() -> dict[str, str]:
    """Kernels of this test keep compiled modules in a cache outside the repository (much faster
    start-up on a machine where bytecode writing is off by default)."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(ROOT / ".pytest_cache" / "pycache")}


def _strategic_report(world_store: Path, tmp: Path) -> dict:
    """`workbench template run strategic_risk_assessment -p by origin` on a copy of the world store,
    through the real command line."""
    db = copy_store(world_store, tmp / "world.duckdb")
    out = tmp / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update({"WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_USER": "tester", **_kernel_env()})
    done = subprocess.run(
        [str(CLI), "template", "run", "strategic_risk_assessment", "-p", "by", "origin", "-p", "min_exams", "10",
         "--db", str(db), "--out", str(out), "--json"],
        capture_output=True, text=True, env=env, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr[-3000:]}"
    return {"result": json.loads(done.stdout), "db": db, "out": out}


def _check_folder_and_provenance(report: dict) -> None:
    import nbformat

    from workbench.store.connection import open_store

    result, out = report["result"], report["out"]
    folder = Path(result["folder"])
    prov = result["provenance"]
    started = dt.datetime.fromisoformat(prov["started_at"])
    assert folder.parent == out / started.strftime("%Y-%m-%d")
    assert folder.name == f"strategic_risk_assessment-{started:%H%M%S}"
    assert sorted(p.name for p in folder.iterdir()) == [
        "provenance.json", "strategic_risk_assessment.html", "strategic_risk_assessment.ipynb"]
    assert json.loads((folder / "provenance.json").read_text()) == prov

    template = load_catalogue(use_settings=False).get("strategic_risk_assessment")
    assert prov["status"] == "completed" and prov["failure"] is None and prov["user"] == "tester"
    assert prov["template"]["version"] == template.version and prov["template"]["sha256"] == template.sha256
    assert prov["parameters"] == {**template.bind({}), "by": "origin", "min_exams": 10}
    with open_store(report["db"], read_only=True) as con:
        last_load, declarations = con.execute(
            "select (select max(load_id) from load_log), (select count(*) from declaration)").fetchone()
    snapshot = prov["store"]["before"]
    assert snapshot["db"] == str(report["db"]) and snapshot["last_load_id"] == last_load
    assert snapshot["rows"]["declaration"] == declarations and not prov["store"]["changed"]

    nb = nbformat.read(folder / "strategic_risk_assessment.ipynb", as_version=4)
    assert nb.cells[0].metadata["tags"] == ["workbench-provenance"]
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'by = "origin"' in injected.source and "min_exams = 10" in injected.source
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "groups flagged" in text  # the emerging-risk test ran on the world's outcomes
    assert nb.metadata["workbench"]["report"]["template"]["sha256"] == template.sha256


def _check_html_text(report: dict) -> None:
    result = report["result"]
    page = Path(result["html"]).read_text()
    # nothing is fetched from the network: no external script, stylesheet or image
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    charts = [base64.b64decode(m).decode() for m in SVG_IMG.findall(page)]
    vega = [svg for svg in charts if 'class="marks"' in svg]
    assert len(vega) == result["provenance"]["report"]["charts"] == 3  # matrix, trends, emerging risks
    assert "Report: Strategic risk assessment" in page and "tester" in page
    assert "by = &#x27;origin&#x27;" in page or "by = 'origin'" in page


def _open_offline_in_chromium(html_path: Path) -> tuple[int, list[str]]:
    """Charts drawn when the report is opened in Chromium with the network cut; requests tried."""
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(offline=True, viewport={"width": 1200, "height": 900}).new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                       else (requested.append(route.request.url), route.abort()))
            page.goto(html_path.as_uri())
            page.wait_for_load_state("load")
            drawn = page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output img')]
                .filter(i => i.src.startsWith('data:image/svg+xml') && i.complete && i.naturalWidth > 100).length""")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "template_report.png"), full_page=True)
        finally:
            browser.close()
    return drawn, requested


@pytest.mark.browser
def test_a_run_leaves_a_dated_report_folder_that_reads_offline(world_store, tmp_path):
    """One real run (a kernel start costs seconds): the folder and its provenance, the HTML's
    text, and the HTML opened offline in a real browser with every chart drawn."""
    report = _strategic_report(world_store, tmp_path)
    _check_folder_and_provenance(report)
    _check_html_text(report)
    drawn, requested = _open_offline_in_chromium(Path(report["result"]["html"]))
    assert requested == [] and drawn == 3


def test_a_failing_template_exits_1_and_leaves_a_report_that_shows_where_and_why(team_dir, tmp_path):
    import nbformat

    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update({"WORKBENCH_HOME": str(tmp_path / "home"), "WORKBENCH_USER": "tester",
                "WORKBENCH_TEMPLATES": str(team_dir), **_kernel_env()})
    done = subprocess.run([str(CLI), "template", "run", "broken_check", "-p", "label", "items",
                           "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "template broken_check failed at cell In [" in done.stderr and "ZeroDivisionError" in done.stderr
    reports = list((tmp_path / "r").rglob("provenance.json"))
    assert len(reports) == 1
    folder = reports[0].parent
    assert str(folder / "broken_check.html") in done.stderr.replace("\n", "")

    prov = json.loads(reports[0].read_text())
    assert prov["status"] == "failed" and prov["template"]["source"] == "team"
    assert prov["template"]["version"] == "0.3" and prov["parameters"] == {"divisor": 0, "label": "items"}
    failure = prov["failure"]
    assert failure["error"] == "ZeroDivisionError: division by zero"
    assert failure["first_line"] == "share = 1 / divisor"
    nb = nbformat.read(folder / "broken_check.ipynb", as_version=4)
    failing = nb.cells[failure["cell_index"]]
    assert failing.source == "share = 1 / divisor" and failing.execution_count == failure["execution_count"]
    outputs = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "counting items" in outputs and "never reached" not in outputs  # ran up to the failure, then stopped

    page = (folder / "broken_check.html").read_text()
    assert "ZeroDivisionError" in page and "division by zero" in page and "FAILED" in page
    assert 'id="papermill-error-cell"' in page  # the failing cell, marked and linked from the top
    assert f"The run stopped at cell In [{failure['execution_count']}]" in page
