"""The profile semantics over columns: a batch of declarations as arrays, each comparison a
boolean mask over its items — what a service scoring tens of thousands of declarations a second
needs, where a query per profile (binding alone takes about a millisecond a profile) and a
Python loop per item are both too slow.

It is a third reading of the same meaning, and it borrows the reference evaluator's
(:mod:`workbench.profiles.evaluate`) wherever it can: a text or boolean column is held as codes
into its distinct values, and a comparison is worked out by the reference evaluator's own leaf
once per distinct value, then looked up for every item; numbers are compared in numpy, a
missing number (NaN) false as the rule says. tests/test_profiles_semantics.py holds it to the
reference evaluator on random profiles, declarations and lists, as it holds the compiled SQL.

>>> from workbench.profiles.spec import parse_profile
>>> p = parse_profile({"id": "RP-DOC-4", "title": "Cheap shoes", "risk": "R-1",
...     "criteria": {"all": [{"field": "item.hs6", "prefix": ["6403"]},
...                          {"not": {"field": "item.customs_value_base", "gte": 100}}]},
...     "treatment": {"lane": "red"}})
>>> rows = [{"declaration_id": "d1", "item_no": 1, "lodged_at": None, "declaration.direction": "import",
...          "item.hs6": "640399", "item.customs_value_base": None},
...         {"declaration_id": "d2", "item_no": 1, "lodged_at": None, "declaration.direction": "import",
...          "item.hs6": "640399", "item.customs_value_base": 500.0}]
>>> frame = Frame.from_rows(rows, p.fields_used() | {"declaration.direction"})
>>> matched(p, frame)
{'d1': 1}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.profiles import fields as flds
from workbench.profiles.evaluate import ListMembers, _attr_text, _Leaf, ordered, window
from workbench.profiles.spec import All, Any_, Comparison, Node, Not, Profile, comparisons

NUMERIC_OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between")


@dataclass
class Coded:
    """A text or boolean column: per item an index into ``values``, -1 where missing."""

    codes: np.ndarray
    values: list[Any]
    text: bool = False
    _where: dict[Any, int] | None = field(default=None, repr=False)

    def where(self) -> dict[Any, int]:
        """Value -> code (made on first use)."""
        if self._where is None:
            self._where = {v: n for n, v in enumerate(self.values)}
        return self._where


@dataclass
class Frame:
    """One batch's frame as columns, item by item: ``decl`` is each item's declaration (an index
    into ``declaration_ids``), ``item_no`` its number, ``lodged`` its declaration's lodgement
    (datetime64[us], NaT where missing), and ``columns`` one entry per field — numbers as float64
    with NaN for missing, text and booleans :class:`Coded`."""

    declaration_ids: list[str]
    decl: np.ndarray
    item_no: np.ndarray
    lodged: np.ndarray
    columns: dict[str, Any]
    cache: dict[tuple, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return len(self.item_no)

    @classmethod
    def from_arrow(cls, declaration_ids: list[str], decl: np.ndarray, item_no: np.ndarray, lodged: np.ndarray,
                   arrays: Mapping[str, Any]) -> Frame:
        """From Arrow arrays of the frame's fields (one entry per item each)."""
        return cls(declaration_ids, decl, item_no, lodged,
                   {name: _column(name, arr) for name, arr in arrays.items()})

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], fields: Iterable[str]) -> Frame:
        """From rows shaped like the frame's (as the reference evaluator reads them)."""
        import pyarrow as pa

        rows = list(rows)
        ids: dict[str, int] = {}
        decl = np.array([ids.setdefault(r["declaration_id"], len(ids)) for r in rows], dtype=np.int64)
        arrays = {}
        for name in fields:
            if name.startswith("attr."):
                values = [_attr_text(r, flds.attr_name(name)) for r in rows]
            else:
                values = [r.get(name) for r in rows]
            kind = flds.resolve(name).type
            arrays[name] = pa.array(values, type=pa.float64() if kind == "number" else
                                    pa.bool_() if kind == "boolean" else pa.string())
        lodged = np.array([r.get("lodged_at") for r in rows], dtype="datetime64[us]")
        return cls.from_arrow(list(ids), decl, np.array([int(r["item_no"]) for r in rows], dtype=np.int64),
                              lodged, arrays)


