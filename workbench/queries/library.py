"""The query library: reusable analyst queries shipped as ``.sql`` files, run by name.

Each file in ``workbench/queries/library/`` is one query. It opens with a block comment holding
YAML front matter (title, description, typed and described parameters), followed by one
read-only statement that refers to its parameters as ``$name``::

    /*
    title: Declarations per month
    description: Count and declared value of declarations, by month of lodgement.
    parameters:
      since: {type: date, description: First lodgement day, default: null}
    */
    select ... where $since is null or lodged_at >= $since

The file stays valid SQL (the header is a comment), so it can be pasted into any DuckDB shell.
Values are always bound; the library checks that the placeholders of the statement and the
declared parameters are the same set.

>>> q = get_query("declarations_by_month")
>>> sorted(p.name for p in q.params)
['direction', 'since', 'until']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import yaml

from workbench.queries.params import Param, ParamError, bind

_HEADER = re.compile(r"\A\s*/\*(?P<yaml>.*?)\*/(?P<sql>.*)\Z", re.S)
_PLACEHOLDER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_STRING_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)
_READ_ONLY_START = re.compile(r"^\s*(select|with|from|values|summarize|describe)\b", re.I)


class QueryError(ValueError):
    """A query file that cannot be used, or a query name that does not exist."""


@dataclass(frozen=True)
class Query:
    """One query of the library."""

    name: str
    title: str
    description: str
    sql: str
    params: tuple[Param, ...]
    tags: tuple[str, ...] = ()
    source: str = ""

    def bind(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Parameter values checked and typed, defaults filled in."""
        return bind(self.params, values, what=f"query {self.name}")

    def relation(self, con: duckdb.DuckDBPyConnection, values: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyRelation:
        """The query as a DuckDB relation on ``con`` with its parameters bound."""
        return con.sql(self.sql, params=self.bind(values))

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "tags": list(self.tags), "parameters": [p.describe() for p in self.params], "sql": self.sql}


def placeholders(sql: str) -> set[str]:
    """Names of the ``$name`` placeholders of a statement (outside strings and comments)."""
    return set(_PLACEHOLDER.findall(_STRING_OR_COMMENT.sub(" ", sql)))


def parse_query(name: str, text: str, source: str = "") -> Query:
    """A :class:`Query` from the text of a ``.sql`` file with its YAML header."""
    if not _NAME.match(name):
        raise QueryError(f"{source or name}: query names are lower-case letters, digits and '_'")
    match = _HEADER.match(text)
    if not match:
        raise QueryError(f"{source or name}: a query file starts with a /* YAML */ header")
    try:
        meta = yaml.safe_load(match.group("yaml")) or {}
    except yaml.YAMLError as exc:
        raise QueryError(f"{source or name}: header is not YAML: {exc}") from None
    if not isinstance(meta, dict) or not meta.get("title") or not meta.get("description"):
        raise QueryError(f"{source or name}: the header needs a title and a description")
    sql = match.group("sql").strip().rstrip(";").strip()
    if ";" in _STRING_OR_COMMENT.sub(" ", sql):
        raise QueryError(f"{source or name}: one statement per query")
    if not _READ_ONLY_START.match(_STRING_OR_COMMENT.sub(" ", sql)):
        raise QueryError(f"{source or name}: a library query reads (select / with ...)")
    params = []
    for pname, spec in (meta.get("parameters") or {}).items():
        if not isinstance(spec, dict) or "type" not in spec or "description" not in spec:
            raise QueryError(f"{source or name}: parameter {pname} needs a type and a description")
        extra = {k: spec[k] for k in ("minimum", "maximum") if k in spec}
        if "choices" in spec:
            extra["choices"] = tuple(spec["choices"])
        try:
            params.append(Param(pname, spec["type"], spec["description"],
                                **({"default": spec["default"]} if "default" in spec else {}), **extra))
        except ParamError as exc:
            raise QueryError(f"{source or name}: {exc}") from None
    declared = {p.name for p in params}
    used = placeholders(sql)
    if used != declared:
        raise QueryError(
            f"{source or name}: placeholders and parameters differ "
            f"(undeclared: {sorted(used - declared)}, unused: {sorted(declared - used)})"
        )
    return Query(name=name, title=str(meta["title"]), description=str(meta["description"]).strip(),
                 sql=sql, params=tuple(params), tags=tuple(meta.get("tags") or ()), source=source)


@functools.cache
def _packaged() -> dict[str, Query]:
    found: dict[str, Query] = {}
    for entry in resources.files("workbench.queries").joinpath("library").iterdir():
        if entry.name.endswith(".sql"):
            name = entry.name[:-4]
            found[name] = parse_query(name, entry.read_text(encoding="utf-8"), f"workbench/queries/library/{entry.name}")
    return found


def list_queries(extra_dirs: list[Path] | None = None) -> list[Query]:
    """Every query of the library (and of ``extra_dirs``, a team's own folders), by name."""
    found = dict(_packaged())
    for folder in extra_dirs or []:
        for path in sorted(Path(folder).glob("*.sql")):
            found[path.stem] = parse_query(path.stem, path.read_text(encoding="utf-8"), str(path))
    return [found[k] for k in sorted(found)]


def get_query(name: str, extra_dirs: list[Path] | None = None) -> Query:
    """The query called ``name``."""
    for query in list_queries(extra_dirs):
        if query.name == name:
            return query
    known = ", ".join(q.name for q in list_queries(extra_dirs))
    raise QueryError(f"no query named {name!r} (known: {known})")


def run_query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    extra_dirs: list[Path] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Run the library query ``name`` on ``con`` with bound ``params``; returns a relation.

    Convert at the edge: ``.df()``, ``.to_arrow_table()``, ``.fetchall()``.
    """
    return get_query(name, extra_dirs).relation(con, params)


def fetch(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    extra_dirs: list[Path] | None = None,
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of a library query (at most ``limit`` rows), fetched whole."""
    rel = run_query(con, name, params, extra_dirs=extra_dirs)
    if limit is not None:
        rel = rel.limit(int(limit))
    return list(rel.columns), rel.fetchall()
