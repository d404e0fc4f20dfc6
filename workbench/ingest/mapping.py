"""The mapping format: how one source layout becomes canonical tables.

A mapping is YAML (read with ``yaml.safe_load``) checked against :class:`Mapping`; its JSON
Schema is published by ``workbench load schema``. The transforms form a closed set — there is
no free SQL — and every value in a mapping reaches the database as a bound parameter.
See docs/analysts/mappings.md for the full format and a worked example.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

FORMAT = "workbench-mapping/1"

Scalar = str | int | float | bool


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """One file read by the mapping."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")] = "main"
    path: str | None = Field(
        None, description="File inside the folder given to `workbench load`; omit when the load "
        "path is the file itself (single source). Relative, no '..'.")
    format: Literal["csv", "parquet", "excel"] | None = Field(
        None, description="Inferred from the file extension when omitted.")
    encoding: str = Field("utf-8", description="Text encoding of a CSV file (any Python codec name).")
    delimiter: str = Field(",", min_length=1, max_length=1)
    quote: str = Field('"', min_length=1, max_length=1)
    header: bool = Field(True, description="Whether the first row names the columns.")
    columns: list[str] | None = Field(None, description="Column names when header is false.")
    null_tokens: list[str] = Field(default_factory=lambda: [""], description="Text read as missing.")
    sheet: str | None = Field(None, description="Excel sheet (default: the first).")
    skip_rows: int = Field(0, ge=0, description="Lines before the header (or data) to skip.")

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        if value is None:
            return value
        p = PurePosixPath(value.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or not p.parts:
            raise ValueError("must be a relative path inside the load folder, without '..'")
        return str(p)

    @model_validator(mode="after")
    def _names_without_header(self) -> Source:
        if not self.header and not self.columns:
            raise ValueError("a source without header needs `columns` (the column names in order)")
        return self


class Join(_Strict):
    """Attach another source to the primary one by key."""

    source: str
    on: dict[str, str] = Field(description="primary column: column of the joined source")
    collect: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="new column: column of the joined source (or several, joined with ', '), "
        "gathered as a list (one-to-many)")
    take: dict[str, str] = Field(
        default_factory=dict,
        description="new column: column of the joined source, one value (one-to-one)")
    required: bool = Field(
        True, description="With `take`: a primary row without a match is rejected.")

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        # YAML 1.1 reads a bare `on:` key as the boolean true
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _something(self) -> Join:
        if not self.collect and not self.take:
            raise ValueError("a join needs `collect` or `take`")
        if not self.on:
            raise ValueError("a join needs `on`")
        return self


class Split(_Strict):
    sep: str = Field(min_length=1)
    index: int | None = Field(None, description="Part to keep (0-based); omit to keep all as a list.")


class Pad(_Strict):
    width: int = Field(ge=1, le=20)
    char: str = Field("0", min_length=1, max_length=1)


class Unit(_Strict):
    """Convert a quantity to the canonical unit of its dimension (kg, units, litres)."""

    unit: str | None = Field(None, description="The unit of every value, e.g. 'lb'.")
    unit_column: str | None = Field(None, description="Source column holding each row's unit.")

    @model_validator(mode="after")
    def _one(self) -> Unit:
        if (self.unit is None) == (self.unit_column is None):
            raise ValueError("give exactly one of `unit` or `unit_column`")
        return self


