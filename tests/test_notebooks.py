"""Every notebook under notebooks/ runs top to bottom, and is committed without outputs.

The notebooks run in a kernel of this venv (``python3``), with ``WORKBENCH_HOME`` pointing at a
fresh store made by ``workbench store init``: they must work on an empty store, not only on the
demo store. A notebook that fails is saved with its error under .test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store_helpers import init_store, workbench_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
ARTIFACTS = ROOT / ".test-artifacts"
NOTEBOOKS = sorted(
    path for path in NOTEBOOK_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
)
CELL_TIMEOUT_S = 120


def _name(path: Path) -> str:
    return path.relative_to(NOTEBOOK_DIR).as_posix()


@pytest.fixture(scope="module")
def empty_store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("workbench-home")
    init_store(home)
    return home


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks under {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_name)
def test_notebook_runs_on_an_empty_store(path: Path, empty_store_home: Path):
    import nbformat  # here, not at the top: nbformat pulls in jsonschema, seconds to import
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute(env=workbench_env(empty_store_home))
    except CellExecutionError as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        saved = ARTIFACTS / f"{path.stem}.failed.ipynb"
        nbformat.write(nb, saved)
        pytest.fail(f"{_name(path)} failed (executed copy: {saved.relative_to(ROOT)}):\n{exc}")
    errors = [
        output for cell in nb.cells if cell.cell_type == "code"
        for output in cell.outputs if output.output_type == "error"
    ]
    assert not errors


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
