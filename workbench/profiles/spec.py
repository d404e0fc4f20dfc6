"""The risk profile spec: a typed model, its JSON Schema, and reading it from YAML or JSON.

A profile is the tactical answer to a strategic risk: *which* declarations to select (the
criteria, less the exceptions, within a scope and validity), *how* to treat them (lane, control,
selection percentage) and *why* (the register risk, the rationale and sources). What the
criteria mean is written down once in docs/analysts/profile-semantics.md and implemented by
the compiler (:mod:`workbench.profiles.compiler`) and the reference evaluator
(:mod:`workbench.profiles.evaluate`), which a property test keeps in agreement.

Criteria are a tree: ``{all: [...]}``, ``{any: [...]}``, ``{not: node}`` or a comparison
``{field: item.hs_code, prefix: ["6403"]}`` with exactly one operator.

>>> spec = parse_profile({"id": "RP-DOC-1", "title": "Footwear from VN", "risk": "R-REV-1",
...     "criteria": {"all": [{"field": "item.hs6", "prefix": ["6403"]},
...                          {"field": "item.country_origin", "eq": "VN"}]},
...     "treatment": {"lane": "red", "control": "physical"}})
>>> spec.treatment.selection_pct
100.0
>>> parse_profile({"id": "RP-DOC-2", "title": "Typo", "risk": "R-1",
...     "criteria": {"field": "item.hscode", "eq": "1"}, "treatment": {"lane": "red"}})
Traceback (most recent call last):
...
workbench.profiles.spec.SpecError: criteria.field: unknown field 'item.hscode' (did you mean item.hs_code?)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from workbench.profiles import fields as flds

LANES = ("green", "blue", "yellow", "orange", "red")
"""Lanes from the least to the most strict: when several profiles hit, the strictest wins."""
CONTROLS = ("none", "documentary", "scan", "physical", "laboratory", "post_clearance_audit")
STAGES = ("pre_clearance", "post_clearance")
OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "prefix", "in_list",
             "contains", "matches")
PROFILE_ID = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{1,47}$")
LIST_ID = PROFILE_ID
MAX_NODES = 200
MAX_VALUES = 5000

Scalar = Union[str, float, bool]


class SpecError(ValueError):
    """A spec that cannot be used; the message names the field at fault."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.problems = problems or []


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- criteria ------------------------------------------------------------------------------

class Comparison(_Model):
    """One test of one field. Exactly one operator is given."""

    field: str
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    between: tuple[float, float] | None = None
    prefix: list[str] | None = None
    in_list: str | None = None
    contains: list[str] | None = None
    matches: str | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        try:
            flds.resolve(value)
        except flds.FieldError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _one_operator(self) -> Comparison:
        given = [op for op in OPERATORS if getattr(self, _attr(op)) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one operator ({', '.join(OPERATORS)}); found "
                             f"{', '.join(given) or 'none'}")
        op = given[0]
        value = getattr(self, _attr(op))
        field = flds.resolve(self.field)
        _check_value(field, op, value)
        return self

    @property
    def op(self) -> str:
        return next(op for op in OPERATORS if getattr(self, _attr(op)) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, _attr(self.op))

    def describe(self) -> str:
        value = self.value
        shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
        return f"{self.field} {self.op} {shown}"


def _attr(op: str) -> str:
    return "in_" if op == "in" else op


def _check_value(field: flds.Field, op: str, value: Any) -> None:
    kind = field.type
    numeric_ops = ("gt", "gte", "lt", "lte", "between")
    text_ops = ("prefix", "contains", "matches")
    if op in numeric_ops and not (kind == "number" or field.family == "attr"):
        raise ValueError(f"{op} compares numbers, and {field.name} is {kind}")
    if op in text_ops and kind != "text":
        raise ValueError(f"{op} compares text, and {field.name} is {kind}")
    if op == "between" and value[0] > value[1]:
        raise ValueError(f"between: the low end {value[0]} is above the high end {value[1]}")
    values = value if isinstance(value, (list, tuple)) else [value]
    if op in ("in", "not_in", "prefix", "contains"):
        if not values:
            raise ValueError(f"{op} needs at least one value")
        if len(values) > MAX_VALUES:
            raise ValueError(f"{op} takes at most {MAX_VALUES} values; put longer lists in a target list")
    if op in ("in", "not_in") and len({isinstance(v, str) for v in values}) > 1:
        raise ValueError(f"{op}: give all values as text or all as numbers, not a mixture")
    if op in ("eq", "ne", "in", "not_in"):
        for v in values:
            _check_scalar(field, op, v)
    if op == "prefix" and any(not v for v in values):
        raise ValueError("prefix: an empty prefix would match everything")
    if op == "contains" and any(not v.strip() for v in values):
        raise ValueError("contains: an empty word would match everything")
    if op == "in_list" and not LIST_ID.match(value):
        raise ValueError(f"in_list: {value!r} is not a list id (capitals, digits, '_', '.', '-')")
    if op == "matches":
        _check_pattern(value)


