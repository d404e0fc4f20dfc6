"""Run a template headless into a dated report folder: executed notebook, HTML report, provenance.

::

    <reports>/<YYYY-MM-DD>/<name>-<HHMMSS>/      (UTC; reports = --out, else $WORKBENCH_HOME/reports)
        <name>.ipynb       the executed notebook (parameters injected by papermill, provenance on top)
        <name>.html        the same as one HTML file that reads offline (charts as SVG/PNG)
        provenance.json    template version and hash, parameters, store snapshot, who, when, outcome

The kernel runs in the report folder, with ``WORKBENCH_DB`` set to the store the snapshot
describes. A template that fails still leaves all three files: the notebook and the HTML show
the failing cell with its error (papermill marks it and links to it from the top), and
provenance.json says ``"status": "failed"`` with the cell and the error.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.templates.catalogue import Catalogue, load_catalogue
from workbench.templates.notebook import Template, TemplateError
from workbench.templates.provenance import (
    now_utc,
    provenance_markdown,
    snapshot_changed,
    software,
    store_snapshot,
)

DEFAULT_CELL_TIMEOUT_S = 600.0
PROVENANCE_TAG = "workbench-provenance"
ERROR_MARK = "papermill-error-cell-tag"   # papermill's tag on the note it puts before a failing cell


@dataclass(frozen=True)
class TemplateRun:
    """Where a run left its report, and how it went."""

    folder: Path
    notebook: Path
    html: Path
    provenance: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.provenance["status"] == "completed"

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "folder": str(self.folder), "notebook": str(self.notebook), "html": str(self.html),
                "provenance": self.provenance}


def report_root(out: str | Path | None) -> Path:
    """The folder reports go under: ``out`` (checked: no '..'), else ``$WORKBENCH_HOME/reports``."""
    if out is None:
        from workbench.settings import load_settings

        return load_settings().home / "reports"
    path = Path(out).expanduser()
    if ".." in path.parts:
        raise TemplateError(f"--out {out}: a report folder may not contain '..'; give the folder itself")
    if path.exists() and not path.is_dir():
        raise TemplateError(f"--out {out}: is a file, not a folder")
    return path.resolve()


def report_folder(root: Path, name: str, started: Any) -> Path:
    """A new, empty folder ``root/<date>/<name>-<time>`` (a suffix when one exists already)."""
    day = root / started.strftime("%Y-%m-%d")
    base = f"{name}-{started.strftime('%H%M%S')}"
    for attempt in range(1, 100):
        folder = day / (base if attempt == 1 else f"{base}-{attempt}")
        try:
            folder.mkdir(parents=True, exist_ok=False)
            return folder
        except FileExistsError:
            continue
    raise TemplateError(f"could not make a new report folder under {day}")


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the kernel the run starts; put them back afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _first_line(source: str) -> str:
    return next((line.strip() for line in source.splitlines() if line.strip()), "")[:120]


def failing_cell(nb: Any) -> dict[str, Any] | None:
    """The first code cell with an error output: index, In [n], first line, error."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return {"cell_index": index, "execution_count": cell.get("execution_count"),
                        "first_line": _first_line(cell.source),
                        "error": f"{output.get('ename')}: {output.get('evalue')}".rstrip(": ")}
    return None


def _execute(template: Template, values: dict[str, Any], executed: Path, cwd: Path, *, timeout: float | None,
             progress: bool) -> str | None:
    """Run the notebook with papermill; None when it completed, else what stopped it."""
    import logging

    import papermill
    from papermill.exceptions import PapermillExecutionError

    # The parameters were checked against the cell already; papermill's own reading of the cell
    # does not know '| None' annotations and would warn about them.
    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        papermill.execute_notebook(
            str(template.path), str(executed), parameters=values, kernel_name=template.kernel,
            progress_bar=progress, log_output=False, cwd=str(cwd), execution_timeout=timeout,
            request_save_on_cell_execute=True,
        )
    except PapermillExecutionError as exc:
        return f"{exc.ename}: {exc.evalue}"
    except Exception as exc:   # a kernel that died or would not start, a cell that timed out
        return f"{type(exc).__name__}: {exc}".strip()
    finally:
        logger.setLevel(level)
    return None


