"""The template catalogue: the workbench's own notebooks, plus a team's folder named in the settings.

A template's name is its file name without the order prefix and ``.ipynb``:
``10_strategic_risk_assessment.ipynb`` is ``strategic_risk_assessment``. Built-in templates are
the notebooks shipped with the workbench (``notebooks/`` of the repository, or the copy packed
into ``workbench/templates/builtin/`` when installed from a wheel). A team's templates live in
the folder of the ``templates_dir`` setting (``WORKBENCH_TEMPLATES`` or ``templates_dir`` in
config.toml); a team template with the name of a built-in one takes its place, and says so.

Notebooks that cannot be templates (no ``parameters`` cell, a name that is not lower-case
letters, digits and '_', a parameter the catalogue cannot read) are not listed; each is
reported in :attr:`Catalogue.problems` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from workbench.templates.notebook import Template, TemplateError, read_template

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_ORDER_PREFIX = re.compile(r"^\d+[_-]")
BUILTIN = "built-in"
TEAM = "team"


@dataclass
class Catalogue:
    """Templates by name, and the notebooks left out with why."""

    templates: dict[str, Template] = field(default_factory=dict)
    problems: list[tuple[Path, str]] = field(default_factory=list)
    replaced: dict[str, Path] = field(default_factory=dict)   # name -> the built-in a team template replaces

    def names(self) -> list[str]:
        return sorted(self.templates)

    def get(self, name: str) -> Template:
        """The template called ``name``; a clear error naming the known ones otherwise."""
        if not isinstance(name, str) or not NAME.match(name):
            raise TemplateError(f"invalid template name {name!r}: lower-case letters, digits and '_' "
                                "(see `workbench template list`)")
        if name not in self.templates:
            known = ", ".join(self.names()) or "none"
            left_out = [f"{p.name} ({why})" for p, why in self.problems if template_name(p) == name]
            extra = f"; {left_out[0]}" if left_out else ""
            raise TemplateError(f"no template named {name!r} (known: {known}){extra}")
        return self.templates[name]


def template_name(path: Path) -> str:
    """The name a notebook file gives its template."""
    return _ORDER_PREFIX.sub("", Path(path).name.removesuffix(".ipynb"))


def builtin_dir() -> Path | None:
    """Where the built-in templates are: the packed copy in a wheel, else the repository's notebooks/."""
    packed = Path(__file__).resolve().parent / "builtin"
    if packed.is_dir():
        return packed
    repository = Path(__file__).resolve().parents[2] / "notebooks"
    return repository if repository.is_dir() else None


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _add(cat: Catalogue, folder: Path, source: str) -> None:
    for path in _notebooks(folder):
        name = template_name(path)
        if not NAME.match(name):
            cat.problems.append((path, f"template names are lower-case letters, digits and '_' "
                                       f"(after an optional order prefix like '10_'), not {name!r}"))
            continue
        try:
            template = read_template(path, name=name, source=source)
        except TemplateError as exc:
            cat.problems.append((path, str(exc).removeprefix(f"{path}: ")))
            continue
        previous = cat.templates.get(name)
        if previous is not None and previous.source == source:
            cat.problems.append((path, f"another {source} notebook is also named {name!r} ({previous.path.name}); "
                                       "this one is left out"))
            continue
        if previous is not None:
            cat.replaced[name] = previous.path
        cat.templates[name] = template


def load_catalogue(team_dir: Path | None = None, *, builtin: Path | None = None,
                   use_settings: bool = True) -> Catalogue:
    """The catalogue: built-in templates, then the team's (from ``team_dir``, else the
    ``templates_dir`` setting when ``use_settings``)."""
    if team_dir is None and use_settings:
        from workbench.settings import load_settings

        team_dir = load_settings().templates_dir
    cat = Catalogue()
    folder = builtin if builtin is not None else builtin_dir()
    if folder is not None:
        _add(cat, folder, BUILTIN)
    if team_dir is not None:
        team_dir = Path(team_dir).expanduser()
        if not team_dir.is_dir():
            raise TemplateError(f"the team templates folder {team_dir} (setting templates_dir / "
                                "WORKBENCH_TEMPLATES) does not exist")
        _add(cat, team_dir, TEAM)
    return cat