def _check_scalar(field: flds.Field, op: str, v: Any) -> None:
    kind = field.type
    if kind == "boolean" and not isinstance(v, bool):
        raise ValueError(f"{op}: {field.name} is true or false, not {v!r}")
    if kind == "number" and (isinstance(v, bool) or not isinstance(v, (int, float))):
        raise ValueError(f"{op}: {field.name} is a number, not {v!r}")
    if kind == "text" and field.family != "attr" and not isinstance(v, str):
        raise ValueError(f"{op}: {field.name} is text; quote {v!r}")
    if kind == "text" and isinstance(v, bool):
        raise ValueError(f"{op}: {field.name} is text, not {v!r}")


_UNSUPPORTED = re.compile(r"\(\?[=!<]|\\[1-9]|\(\?P=|\(\?\(")


def _check_pattern(pattern: str) -> None:
    """Regular expressions in the common subset of Python's re and DuckDB's RE2."""
    if not pattern:
        raise ValueError("matches: an empty pattern would match everything")
    if len(pattern) > 500:
        raise ValueError("matches: keep patterns under 500 characters")
    if _UNSUPPORTED.search(pattern):
        raise ValueError("matches: look-arounds and back-references are not supported")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"matches: not a regular expression ({exc})") from None


def _node_kind(data: Any) -> str | None:
    kind = {"All": "all", "Any_": "any", "Not": "not", "Comparison": "field"}.get(type(data).__name__)
    if kind:
        return kind
    if isinstance(data, Mapping):
        for key in ("all", "any", "not"):
            if key in data:
                return key
        if "field" in data:
            return "field"
    return None


class All(_Model):
    all: list[Node]


class Any_(_Model):
    any: list[Node]


class Not(_Model):
    not_: Node = Field(alias="not")


Node = Annotated[
    Union[Annotated[All, Tag("<all>")], Annotated[Any_, Tag("<any>")], Annotated[Not, Tag("<not>")],
          Annotated[Comparison, Tag("<field>")]],
    Discriminator(lambda data: f"<{_node_kind(data)}>"),
]
All.model_rebuild()
Any_.model_rebuild()
Not.model_rebuild()


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, depth first."""
    yield node
    if isinstance(node, All):
        for child in node.all:
            yield from walk(child)
    elif isinstance(node, Any_):
        for child in node.any:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.not_)


def comparisons(node: Node | None) -> list[Comparison]:
    return [n for n in walk(node) if isinstance(n, Comparison)] if node is not None else []


# --- the profile ---------------------------------------------------------------------------

class Scope(_Model):
    offices: list[str] = []
    direction: Literal["import", "export", "transit"] | None = "import"
    procedures: list[str] = []


class Treatment(_Model):
    lane: Literal["green", "blue", "yellow", "orange", "red"]
    control: Literal["none", "documentary", "scan", "physical", "laboratory", "post_clearance_audit"] = "physical"
    selection_pct: float = Field(default=100.0, gt=0, le=100)
    stage: Literal["pre_clearance", "post_clearance"] = "pre_clearance"


class Validity(_Model):
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Validity:
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError(f"validity ends ({self.to}) before it starts ({self.from_})")
        return self


class Target(_Model):
    hit_rate: float | None = Field(default=None, ge=0, le=1)
    hits_per_week: float | None = Field(default=None, ge=0)
    revenue_per_exam: float | None = Field(default=None, ge=0)


class Profile(_Model):
    """A risk profile as an analyst writes it. Lifecycle facts (status, author, approver) live
    in the store, not in the file."""

    id: str = Field(description="stable identifier, e.g. RP-REV-0001")
    title: str = Field(min_length=3, max_length=200)
    version: int | None = Field(default=None, ge=1, description="set by the store")
    risk: str = Field(description="id of the strategic risk it treats (the register)")
    level: Literal["national", "local"] = "national"
    scope: Scope = Scope()
    rationale: str = ""
    sources: list[str] = []
    criteria: Node
    exceptions: Node | None = None
    treatment: Treatment
    instructions: str = ""
    validity: Validity = Validity()
    review_on: dt.date | None = None
    owner: str = ""
    marking: str = Field(default="OFFICIAL-SENSITIVE", description="handling marking")
    target: Target = Target()
    risk_rating: int | None = Field(default=None, ge=1, le=25)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not PROFILE_ID.match(value):
            raise ValueError("use 2-48 capitals, digits, '_', '.' or '-', starting with a capital or digit")
        return value

    @field_validator("risk")
    @classmethod
    def _risk(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", value):
            raise ValueError("a register risk id: letters, digits, '_', '.' or '-'")
        return value

    @model_validator(mode="after")
    def _size(self) -> Profile:
        nodes = sum(1 for _ in walk(self.criteria)) + (sum(1 for _ in walk(self.exceptions)) if self.exceptions else 0)
        if nodes > MAX_NODES:
            raise ValueError(f"criteria and exceptions hold {nodes} nodes; keep them under {MAX_NODES}")
        return self

    # --- derived ---------------------------------------------------------------------------
    def fields_used(self) -> set[str]:
        return {c.field for c in comparisons(self.criteria) + comparisons(self.exceptions)}

    def lists_used(self) -> set[str]:
        return {c.in_list for c in comparisons(self.criteria) + comparisons(self.exceptions) if c.in_list}

    def indicators_used(self) -> set[str]:
        return {flds.indicator_id(f)[0] for f in self.fields_used() if f.startswith("indicator.")}

    def content(self) -> dict[str, Any]:
        """The spec as plain data (aliases, no version): what is hashed, stored and exported."""
        return self.model_dump(mode="json", by_alias=True, exclude={"version"}, exclude_none=True)

    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.content(), sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    def with_version(self, version: int) -> Profile:
        return self.model_copy(update={"version": version})


# --- reading -------------------------------------------------------------------------------

_TAGS = ("<all>", "<any>", "<not>", "<field>")


def _loc(loc: tuple) -> str:
    """pydantic's location as a readable path: criteria.all[1].field."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS or str(part).startswith(("function-", "tagged-union", "union[")):
            continue
        else:
            name = {"in_": "in", "not_": "not", "from_": "from"}.get(str(part), str(part))
            out += ("." if out else "") + name
    return out or "(top)"


