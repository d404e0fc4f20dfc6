"""The indicator catalogue and its registration door.

An indicator is a documented SQL definition computed point in time for every declaration item:
what it measures, why it matters, its typed parameters, the SQL, its as-of grain and how its
reason reads in words. Built-in families and outside plugins (network and model indicators,
a team's own) register through the same door, :func:`register`, called from a module-level
function ``register(catalogue)``:

- built-in families are listed in :data:`BUILTIN_FAMILIES`;
- installed packages declare an entry point in the group ``workbench.indicators``
  (``[project.entry-points."workbench.indicators"] network = "workbench.network.indicators:register"``);
- ``WORKBENCH_INDICATOR_PLUGINS`` (comma-separated module names) adds modules by hand.

The catalogue imports none of the plugins' packages itself, so no import circle forms.

Every indicator's SQL returns one row per item (``item_key``) or per declaration
(``declaration_id``, for the declaration grain: the value is repeated on each item) with the
columns ``value``, ``flag``, ``ref``, ``support`` and ``detail``. It reads the build's inputs
(temp tables such as ``ix_item``, see :mod:`workbench.indicators.inputs`) and binds its own
parameters as ``$name`` (and the build settings of :data:`SETTINGS`).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.queries.params import Param

BUILTIN_FAMILIES = (
    "workbench.indicators.inputs",
    "workbench.indicators.price",
    "workbench.indicators.route",
    "workbench.indicators.newness",
    "workbench.indicators.history",
    "workbench.indicators.lists",
    "workbench.indicators.description",
    "workbench.indicators.shape",
)
ENTRY_POINT_GROUP = "workbench.indicators"
PLUGINS_ENV = "WORKBENCH_INDICATOR_PLUGINS"
SETTINGS = ("reference_months",)
"""Build settings any indicator or input SQL may bind (``$reference_months``)."""

FAMILIES = ("price", "route", "newness", "history", "lists", "description", "shape", "network", "model")
GRAINS = ("item", "declaration")
_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_INPUT = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class CatalogueError(ValueError):
    """An indicator or input that cannot be registered, or a name that is not in the catalogue."""


@dataclass(frozen=True)
class Evidence:
    """What a reason is rendered from: one stored value and the item it belongs to."""

    value: float | None
    flag: bool | None
    ref: float | None
    support: float | None
    detail: str | None
    params: Mapping[str, Any]
    item: Mapping[str, Any]          # hs6, origin, unit, description, importer_id, lodged_at, ...
    currency: str = "USD"            # the store's base currency

    @property
    def month(self) -> str:
        """Lodgement month as 'Jan 2024'."""
        return month_label(self.item["month_index"])

    def period(self, months: int) -> str:
        """The reference period of complete months before the lodgement month, 'Jan 2023 to Dec 2023'."""
        end = self.item["month_index"] - 1
        return f"{month_label(end - months + 1)} to {month_label(end)}"


def month_label(index: int) -> str:
    year, month = divmod(int(index), 12)
    return ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[month] + f" {year}"


@dataclass(frozen=True)
class Input:
    """A named step of a build: a temp table the indicators read, made once per build.

    Either ``sql`` (a SELECT; ``$reference_months`` and other build settings may be bound) or
    ``create`` (a Python callable ``create(context)`` that makes the table itself, for steps
    that need Python, such as fuzzy screening).
    """

    name: str
    description: str
    sql: str | None = None
    create: Callable[[Any], None] | None = None
    needs: tuple[str, ...] = ()
    registered_by: str = "workbench"


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    id: str                                   # family.name
    title: str
    what: str                                 # what it measures
    why: str                                  # why an analyst cares: the risk it points at
    as_of: str                                # what "known before lodgement" means for it
    sql: str
    reason: Callable[[Evidence], str]
    absent: str                               # what it means when an item has no value
    grain: str = "item"
    needs: tuple[str, ...] = ("ix_item",)
    params: tuple[Param, ...] = ()
    unit: str = ""                            # unit of the value, for people
    registered_by: str = "workbench"
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def sql_sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id, "family": self.family, "title": self.title, "what": self.what, "why": self.why,
            "as_of": self.as_of, "grain": self.grain, "unit": self.unit, "absent": self.absent,
            "parameters": [p.describe() for p in self.params], "needs": list(self.needs),
            "registered_by": self.registered_by, "sql": self.sql.strip(),
        }


class Catalogue:
    """The registry behind the door. One per process (:func:`catalogue`); tests may make their own."""

    def __init__(self) -> None:
        self._indicators: dict[str, Indicator] = {}
        self._inputs: dict[str, Input] = {}
        self._lock = threading.Lock()

    # the door ------------------------------------------------------------------------------
    def add(self, indicator: Indicator, *, replace: bool = False) -> Indicator:
        """Register an indicator; its inputs must be registered first (or by the same plugin)."""
        if not _ID.match(indicator.id):
            raise CatalogueError(f"indicator id {indicator.id!r}: use family.name in lower case")
        if indicator.family not in FAMILIES:
            raise CatalogueError(f"indicator {indicator.id}: family must be one of {', '.join(FAMILIES)}")
        if indicator.grain not in GRAINS:
            raise CatalogueError(f"indicator {indicator.id}: grain must be item or declaration")
        for text, name in ((indicator.what, "what"), (indicator.why, "why"), (indicator.as_of, "as_of")):
            if not text or not text.strip():
                raise CatalogueError(f"indicator {indicator.id}: document {name}")
        from workbench.queries.library import placeholders

        undeclared = placeholders(indicator.sql) - {p.name for p in indicator.params} - set(SETTINGS)
        if undeclared:
            raise CatalogueError(f"indicator {indicator.id}: undeclared parameters {sorted(undeclared)}")
        with self._lock:
            if indicator.id in self._indicators and not replace:
                raise CatalogueError(f"indicator {indicator.id} is already registered "
                                     f"(by {self._indicators[indicator.id].registered_by})")
            self._indicators[indicator.id] = indicator
        return indicator

    def add_input(self, step: Input, *, replace: bool = False) -> Input:
        """Register a named input step (a temp table) that indicators can list in ``needs``."""
        if not _INPUT.match(step.name):
            raise CatalogueError(f"input name {step.name!r}: lower-case letters, digits and '_'")
        if (step.sql is None) == (step.create is None):
            raise CatalogueError(f"input {step.name}: give exactly one of sql or create")
        with self._lock:
            if step.name in self._inputs and not replace:
                raise CatalogueError(f"input {step.name} is already registered")
            self._inputs[step.name] = step
        return step

    # reading -------------------------------------------------------------------------------
    def indicators(self) -> list[Indicator]:
        return sorted(self._indicators.values(), key=lambda i: (FAMILIES.index(i.family), i.id))

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self._indicators[indicator_id]
        except KeyError:
            raise CatalogueError(f"no indicator {indicator_id!r} in the catalogue") from None

    def input(self, name: str) -> Input:
        try:
            return self._inputs[name]
        except KeyError:
            raise CatalogueError(f"no input step {name!r} registered") from None

    def select(self, names: Iterable[str] | None) -> list[Indicator]:
        """Indicators by id or by family name; all of them when ``names`` is empty."""
        names = [n for n in (names or []) if n]
        if not names:
            return self.indicators()
        chosen: dict[str, Indicator] = {}
        for name in names:
            if name in self._indicators:
                chosen[name] = self._indicators[name]
            elif name in FAMILIES and any(i.family == name for i in self._indicators.values()):
                chosen.update({i.id: i for i in self._indicators.values() if i.family == name})
            else:
                raise CatalogueError(f"no indicator or family {name!r} in the catalogue")
        return [i for i in self.indicators() if i.id in chosen]

    def input_order(self, indicators: Iterable[Indicator]) -> list[Input]:
        """The inputs the indicators need, each after the inputs it needs."""
        order: list[Input] = []
        seen: set[str] = set()

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in seen:
                return
            if name in path:
                raise CatalogueError(f"input steps need each other in a circle: {' -> '.join(path + (name,))}")
            step = self.input(name)
            for dep in step.needs:
                visit(dep, path + (name,))
            seen.add(name)
            order.append(step)

        for ind in indicators:
            for name in ind.needs:
                visit(name, ())
        return order


_CATALOGUE: Catalogue | None = None
_LOADING = threading.Lock()


def catalogue() -> Catalogue:
    """The process's catalogue with the built-in families and every plugin registered."""
    global _CATALOGUE
    with _LOADING:
        if _CATALOGUE is None:
            cat = Catalogue()
            load_plugins(cat)
            _CATALOGUE = cat
    return _CATALOGUE


def register(indicator: Indicator, *, replace: bool = False) -> Indicator:
    """The door: add an indicator to the process's catalogue."""
    return catalogue().add(indicator, replace=replace)


def register_input(step: Input, *, replace: bool = False) -> Input:
    """Add an input step to the process's catalogue."""
    return catalogue().add_input(step, replace=replace)


def plugin_modules() -> list[str]:
    """Modules that register indicators: built-ins, entry points, then the environment's list."""
    modules = list(BUILTIN_FAMILIES)
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        modules.append(ep.value)
    modules += [m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip()]
    return list(dict.fromkeys(modules))


def load_plugins(cat: Catalogue, modules: Iterable[str] | None = None) -> None:
    """Call every plugin's ``register(catalogue)`` (``module`` or ``module:function``)."""
    for target in modules if modules is not None else plugin_modules():
        module_name, _, func_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise CatalogueError(f"indicator plugin {module_name} cannot be imported: {exc}") from None
        getattr(module, func_name or "register")(cat)
