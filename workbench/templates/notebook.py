"""One template: a notebook read as a shareable analysis (title, description, version, hash,
parameters), straight from the notebook itself.

The first markdown cell is the header: its ``# Title`` line, the paragraph after it (the
description) and an optional line ``Template version 1.2``. The cell tagged ``parameters``
declares the parameters (:mod:`workbench.templates.parameters`). The hash covers the type and
source of every cell, not outputs or metadata, so running or re-saving a notebook keeps its
hash and any edit to its code or text changes it.

Notebooks are read as JSON (nbformat v4), without importing nbformat, so listing templates
stays quick.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.templates.parameters import TemplateParameter, TemplateParamError, bind_parameters, parse_parameters

PARAMETERS_TAG = "parameters"
_VERSION = re.compile(r"(?im)^[\s*_>]*template version\s*:?\s*([0-9A-Za-z][0-9A-Za-z.+-]{0,31})")
_TITLE = re.compile(r"^\s*#\s+(.+?)\s*#*\s*$")


class TemplateError(ValueError):
    """A notebook that cannot serve as a template, or a template that cannot run as asked."""


@dataclass(frozen=True)
class Template:
    """A notebook of the catalogue: what it is, which version, and what it takes."""

    name: str
    path: Path
    source: str                     # "built-in" or "team"
    title: str
    description: str
    version: str | None
    sha256: str
    kernel: str
    parameters: tuple[TemplateParameter, ...] = field(default_factory=tuple)

    def bind(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Values for every parameter: the given ones checked and typed, the rest their defaults."""
        try:
            return bind_parameters(self.parameters, given, what=f"template {self.name}")
        except TemplateParamError as exc:
            raise TemplateError(str(exc)) from None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description, "version": self.version,
                "sha256": self.sha256, "source": self.source, "path": str(self.path), "kernel": self.kernel,
                "parameters": [p.describe() for p in self.parameters]}


def _text(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_notebook_json(path: Path) -> dict[str, Any]:
    """The notebook at ``path`` as JSON, checked to be an nbformat 4 notebook."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{path}: not a notebook (JSON error at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4 or not isinstance(data.get("cells"), list):
        raise TemplateError(f"{path}: not an nbformat 4 notebook")
    return data


def content_hash(cells: list[Mapping[str, Any]]) -> str:
    """SHA-256 of the type and source of every cell (outputs and metadata left out)."""
    canonical = json.dumps([[c.get("cell_type"), _text(c)] for c in cells], ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parameters_cell(cells: list[Mapping[str, Any]]) -> tuple[int, Mapping[str, Any]] | None:
    """Index and cell of the code cell tagged ``parameters``, or None."""
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and PARAMETERS_TAG in (cell.get("metadata", {}).get("tags") or []):
            return index, cell
    return None


def _header(cells: list[Mapping[str, Any]]) -> tuple[str | None, str, str | None]:
    """Title, description and version from the first markdown cell."""
    first = next((c for c in cells if c.get("cell_type") == "markdown"), None)
    if first is None:
        return None, "", None
    lines = _text(first).splitlines()
    title, description, seen_title = None, [], False
    for line in lines:
        match = _TITLE.match(line)
        if not seen_title:
            if match:
                title, seen_title = match.group(1), True
            continue
        if not line.strip():
            if description:
                break
            continue
        if _VERSION.match(line):
            continue
        description.append(line.strip())
    version = _VERSION.search(_text(first))
    return title, " ".join(description), version.group(1) if version else None


def read_template(path: Path, *, name: str, source: str) -> Template:
    """The template a notebook declares, or TemplateError saying what is missing."""
    data = read_notebook_json(path)
    cells = data["cells"]
    kernelspec = data.get("metadata", {}).get("kernelspec") or {}
    language = (kernelspec.get("language") or data.get("metadata", {}).get("language_info", {}).get("name")
                or "python")
    if language != "python":
        raise TemplateError(f"{path}: templates are Python notebooks (this one is {language})")
    found = parameters_cell(cells)
    if found is None:
        raise TemplateError(f"{path}: no code cell tagged 'parameters' (add the tag in JupyterLab: "
                            "the cell's property inspector, Common Tools > Cell Tags)")
    try:
        params = parse_parameters(_text(found[1]))
    except TemplateParamError as exc:
        raise TemplateError(f"{path}: {exc}") from None
    title, description, version = _header(cells)
    if not title:
        raise TemplateError(f"{path}: the first markdown cell must start with a '# Title' line")
    return Template(name=name, path=Path(path), source=source, title=title, description=description,
                    version=version, sha256=content_hash(cells), kernel=kernelspec.get("name") or "python3",
                    parameters=tuple(params))
