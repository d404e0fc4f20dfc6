"""The reference evaluator: the profile semantics in plain Python, independent of the compiler.

It reads rows shaped like the frame (a mapping per item: ``declaration_id``, ``item_no``,
``lodged_at``, ``attrs`` and one key per field) and answers which declarations a profile hits
and with which item. It is slow on purpose — simple enough to read against
docs/analysts/profile-semantics.md — and a property test holds the compiled SQL to it.

>>> from workbench.profiles.spec import parse_profile
>>> p = parse_profile({"id": "RP-DOC-3", "title": "Cheap shoes", "risk": "R-1",
...     "criteria": {"all": [{"field": "item.hs6", "prefix": ["6403"]},
...                          {"not": {"field": "item.customs_value_base", "gte": 100}}]},
...     "treatment": {"lane": "red"}})
>>> rows = [{"declaration_id": "d1", "item_no": 1, "declaration.direction": "import", "item.hs6": "640399",
...          "item.customs_value_base": None},
...         {"declaration_id": "d2", "item_no": 1, "declaration.direction": "import", "item.hs6": "640399",
...          "item.customs_value_base": 500.0}]
>>> hits(p, rows)
{'d1': 1}
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from workbench.profiles import fields as flds
from workbench.profiles.selection import keeps
from workbench.profiles.spec import All, Any_, Comparison, Node, Not, Profile

_NUMBER = re.compile(flds.NUMBER_PATTERN)

ListMembers = Mapping[str, Iterable[tuple[Any, dt.datetime | None, dt.datetime | None]]]


def _attr_text(row: Mapping[str, Any], name: str) -> str | None:
    attrs = row.get("attrs")
    if isinstance(attrs, str):
        attrs = json.loads(attrs)
    if not isinstance(attrs, Mapping) or name not in attrs:
        return None
    value = attrs[name]
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _as_number(text: str | None) -> float | None:
    if text is None or not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return None if math.isinf(value) else value


class _Leaf:
    """A comparison with what it needs worked out once: the field, the operator, the value."""

    __slots__ = ("comp", "field", "attr", "numeric", "op", "value", "texts", "numbers")

    def __init__(self, comp: Comparison):
        field = flds.resolve(comp.field)
        self.comp = comp
        self.field = comp.field
        self.attr = flds.attr_name(comp.field) if field.family == "attr" else None
        self.numeric = _numeric(comp)
        self.op = comp.op
        self.value = comp.value
        # the values of in / not_in as a set, when all are text or all are numbers: membership
        # then reads as _same does (text equals text; a number, never a boolean, equals a number)
        values = comp.value if self.op in ("in", "not_in") else []
        self.texts = frozenset(values) if values and all(isinstance(x, str) for x in values) else None
        self.numbers = (frozenset(float(x) for x in values) if values and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in values) else None)

    def _member(self, value: Any) -> bool:
        """Whether a (present) value is one of the in / not_in values."""
        if self.texts is not None:
            return isinstance(value, str) and value in self.texts
        if self.numbers is not None:
            return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value) in self.numbers
        return any(_same(value, x) for x in self.value)

    def seen(self, row: Mapping[str, Any]) -> Any:
        """The value the comparison sees in a row (None when missing)."""
        if self.attr is not None:
            text = _attr_text(row, self.attr)
            return _as_number(text) if self.numeric else text
        value = row.get(self.field)
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    def holds(self, row: Mapping[str, Any], lists: ListMembers | None) -> bool:
        value = self.seen(row)
        if value is None:
            return False
        op, v = self.op, self.value
        if op == "eq":
            return _same(value, v)
        if op == "ne":
            return not _same(value, v)
        if op == "in":
            return self._member(value)
        if op == "not_in":
            return not self._member(value)
        if op in ORDERS:
            return bool(ordered(op, float(value), v))
        text = str(value)
        if op == "prefix":
            return any(text.startswith(p) for p in v)
        if op == "contains":
            low = text.lower()
            return any(w.lower() in low for w in v)
        if op == "matches":
            return re.search(v, text) is not None
        if op == "in_list":
            when = row.get("lodged_at")
            for member, start, end in (lists or {}).get(v, ()):
                if member == text and (start is None or when is None or start <= when) and \
                        (end is None or when is None or when < end):
                    return True
            return False
        raise ValueError(f"operator {op}")  # pragma: no cover


ORDERS = ("gt", "gte", "lt", "lte", "between")


def ordered(op: str, x: Any, v: Any) -> Any:
    """An order comparison of a number, or of a numpy array of numbers (NaN compares false)."""
    if op == "gt":
        return x > v
    if op == "gte":
        return x >= v
    if op == "lt":
        return x < v
    if op == "lte":
        return x <= v
    return (x >= v[0]) & (x <= v[1])


def _numeric(comp: Comparison) -> bool:
    op, v = comp.op, comp.value
    if op in ("gt", "gte", "lt", "lte", "between"):
        return True
    values = v if isinstance(v, list) else [v]
    return op in ("eq", "ne", "in", "not_in") and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in values)


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, bool) or isinstance(a, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(b, (int, float)):
        return isinstance(a, (int, float)) and float(a) == float(b)
    return isinstance(a, str) and a == str(b)


def field_value(comp: Comparison, row: Mapping[str, Any]) -> Any:
    """The value a comparison sees in a row (None when missing)."""
    return _Leaf(comp).seen(row)


def compare(comp: Comparison, row: Mapping[str, Any], lists: ListMembers | None = None) -> bool:
    """One comparison on one item row. A missing value makes it false."""
    return _Leaf(comp).holds(row, lists)


Test = Callable[[Mapping[str, Any], "ListMembers | None"], bool]


def plan(node: Node) -> Test:
    """The tree as nested Python functions, each comparison prepared once."""
    if isinstance(node, All):
        parts = [plan(n) for n in node.all]

        def every(row: Mapping[str, Any], lists: ListMembers | None) -> bool:
            for part in parts:
                if not part(row, lists):
                    return False
            return True
        return every
    if isinstance(node, Any_):
        parts = [plan(n) for n in node.any]

        def some(row: Mapping[str, Any], lists: ListMembers | None) -> bool:
            for part in parts:
                if part(row, lists):
                    return True
            return False
        return some
    if isinstance(node, Not):
        inner = plan(node.not_)
        return lambda row, lists: not inner(row, lists)
    return _Leaf(node).holds


def holds(node: Node, row: Mapping[str, Any], lists: ListMembers | None = None) -> bool:
    """Whether an item satisfies a criteria tree."""
    return plan(node)(row, lists)


def window(profile: Profile) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The validity as [from, to) timestamps: both days included, UTC."""
    lo = dt.datetime.combine(profile.validity.from_, dt.time()) if profile.validity.from_ else None
    hi = dt.datetime.combine(profile.validity.to, dt.time()) + dt.timedelta(days=1) if profile.validity.to else None
    return lo, hi