def _precheck_tree(data: Any, path: str, problems: list[tuple[str, str]]) -> None:
    """Point at the node at fault before pydantic tries every union member and drowns the
    message: each node must be a mapping with exactly one of all/any/not/field."""
    if not isinstance(data, Mapping):
        problems.append((path, "a criteria node is a mapping: {all: [...]}, {any: [...]}, {not: ...} or {field: ..., OP: value}"))
        return
    keys = [k for k in ("all", "any", "not", "field") if k in data]
    if len(keys) != 1:
        problems.append((path, "a criteria node has exactly one of all, any, not, field" +
                         (f" (found {', '.join(keys)})" if keys else f" (found {', '.join(map(str, data)) or 'nothing'})")))
        return
    key = keys[0]
    if key in ("all", "any"):
        extra = set(data) - {key}
        if extra:
            problems.append((path, f"unexpected {', '.join(sorted(map(str, extra)))} beside {key}"))
        children = data[key]
        if not isinstance(children, list) or not children:
            problems.append((f"{path}.{key}", "a non-empty list of criteria"))
            return
        for n, child in enumerate(children):
            _precheck_tree(child, f"{path}.{key}[{n}]", problems)
    elif key == "not":
        _precheck_tree(data["not"], f"{path}.not", problems)


def parse_profile(data: Any, *, known_indicators: set[str] | None = None) -> Profile:
    """A :class:`Profile` from plain data, or :class:`SpecError` naming every field at fault."""
    if not isinstance(data, Mapping):
        raise SpecError("a profile is a mapping of fields (id, title, risk, criteria, treatment, ...)")
    problems: list[tuple[str, str]] = []
    for key in ("criteria", "exceptions"):
        if data.get(key) is not None:
            _precheck_tree(data[key], key, problems)
    if not problems:
        try:
            profile = Profile.model_validate(dict(data))
        except ValidationError as exc:
            seen = set()
            for err in exc.errors():
                loc = _loc(err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                if (loc, msg) not in seen:
                    seen.add((loc, msg))
                    problems.append((loc, msg))
        else:
            if known_indicators is not None:
                for n, comp in enumerate(comparisons(profile.criteria) + comparisons(profile.exceptions)):
                    try:
                        flds.resolve(comp.field, known_indicators)
                    except flds.FieldError as exc:
                        problems.append((f"criteria ({comp.field})", str(exc)))
            if not problems:
                return profile
    problems = _best(problems)
    text = "; ".join(f"{loc}: {msg}" for loc, msg in problems)
    raise SpecError(text, problems)


def _best(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Union errors repeat for each member; keep the most specific message per node."""
    specific = [p for p in problems if "Input should be a valid dictionary" not in p[1]
                and not p[1].startswith("Field required") or p[0].count(".") == 0]
    return specific or problems


def read_profile_text(text: str, *, name: str = "<text>", known_indicators: set[str] | None = None) -> Profile:
    """A profile from YAML or JSON text (safe YAML: no tags, no objects)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{name}: not valid YAML or JSON: {exc}") from None
    try:
        return parse_profile(data, known_indicators=known_indicators)
    except SpecError as exc:
        raise SpecError(f"{name}: {exc}", exc.problems) from None


def read_profile(path: str | Path, *, known_indicators: set[str] | None = None) -> Profile:
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise SpecError(f"{path.name}: a profile file ends in .yaml, .yml or .json")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    return read_profile_text(text, name=path.name, known_indicators=known_indicators)


def dump_yaml(profile: Profile) -> str:
    """The spec as YAML, fields in the order of the model."""
    data = profile.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a profile file."""
    schema = Profile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://customs-risk-workbench.example/schema/profile.json"
    schema["title"] = "Customs risk profile"
    schema["description"] = ("A risk profile of the Customs Risk Workbench. Semantics: "
                             "docs/analysts/profile-semantics.md")
    return schema