class Column(_Strict):
    """How one canonical column is made. Steps apply in the order of the fields below."""

    from_: str | None = Field(None, alias="from", description="Source column (rename).")
    const: Scalar | None = Field(None, description="A constant value.")
    concat: list[str] | None = Field(None, description="Source columns joined by `sep`.")
    sep: str = " "
    split: Split | None = None
    strip: bool = True
    case: Literal["upper", "lower"] | None = None
    pad: Pad | None = Field(None, description="Left-pad codes that lost their leading zeros.")
    map: dict[str, Scalar | None] | None = Field(None, description="Code translation table.")
    unmapped: Literal["keep", "null", "reject"] = Field(
        "reject", description="What a code missing from `map` becomes.")
    default: Scalar | None = Field(None, description="Value used where the result is empty.")
    format: str | None = Field(None, description="strptime format for dates and timestamps.")
    true_values: list[str] = Field(default_factory=lambda: ["true", "t", "yes", "y", "1"])
    false_values: list[str] = Field(default_factory=lambda: ["false", "f", "no", "n", "0"])
    multiply: float | None = Field(None, description="Scale a number (e.g. 0.01 for cents).")
    unit: Unit | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"from": data}
        return data

    @model_validator(mode="after")
    def _one_origin(self) -> Column:
        origins = [x is not None for x in (self.from_, self.const, self.concat)]
        if sum(origins) != 1:
            raise ValueError("give exactly one of `from`, `const` or `concat`")
        return self

    def source_columns(self) -> list[str]:
        cols = [self.from_] if self.from_ else list(self.concat or [])
        if self.unit and self.unit.unit_column:
            cols.append(self.unit.unit_column)
        return cols


class Target(_Strict):
    """One canonical table fed from each source row (a flat row may feed several)."""

    table: Literal[
        "declaration", "declaration_item", "party", "party_link", "voyage", "inspection",
        "intel_report", "watchlist_entry", "country", "hs_code", "exchange_rate",
    ]
    name: str | None = Field(None, description="Label when one table is fed twice (importer, exporter).")
    columns: dict[str, Column | str] = Field(
        description="canonical column: a source column name, or a column spec")
    when: str | None = Field(None, description="Source column: feed this table only where it is not empty.")
    on_conflict: Literal["reject", "first", "last"] = Field(
        "reject", description="Same key with different values in one load: reject all its rows, or keep the first/last row.")
    keep_attributes: bool | None = Field(
        None, description="Keep unmapped source columns in `attrs` (default: on the first target only).")

    @field_validator("columns", mode="after")
    @classmethod
    def _expand(cls, columns: dict[str, Column | str]) -> dict[str, Column]:
        return {k: Column.model_validate({"from": v}) if isinstance(v, str) else v for k, v in columns.items()}

    @property
    def label(self) -> str:
        return self.name or self.table


class Mapping(_Strict):
    """A whole mapping file."""

    format: Literal["workbench-mapping/1"] = FORMAT
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    version: str = Field(description="Version of this mapping, recorded with every load.")
    source_id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,15}$")] = Field(
        description="Prefix of natural keys: 'nzcs' makes declaration 123 into 'nzcs:123'.")
    description: str | None = None
    sources: list[Source] = Field(min_length=1, description="The first source is the primary one.")
    joins: list[Join] = Field(default_factory=list)
    targets: list[Target] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Mapping:
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError(f"source names must be unique: {names}")
        if len(self.sources) > 1 and any(s.path is None for s in self.sources):
            raise ValueError("with several sources, every source needs a `path`")
        for join in self.joins:
            if join.source not in names[1:]:
                raise ValueError(f"join source {join.source!r} is not one of the secondary sources {names[1:]}")
        labels = [t.label for t in self.targets]
        if len(set(labels)) != len(labels):
            raise ValueError(f"targets feeding the same table need distinct `name`s: {labels}")
        return self

    @property
    def primary(self) -> Source:
        return self.sources[0]


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of the mapping format."""
    schema = Mapping.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://customs-risk-workbench.invalid/schema/mapping-1.json"
    return schema


def _describe(err: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    return f"{where}: {err['msg']}"


def parse_mapping(text: str, origin: str = "mapping") -> Mapping:
    """Parse and check mapping text; errors name the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{origin} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise MappingError(f"{origin} must be a YAML mapping with format, name, sources and targets")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors()[:5])
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise MappingError(f"{origin}: {problems}{more}") from None


def read_mapping(path: str | Path) -> tuple[Mapping, str]:
    """Read a mapping file; returns the model and the exact text (kept with each load)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"mapping file not found: {path}") from None
    except UnicodeDecodeError:
        raise MappingError(f"mapping file {path} is not UTF-8 text") from None
    return parse_mapping(text, origin=f"mapping {path.name}"), text


def mapping_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