def in_scope(profile: Profile, row: Mapping[str, Any],
             bounds: tuple[dt.datetime | None, dt.datetime | None] | None = None) -> bool:
    scope = profile.scope
    if scope.direction and row.get("declaration.direction") != scope.direction:
        return False
    if scope.offices and row.get("declaration.office_code") not in scope.offices:
        return False
    if scope.procedures and row.get("declaration.procedure_code") not in scope.procedures:
        return False
    lo, hi = bounds or window(profile)
    lodged = row.get("lodged_at")
    if lo is not None and (lodged is None or lodged < lo):
        return False
    if hi is not None and (lodged is None or lodged >= hi):
        return False
    return True


class Prepared:
    """A profile made ready once (its trees planned, its validity as timestamps) to be evaluated
    on many sets of rows — what a service scoring one declaration at a time needs."""

    def __init__(self, profile: Profile, *, salt: str = "", version: int | None = None):
        self.profile = profile
        self.salt = salt
        self.version = version if version is not None else (profile.version or 1)
        self.criteria = plan(profile.criteria)
        self.exceptions = plan(profile.exceptions) if profile.exceptions is not None else None
        self.bounds = window(profile)

    def matched(self, rows: Iterable[Mapping[str, Any]], lists: ListMembers | None = None) -> dict[str, int]:
        """Declaration id -> first hitting item, before the keyed sample: in scope and validity,
        an item meeting the criteria, no item meeting the exceptions."""
        first: dict[str, int] = {}
        excepted: set[str] = set()
        for row in rows:
            decl = row["declaration_id"]
            if self.exceptions is not None and self.exceptions(row, lists):
                excepted.add(decl)
            if in_scope(self.profile, row, self.bounds) and self.criteria(row, lists):
                item = int(row["item_no"])
                if decl not in first or item < first[decl]:
                    first[decl] = item
        return {d: i for d, i in sorted(first.items()) if d not in excepted}

    def matched_one(self, rows: list[Mapping[str, Any]], lists: ListMembers | None = None) -> int | None:
        """:meth:`matched` for the rows of one declaration: its first hitting item, or None.
        Scope and validity read only the header (the same in every row), so they are checked
        once, and the exceptions only when an item met the criteria."""
        if not rows or not in_scope(self.profile, rows[0], self.bounds):
            return None
        first = None
        for row in rows:
            if self.criteria(row, lists):
                item = int(row["item_no"])
                if first is None or item < first:
                    first = item
        if first is None or (self.exceptions is not None and any(self.exceptions(row, lists) for row in rows)):
            return None
        return first

    def kept(self, declaration_id: str) -> bool:
        """Whether the profile's keyed sample keeps a declaration it matched."""
        return keeps(self.profile.treatment.selection_pct, self.salt, self.profile.id, self.version, declaration_id)

    def hits(self, rows: Iterable[Mapping[str, Any]], lists: ListMembers | None = None) -> dict[str, int]:
        """Declaration id -> first hitting item number, for the declarations the profile selects."""
        return {d: i for d, i in self.matched(rows, lists).items() if self.kept(d)}


def hits(profile: Profile, rows: Iterable[Mapping[str, Any]], lists: ListMembers | None = None, *,
         salt: str = "", version: int | None = None) -> dict[str, int]:
    """Declaration id -> first hitting item number, for the declarations the profile selects."""
    return Prepared(profile, salt=salt, version=version).hits(rows, lists)
