"""Every notebook under notebooks/ runs top to bottom, explains itself, takes parameters, and is
committed without outputs.

Each notebook runs twice in a kernel of this venv (``python3``): with ``WORKBENCH_HOME`` pointing
at a fresh store made by ``workbench store init`` (they must work on an empty store, not only
on the demo store), then on a copy of the synthetic world of the ``world_store`` fixture in the
state the demo leaves it (entity graph, example register and active profiles, an indicator build:
where the analyses have something to find). Both runs share one kernel, to pay its start-up and the
imports once: between them the kernel's namespace is emptied (``%reset -f``) and its
``WORKBENCH_HOME`` changed, so the second run starts from no names at all, as in a fresh
kernel. Any error output fails the test; a notebook that fails is saved with its error under
.test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indicator_fixtures import copy_store
from store_helpers import init_store, workbench_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
ARTIFACTS = ROOT / ".test-artifacts"
NOTEBOOKS = sorted(
    path for path in NOTEBOOK_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
)
CELL_TIMEOUT_S = 120
# Kernels keep compiled modules in a cache outside the repository: bytecode writing is off by
# default on our machines, and every kernel would otherwise compile Altair, pandas and the
# workbench from source again.
KERNEL_ENV = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(ROOT / ".pytest_cache" / "pycache")}


def _name(path: Path) -> str:
    return path.relative_to(NOTEBOOK_DIR).as_posix()


@pytest.fixture(scope="module")
def empty_store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("workbench-home")
    init_store(home)
    return home


@pytest.fixture(scope="module")
def world_store_home(world_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("workbench-world-home")
    copy_store(world_store, home / "workbench.duckdb")
    return home


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks under {NOTEBOOK_DIR}"


EMPTY_STORE_WORDS = ("no declarations yet", "No declarations match", "No examinations with a result yet")


def _run(path: Path, km, label: str) -> str:
    """Run the notebook at ``path`` top to bottom in the kernel of ``km``; fail on any error.
    Returns the text of its outputs."""
    import nbformat  # here, not at the top: nbformat pulls in jsonschema, seconds to import
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        saved = ARTIFACTS / f"{path.stem}.{label}.failed.ipynb"
        nbformat.write(nb, saved)
        pytest.fail(f"{_name(path)} failed on the {label} store (executed copy: {saved.relative_to(ROOT)}):\n{exc}")
    errors = [
        output for cell in nb.cells if cell.cell_type == "code"
        for output in cell.outputs if output.output_type == "error"
        or (output.output_type == "stream" and output.name == "stderr" and "Traceback" in output.text)
    ]
    assert not errors, f"{_name(path)} on the {label} store: {errors}"
    return "\n".join(str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
                     for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs)


def _switch_store(km, home: Path) -> None:
    """Empty the kernel's namespace and point it at another WORKBENCH_HOME."""
    import nbformat
    from nbclient import NotebookClient

    switch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"%reset -f\nimport os\nos.environ['WORKBENCH_HOME'] = {str(home)!r}\ndel os")])
    NotebookClient(switch, km=km, timeout=CELL_TIMEOUT_S).execute()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_runs_on_an_empty_store_and_on_the_synthetic_world(
        path: Path, empty_store_home: Path, world_store_home: Path):
    from jupyter_client import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(env={**workbench_env(empty_store_home), **KERNEL_ENV}, cwd=str(path.parent))
    try:
        _run(path, km, "empty")
        _switch_store(km, world_store_home)
        seen = _run(path, km, "world")
        assert not [w for w in EMPTY_STORE_WORDS if w in seen], f"{_name(path)} did not see the world:\n{seen}"
    finally:
        run_sync(km.shutdown_kernel)(now=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_is_committed_without_outputs(path: Path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        index for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{_name(path)}: cells {dirty} have outputs or execution counts; strip them with "
        f"`jupyter nbconvert --clear-output --inplace notebooks/{_name(path)}`"
    )
    assert "widgets" not in nb.metadata, f"{_name(path)}: saved widget state in the metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_explains_itself_and_takes_parameters(path: Path):
    from workbench.templates import read_template, template_name

    cells = json.loads(path.read_text())["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0]["cell_type"] == "code", f"{_name(path)}: one code cell tagged 'parameters'"
    assert cells[0]["cell_type"] == "markdown", f"{_name(path)}: starts with a markdown cell saying what it is"
    template = read_template(path, name=template_name(path), source="built-in")  # raises with the reason
    assert template.title and template.description and template.parameters
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    # only the package's public functions: nothing private, no hidden set-up
    assert "import workbench as wb" in code or "from workbench" in code
    assert not any(word in code for word in ("._", "from workbench._", "%run", "init_notebook")), _name(path)
    markdown = sum(1 for c in cells if c["cell_type"] == "markdown")
    assert markdown >= 2, f"{_name(path)}: explain the steps in short markdown cells"
