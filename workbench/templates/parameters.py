"""A template's parameters, read from its ``parameters`` cell: names, types, defaults, descriptions.

The cell holds one assignment a line, a literal value and a trailing comment that says what it
means (papermill's convention)::

    by = "chapter"                   # dimension of the assessment
    since = "2024-01-01"             # first selection day, YYYY-MM-DD
    min_exams: int = 20              # leave out groups with fewer examinations
    origin: str | None = None        # country of origin (ISO alpha-2); all when empty
    stream: Literal["random", "all"] = "all"   # which examinations count

The type is the annotation when there is one (``str``, ``int``, ``float``, ``bool``,
``list[str]``, ``list[float]``, ``Literal[...]``, each optionally ``| None``), else the type of
the default. A text parameter whose default is a date, or whose description says
``YYYY-MM-DD``, is checked as a date. Imports may sit in the cell (for ``Literal``); anything
else is refused, so the cell stays a plain list of settings.

>>> ps = parse_parameters('top = 10  # how many\\norigin: str | None = None  # ISO alpha-2')
>>> [(p.name, p.type, p.nullable, p.default) for p in ps]
[('top', 'integer', False, 10), ('origin', 'string', True, None)]
>>> ps[0].coerce("25")
25
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import re
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.queries.params import Param, ParamError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NULL_TEXT = {"", "none", "null"}
_SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_LISTS = {"str": "string[]", "float": "number[]", "int": "number[]"}
ANNOTATIONS_HELP = "str, int, float, bool, list[str], list[float] or Literal[...], optionally '| None'"


class TemplateParamError(ValueError):
    """A parameters cell that cannot be read, or a value that does not fit its parameter."""


@dataclass(frozen=True)
class TemplateParameter:
    """One parameter of a template, as its ``parameters`` cell declares it."""

    name: str
    type: str                       # one of workbench.queries.params.TYPES
    description: str
    default: Any                    # the literal of the cell
    nullable: bool = False          # None (empty) is allowed
    choices: tuple[Any, ...] | None = None
    line: int = 0                   # line of the cell that declares it

    def _param(self) -> Param:
        return Param(self.name, self.type, self.description or self.name, default=None, choices=self.choices)

    def coerce(self, value: Any) -> Any:
        """``value`` (text from a command line or a Python value) as the literal injected into
        the notebook: dates become ISO text, numbers numbers, lists lists."""
        if value is None or (isinstance(value, str) and value.strip().lower() in _NULL_TEXT
                             and self.type != "string"):
            if self.nullable:
                return None
            raise TemplateParamError(f"parameter {self.name}: a value is required ({self.type})")
        if isinstance(value, str) and self.nullable and value.strip().lower() in _NULL_TEXT:
            return None
        try:
            out = self._param().coerce(value)
        except ParamError as exc:
            raise TemplateParamError(str(exc)) from None
        if isinstance(out, dt.date | dt.datetime):
            return out.isoformat()
        return out

    def describe(self) -> dict[str, Any]:
        """The declaration as plain data (for ``--json`` and the docs)."""
        out = {"name": self.name, "type": self.type, "description": self.description, "default": self.default,
               "nullable": self.nullable}
        if self.choices is not None:
            out["choices"] = list(self.choices)
        return out


def _comments(source: str) -> dict[int, str]:
    """Line number -> the text of the comment on that line."""
    found: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                found[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return found


def _type_of_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return "string[]"
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return "number[]"
    return None


def _annotation(node: ast.expr, name: str) -> tuple[str, bool, tuple[Any, ...] | None]:
    """(type, nullable, choices) of an annotation, or TemplateParamError."""
    def fail() -> TemplateParamError:
        return TemplateParamError(f"parameter {name}: annotation {ast.unparse(node)!r} is not understood; "
                                  f"use {ANNOTATIONS_HELP}")

    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        parts = [node.left, node.right]
        nones = [p for p in parts if isinstance(p, ast.Constant) and p.value is None]
        rest = [p for p in parts if p not in nones]
        if len(nones) != 1 or len(rest) != 1:
            raise fail()
        kind, _, choices = _annotation(rest[0], name)
        return kind, True, choices
    if isinstance(node, ast.Name) and node.id in _SCALARS:
        return _SCALARS[node.id], False, None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name | ast.Attribute):
        head = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
        inner = node.slice
        if head == "Optional":
            kind, _, choices = _annotation(inner, name)
            return kind, True, choices
        if head in ("list", "List") and isinstance(inner, ast.Name) and inner.id in _LISTS:
            return _LISTS[inner.id], False, None
        if head == "Literal":
            try:
                values = [ast.literal_eval(e) for e in (inner.elts if isinstance(inner, ast.Tuple) else [inner])]
            except ValueError:
                raise fail() from None
            kinds = {_type_of_value(v) for v in values}
            if len(kinds) != 1 or None in kinds or not values:
                raise fail()
            return kinds.pop(), False, tuple(values)
    raise fail()


def parse_parameters(source: str) -> list[TemplateParameter]:
    """The parameters declared by the source of a ``parameters`` cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise TemplateParamError(f"parameters cell line {exc.lineno}: not Python ({exc.msg})") from None
    comments = _comments(source)
    found: list[TemplateParameter] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value_node, annotation = stmt.targets[0].id, stmt.value, None
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            name, value_node, annotation = stmt.target.id, stmt.value, stmt.annotation
        else:
            raise TemplateParamError(f"parameters cell line {stmt.lineno}: only `name = value  # what it means` "
                                     "lines (and imports) belong here")
        if name.startswith("_"):
            raise TemplateParamError(f"parameters cell line {stmt.lineno}: {name} starts with '_' (private)")
        try:
            default = ast.literal_eval(value_node)
        except ValueError:
            raise TemplateParamError(f"parameter {name} (line {stmt.lineno}): the default must be a literal "
                                     f"(text, number, true/false, None or a list), not {ast.unparse(value_node)!r}"
                                     ) from None
        description = comments.get(stmt.end_lineno or stmt.lineno) or comments.get(stmt.lineno - 1, "")
        choices = None
        if annotation is not None:
            kind, nullable, choices = _annotation(annotation, name)
        else:
            kind, nullable = _type_of_value(default), False
            if kind is None:
                raise TemplateParamError(f"parameter {name} (line {stmt.lineno}): a default of {default!r} does "
                                         f"not say its type; annotate it, e.g. `{name}: str | None = None`")
        if kind == "string" and choices is None and (
                (isinstance(default, str) and _ISO_DATE.match(default)) or "YYYY-MM-DD" in description):
            kind = "date"
        if default is None and not nullable:
            nullable = True
        param = TemplateParameter(name=name, type=kind, description=description, default=default,
                                  nullable=nullable, choices=choices, line=stmt.lineno)
        if default is not None:
            param.coerce(default)  # the cell's own default must fit its declared type
        if any(p.name == name for p in found):
            raise TemplateParamError(f"parameter {name} is declared twice (line {stmt.lineno})")
        found.append(param)
    return found


def bind_parameters(declared: Iterable[TemplateParameter], given: Mapping[str, Any] | None, *,
                    what: str) -> dict[str, Any]:
    """Every declared parameter's value: given ones checked and typed, the rest their defaults.

    An unknown name raises :class:`TemplateParamError` naming ``what`` and the known names.
    """
    declared = list(declared)
    given = dict(given or {})
    names = [p.name for p in declared]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise TemplateParamError(f"{what}: unknown parameter {', '.join(unknown)} "
                                 f"(known: {', '.join(names) or 'none'})")
    try:
        return {p.name: p.coerce(given[p.name]) if p.name in given else p.default for p in declared}
    except TemplateParamError as exc:
        raise TemplateParamError(f"{what}: {exc}") from None
