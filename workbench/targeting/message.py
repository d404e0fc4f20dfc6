"""The lodgement message the targeting service scores: a declaration with its items, as JSON.

Field names are the store's (``docs/analysts/export.md`` has the table). The service derives
the rest exactly as the workbench's frame does (HS6 and chapter, the item's origin falling back
to the header's, value per kg, hour and weekday of lodgement, the number of items, the
attributes of item over header). Two things come from outside the declaration:

- ``importer_trusted``: given, or else read from the bundle's trusted-trader register;
- indicator values: each item carries ``indicators: {ID: {value, flag}}`` for the indicators
  the bundle's profiles read (its manifest lists them); one not given (left out, or ``null``) is
  missing, and the decision names it.

``attrs`` and ``indicators`` may be ``null``, meaning none given.

Times are UTC; a time with an offset is converted to UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Optional

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import Required, TypedDict

MAX_ITEMS = 999
MAX_BATCH = 100_000


class MessageError(ValueError):
    """A message that cannot be scored; the text names the declaration and the field."""


_STRICT = ConfigDict(extra="forbid")
Text = Optional[str]


class IndicatorValue(TypedDict, total=False):
    __pydantic_config__ = _STRICT  # type: ignore[misc]
    value: Optional[float]
    flag: Optional[bool]


class Item(TypedDict, total=False):
    """One goods item (``item_no`` and ``hs_code`` required)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    item_no: Required[Annotated[int, Field(ge=1, le=MAX_ITEMS)]]
    hs_code: Required[Annotated[str, Field(min_length=2, max_length=10, pattern=r"^[0-9]+$")]]
    description: Text
    country_origin: Text
    quantity: Optional[float]
    quantity_unit: Text
    net_mass_kg: Optional[float]
    customs_value: Optional[float]
    customs_value_base: Optional[float]
    duty_rate: Optional[float]
    duty: Optional[float]
    preference_code: Text
    attrs: Optional[dict[str, Any]]
    indicators: Optional[dict[str, Optional[IndicatorValue]]]


class Declaration(TypedDict, total=False):
    """A declaration at lodgement (``declaration_id``, ``lodged_at`` and ``items`` required)."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]
    declaration_id: Required[Annotated[str, Field(min_length=1, max_length=200)]]
    lodged_at: Required[dt.datetime]
    direction: Text
    office_code: Text
    procedure_code: Text
    transport_mode: Text
    importer_id: Text
    exporter_id: Text
    declarant_id: Text
    carrier_id: Text
    voyage_id: Text
    bill_of_lading: Text
    container_id: Text
    country_dispatch: Text
    country_origin: Text
    currency: Text
    importer_trusted: Optional[bool]
    attrs: Optional[dict[str, Any]]
    items: Required[Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]]


_ONE = TypeAdapter(Declaration)


def _checked(decl: Declaration) -> Declaration:
    """What the schema cannot say: distinct item numbers; times in UTC."""
    seen = set()
    for n, item in enumerate(decl["items"]):
        if item["item_no"] in seen:
            raise MessageError(f"items[{n}].item_no: {item['item_no']} appears twice")
        seen.add(item["item_no"])
    lodged = decl["lodged_at"]
    if lodged.tzinfo is not None:
        decl["lodged_at"] = lodged.astimezone(dt.UTC).replace(tzinfo=None)
    return decl


def _problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
    more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
    return f"{path or 'message'}: {err['msg']}{more}"


def parse(doc: Any) -> tuple[list[Declaration], bool]:
    """The declarations of a decoded JSON body — one declaration, or {"declarations": [...]} —
    and whether it was a batch."""
    if isinstance(doc, dict) and "declarations" in doc:
        extra = set(doc) - {"declarations"}
        if extra:
            raise MessageError(f"batch: unexpected keys {sorted(extra)} beside declarations")
        batch = doc["declarations"]
        if not isinstance(batch, list) or not batch:
            raise MessageError("batch: declarations is a non-empty list of declarations")
        if len(batch) > MAX_BATCH:
            raise MessageError(f"batch: {len(batch):,} declarations, over the limit of {MAX_BATCH:,}")
        out = []
        for n, raw in enumerate(batch):
            try:
                out.append(_checked(_ONE.validate_python(raw)))
            except (ValidationError, MessageError) as exc:
                decl_id = raw.get("declaration_id") if isinstance(raw, dict) else None
                where = f"declarations[{n}]" + (f" ({decl_id})" if isinstance(decl_id, str) else "")
                text = _problem(exc) if isinstance(exc, ValidationError) else str(exc)
                raise MessageError(f"{where} {text}") from None
        return out, True
    if not isinstance(doc, dict):
        raise MessageError("message: send one declaration (an object) or {\"declarations\": [...]}")
    try:
        return [_checked(_ONE.validate_python(doc))], False
    except ValidationError as exc:
        raise MessageError(_problem(exc)) from None


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of one declaration message."""
    schema = _ONE.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Declaration at lodgement (reference targeting service)"
    return schema