def _executed_notebook(executed: Path, template: Template) -> Any:
    """The executed notebook, or the template itself when the run stopped before writing it."""
    import nbformat

    for path in (executed, template.path):
        try:
            return nbformat.read(str(path), as_version=4)
        except (OSError, ValueError):
            continue
    raise TemplateError(f"{template.path}: cannot be read as a notebook")


def run_template(
    name: str | Template,
    params: Mapping[str, Any] | None = None,
    *,
    out: str | Path | None = None,
    db: str | Path | None = None,
    timeout: float | None = DEFAULT_CELL_TIMEOUT_S,
    progress: bool = False,
    catalogue: Catalogue | None = None,
) -> TemplateRun:
    """Execute a template headless with ``params`` and write its report folder.

    Parameters are checked before anything runs (unknown names and values of the wrong type
    raise :class:`TemplateError`); a template that fails returns a run with ``ok`` false and
    its report written. ``timeout`` bounds each cell, in seconds.
    """
    from workbench.identity import current_user
    from workbench.settings import load_settings

    template = name if isinstance(name, Template) else (catalogue or load_catalogue()).get(name)
    values = template.bind(params)
    root = report_root(out)
    db_path = load_settings(db_path=db).db_path
    started = now_utc()
    folder = report_folder(root, template.name, started)
    executed, html = folder / f"{template.name}.ipynb", folder / f"{template.name}.html"
    user = current_user()
    before = store_snapshot(db_path)
    clock = time.perf_counter()
    stopped: str | None = "interrupted"
    try:
        with _environment({"WORKBENCH_DB": str(db_path)}):
            stopped = _execute(template, values, executed, folder, timeout=timeout, progress=progress)
    finally:
        seconds = time.perf_counter() - clock
        nb = _executed_notebook(executed, template)
        failure = None
        if stopped:
            summary = stopped.strip().splitlines()[0]   # a timeout's message runs on with the cell's source
            failure = failing_cell(nb) or {"cell_index": None, "execution_count": None, "first_line": "",
                                            "error": summary}
            if not stopped.startswith(failure["error"].split(":")[0]):   # timed out, kernel died: say so
                failure["error"] = summary
            failure["marked"] = any(ERROR_MARK in c.metadata.get("tags", []) for c in nb.cells)
        after = store_snapshot(db_path)
        prov: dict[str, Any] = {
            "status": "failed" if stopped else "completed",
            "template": {k: v for k, v in template.describe().items() if k != "parameters"},
            "parameters": values,
            "user": user,
            "started_at": started.isoformat(),
            "finished_at": now_utc().isoformat(),
            "seconds": round(seconds, 2),
            "store": {"before": before, "after": after, "changed": snapshot_changed(before, after)},
            "failure": failure,
            "software": software(),
            "files": {"notebook": executed.name, "html": html.name},
        }
        _finish(nb, prov, executed, html)
    return TemplateRun(folder=folder, notebook=executed, html=html, provenance=prov)


def _finish(nb: Any, prov: dict[str, Any], executed: Path, html: Path) -> None:
    """Provenance on top of the notebook and in its metadata; the HTML; provenance.json."""
    import nbformat

    from workbench.templates.report_html import write_html_report

    cell = nbformat.v4.new_markdown_cell(provenance_markdown(prov))
    cell.metadata["tags"] = [PROVENANCE_TAG]
    nb.cells.insert(0, cell)
    if prov["failure"] and prov["failure"]["cell_index"] is not None:
        prov["failure"]["cell_index"] += 1
    prov["report"] = write_html_report(nb, html, title=f"{prov['template']['title']} ({prov['started_at']})")
    nb.metadata["workbench"] = {"report": prov}
    nbformat.write(nb, str(executed))
    (executed.parent / "provenance.json").write_text(json.dumps(prov, indent=2, default=str) + "\n",
                                                     encoding="utf-8")
