"""A new notebook from a template, with the analyst's parameters injected, in their own folder.

The template's values are checked by the template itself (:meth:`Template.bind`), then papermill
injects them as it does for a headless run: a cell tagged ``injected-parameters`` right after the
``parameters`` cell, so the notebook reads as the report of a run would.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from workbench.templates import Template, TemplateError

_FOLDER_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,100}$")


def relative_folder(folder: str | None) -> PurePosixPath:
    """A folder under the server's root as the analyst gave it: relative, no '..', plain names."""
    if not folder:
        return PurePosixPath()
    path = PurePosixPath(folder.strip("/"))
    for part in path.parts:
        if not _FOLDER_PART.match(part):
            raise TemplateError(f"folder {folder!r}: {part!r} is not a plain folder name "
                                "(letters, digits, space, '.', '_', '-'; no '..')")
    return path


def create_notebook(template: Template, given: Mapping[str, Any] | None, root: Path, folder: str | None = None,
                    *, now: dt.datetime | None = None) -> tuple[PurePosixPath, dict[str, Any]]:
    """Write ``<root>/<folder>/<name>-<YYYYMMDD-HHMMSS>.ipynb``; returns its path relative to
    ``root`` and the injected values. The folder must exist; nothing is overwritten."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    values = template.bind(given)
    relative = relative_folder(folder)
    target_dir = Path(root) / relative
    if not target_dir.is_dir():
        raise TemplateError(f"folder {str(relative)!r} does not exist under the server's root")
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    nb = load_notebook_node(str(template.path))   # as papermill reads it: every cell has its tags list
    nb = parameterize_notebook(nb, values, kernel_name=template.kernel, language="python")
    nb.metadata["workbench"] = {"template": {"name": template.name, "version": template.version,
                                             "sha256": template.sha256}, "parameters": values}
    for attempt in range(1, 100):
        name = f"{template.name}-{stamp}" + ("" if attempt == 1 else f"-{attempt}") + ".ipynb"
        try:
            with (target_dir / name).open("x", encoding="utf-8") as out:
                nbformat.write(nb, out)
        except FileExistsError:
            continue
        return relative / name, values
    raise TemplateError(f"could not find a free notebook name in {str(relative)!r}")