def _column(name: str, arr: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if flds.resolve(name).type == "number":
        return pc.fill_null(arr.cast(pa.float64()), float("nan")).to_numpy(zero_copy_only=False)
    encoded = arr.dictionary_encode() if not pa.types.is_dictionary(arr.type) else arr
    codes = pc.fill_null(encoded.indices.cast(pa.int32()), -1).to_numpy(zero_copy_only=False)
    return Coded(codes, encoded.dictionary.to_pylist(), pa.types.is_string(encoded.dictionary.type))


class NotColumnar(ValueError):
    """A profile this evaluator does not read (a target list matched against a number or a flag)."""


def supports(profiles: Iterable[Profile]) -> bool:
    """Whether every comparison of these profiles reads alike here (target lists only on text)."""
    for p in profiles:
        for comp in _comparisons(p):
            if comp.op == "in_list" and flds.resolve(comp.field).type != "text":
                return False
    return True


def _comparisons(p: Profile) -> list[Comparison]:
    return comparisons(p.criteria) + comparisons(p.exceptions)


# -- comparisons --------------------------------------------------------------------------

def _lookup(frame: Frame, col: Coded, leaf: _Leaf, lists: ListMembers | None) -> np.ndarray:
    """Each distinct value through the reference evaluator's leaf, then read for every item.
    Text equality and membership are asked of all distinct values at once (the same answers:
    text equals text)."""
    table = np.zeros(len(col.values) + 1, dtype=bool)          # the last entry stands for missing
    texts = ({leaf.value} if leaf.op in ("eq", "ne") and isinstance(leaf.value, str) else
             leaf.texts if leaf.op in ("in", "not_in") else None)
    if texts is not None and not leaf.attr and col.text:
        where = col.where()
        table[[where[t] for t in texts if t in where]] = True
        if leaf.op in ("ne", "not_in"):
            table[:-1] = ~table[:-1]
        return table[col.codes]
    for n, value in enumerate(col.values):
        table[n] = leaf.holds({leaf.field: value, "attrs": {leaf.attr: value}} if leaf.attr else {leaf.field: value},
                              lists)
    return table[col.codes]


def _in_list(frame: Frame, col: Coded, comp: Comparison, lists: ListMembers | None) -> np.ndarray:
    """A text value on a list, on a day inside the member's validity (a missing day passes)."""
    out = np.zeros(frame.size, dtype=bool)
    where = col.where()
    when = frame.lodged
    known = ~np.isnat(when)
    for member, start, end in (lists or {}).get(comp.in_list, ()):
        code = where.get(member)
        if code is None:
            continue
        hit = col.codes == code
        if start is not None:
            hit &= ~known | (when >= np.datetime64(start, "us"))
        if end is not None:
            hit &= ~known | (when < np.datetime64(end, "us"))
        out |= hit
    return out


def _numbers(x: np.ndarray, leaf: _Leaf) -> np.ndarray:
    """A numeric comparison of a number column: NaN (missing) compares false everywhere."""
    op, v = leaf.op, leaf.value
    present = ~np.isnan(x)
    if op == "eq":
        return x == float(v)
    if op == "ne":
        return present & (x != float(v))
    if op in ("in", "not_in"):
        member = np.isin(x, np.array([float(a) for a in v]))
        return member if op == "in" else present & ~member
    return ordered(op, x, v)


def _unique_lookup(x: np.ndarray, leaf: _Leaf, lists: ListMembers | None) -> np.ndarray:
    """Any other comparison of a number column (a prefix of its text, say): per distinct value."""
    out = np.zeros(len(x), dtype=bool)
    present = ~np.isnan(x)
    if present.any():
        values, where = np.unique(x[present], return_inverse=True)
        table = np.array([leaf.holds({leaf.field: float(v)}, lists) for v in values], dtype=bool)
        out[present] = table[where]
    return out


def _key(comp: Comparison, leaf: _Leaf) -> tuple:
    return (comp.field, leaf.op, repr(leaf.value))


def leaf_mask(frame: Frame, comp: Comparison, lists: ListMembers | None = None,
              leaf: _Leaf | None = None, key: tuple | None = None) -> np.ndarray:
    """Which items satisfy one comparison (kept per frame: profiles often share comparisons)."""
    leaf = leaf or _Leaf(comp)
    key = key or _key(comp, leaf)
    got = frame.cache.get(key)
    if got is not None:
        return got
    col = frame.columns[comp.field]
    if isinstance(col, Coded):
        if leaf.op == "in_list":
            got = _in_list(frame, col, comp, lists)
        else:
            got = _lookup(frame, col, leaf, lists)
    elif leaf.op == "in_list":
        raise NotColumnar(f"{comp.field}: a target list is matched against text only here")
    elif leaf.op in NUMERIC_OPS and leaf.numeric:
        got = _numbers(col, leaf)
    else:
        got = _unique_lookup(col, leaf, lists)
    frame.cache[key] = got
    return got


def _prepare(node: Node) -> tuple:
    """A tree with each comparison made ready once: ('all'|'any', parts), ('not', part) or
    ('leaf', comparison, leaf, key)."""
    if isinstance(node, All):
        return ("all", [_prepare(n) for n in node.all])
    if isinstance(node, Any_):
        return ("any", [_prepare(n) for n in node.any])
    if isinstance(node, Not):
        return ("not", _prepare(node.not_))
    leaf = _Leaf(node)
    return ("leaf", node, leaf, _key(node, leaf))


def _mask(frame: Frame, node: tuple, lists: ListMembers | None) -> np.ndarray:
    kind = node[0]
    if kind == "leaf":
        return leaf_mask(frame, node[1], lists, node[2], node[3])
    if kind == "not":
        return ~_mask(frame, node[1], lists)
    parts = iter(node[1])
    out = _mask(frame, next(parts), lists).copy()
    for part in parts:
        if kind == "all":
            out &= _mask(frame, part, lists)
        else:
            out |= _mask(frame, part, lists)
    return out


def mask(frame: Frame, node: Node, lists: ListMembers | None = None) -> np.ndarray:
    """Which items satisfy a criteria tree."""
    return _mask(frame, _prepare(node), lists)


class Plan:
    """A profile made ready once to be evaluated on many frames: its trees, its scope as
    comparisons, its validity as timestamps."""

    def __init__(self, profile: Profile):
        self.profile = profile
        scope = profile.scope
        self.scope = [_prepare(Comparison.model_validate({"field": name, "in": list(wanted)}))
                      for name, wanted in (("declaration.direction", [scope.direction] if scope.direction else []),
                                           ("declaration.office_code", scope.offices),
                                           ("declaration.procedure_code", scope.procedures)) if wanted]
        self.scope_key = tuple(node[3] for node in self.scope)
        lo, hi = window(profile)
        self.lo = np.datetime64(lo, "us") if lo is not None else None
        self.hi = np.datetime64(hi, "us") if hi is not None else None
        self.criteria = _prepare(profile.criteria)
        self.exceptions = _prepare(profile.exceptions) if profile.exceptions is not None else None


def scope_mask(frame: Frame, plan: Plan) -> np.ndarray:
    """Items whose declaration is in the profile's scope and validity (kept per frame: most
    profiles share them)."""
    key = ("scope", plan.scope_key, plan.lo, plan.hi)
    got = frame.cache.get(key)
    if got is not None:
        return got
    out = np.ones(frame.size, dtype=bool)
    for node in plan.scope:
        out &= _mask(frame, node, None)
    if plan.lo is not None:
        out &= frame.lodged >= plan.lo                # NaT compares false: out of validity
    if plan.hi is not None:
        out &= frame.lodged < plan.hi
    frame.cache[key] = out
    return out


def matched_items(frame: Frame, plan: Plan | Profile, lists: ListMembers | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(declaration indexes, first hitting item numbers) of the declarations a profile matches
    before its keyed sample: in scope and validity, an item meeting the criteria, no item
    meeting the exceptions. Declarations in ascending index order."""
    plan = plan if isinstance(plan, Plan) else Plan(plan)
    hit = scope_mask(frame, plan) & _mask(frame, plan.criteria, lists)
    rows = np.flatnonzero(hit)
    if not len(rows):
        return rows, rows
    decl, item = frame.decl[rows], frame.item_no[rows]
    order = np.lexsort((item, decl))
    decl, item = decl[order], item[order]
    first = np.ones(len(decl), dtype=bool)
    first[1:] = decl[1:] != decl[:-1]
    decl, item = decl[first], item[first]
    if plan.exceptions is not None:
        excepted = np.zeros(len(frame.declaration_ids), dtype=bool)
        excepted[frame.decl[_mask(frame, plan.exceptions, lists)]] = True
        keep = ~excepted[decl]
        decl, item = decl[keep], item[keep]
    return decl, item


def matched(profile: Profile, frame: Frame, lists: ListMembers | None = None) -> dict[str, int]:
    """Declaration id -> first hitting item, before the keyed sample (as
    :meth:`workbench.profiles.evaluate.Prepared.matched` answers)."""
    decl, item = matched_items(frame, profile, lists)
    return {frame.declaration_ids[d]: int(i) for d, i in zip(decl, item)}
