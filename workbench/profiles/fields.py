"""The fields a profile's criteria may look at, and where each one lives in the evaluation frame.

A profile never names a table or a column: it names a *field* of one of four families.

- ``declaration.*`` — the declaration header as first lodged (and a few things derived from it:
  the hour and weekday of lodgement, whether the importer was a trusted trader at the time);
- ``item.*`` — the goods item (HS code and its 6- and 2-digit cuts, description, values, mass…);
- ``attr.NAME`` — a source attribute the mapping kept unmapped (the item's, else the header's),
  read as text, or as a number when the comparison is numeric;
- ``indicator.FAMILY.NAME`` — an indicator's value from the latest indicator build, and
  ``indicator.FAMILY.NAME.flag`` — whether it fired.

Every field has a type, and the frame (:mod:`workbench.profiles.frame`) holds one column per
field, named exactly as the field (``"item.hs_code"``). So the compiler turns a field into a
quoted column name and nothing else: no value of a spec ever becomes SQL text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

TYPES = ("text", "number", "boolean")

NUMBER_PATTERN = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
"""How an attribute's text reads as a number (anything else is a missing number). The SQL and
the Python evaluator both use this very pattern, so they agree on every string."""

ATTR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .-]{0,63}$")
INDICATOR_FIELD = re.compile(r"^indicator\.([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)(\.flag)?$")


@dataclass(frozen=True)
class Field:
    """One field of the frame."""

    name: str            # as written in a spec, and the frame's column name
    type: str            # 'text' | 'number' | 'boolean'
    description: str
    source: str = ""     # the frame builder's expression (fixed text of the package, never user input)

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]


def _f(name: str, type_: str, description: str, source: str) -> Field:
    return Field(name, type_, description, source)


# Expressions over the builder's aliases: d (declaration as first lodged), i (item), p (importer
# as known at lodgement).
DECLARATION_FIELDS = (
    _f("declaration.office_code", "text", "customs office of lodgement", "d.office_code"),
    _f("declaration.direction", "text", "import, export or transit", "d.direction"),
    _f("declaration.procedure_code", "text", "customs procedure code", "d.procedure_code"),
    _f("declaration.transport_mode", "text", "sea, air, road, rail or post", "d.transport_mode"),
    _f("declaration.importer_id", "text", "importer (party id)", "d.importer_id"),
    _f("declaration.exporter_id", "text", "exporter or seller (party id)", "d.exporter_id"),
    _f("declaration.declarant_id", "text", "declarant or broker (party id)", "d.declarant_id"),
    _f("declaration.carrier_id", "text", "carrier (party id)", "d.carrier_id"),
    _f("declaration.voyage_id", "text", "voyage or flight", "d.voyage_id"),
    _f("declaration.bill_of_lading", "text", "bill of lading or air waybill", "d.bill_of_lading"),
    _f("declaration.container_id", "text", "container number", "d.container_id"),
    _f("declaration.country_dispatch", "text", "country of dispatch (ISO alpha-2)", "d.country_dispatch"),
    _f("declaration.country_origin", "text", "country of origin on the header", "d.country_origin"),
    _f("declaration.currency", "text", "invoice currency", "d.currency"),
    _f("declaration.lodged_hour", "number", "hour of lodgement, 0-23 (UTC)", "hour(d.lodged_at)::DOUBLE"),
    _f("declaration.lodged_weekday", "number", "ISO weekday of lodgement, 1 = Monday",
       "isodow(d.lodged_at)::DOUBLE"),
    _f("declaration.importer_trusted", "boolean", "importer was a trusted trader (AEO) when lodged",
       "p.trusted_trader"),
    _f("declaration.items", "number", "number of items on the declaration", "(count(*) OVER (PARTITION BY d.declaration_id))::DOUBLE"),
)

ITEM_FIELDS = (
    _f("item.item_no", "number", "item number on the declaration", "i.item_no::DOUBLE"),
    _f("item.hs_code", "text", "commodity code as declared", "i.hs_code"),
    _f("item.hs6", "text", "first six digits of the commodity code", "left(i.hs_code, 6)"),
    _f("item.hs_chapter", "text", "first two digits of the commodity code", "left(i.hs_code, 2)"),
    _f("item.description", "text", "goods description", "i.description"),
    _f("item.country_origin", "text", "item origin (the header's when the item gives none)",
       "coalesce(i.country_origin, d.country_origin)"),
    _f("item.quantity", "number", "quantity in the declared unit", "i.quantity"),
    _f("item.quantity_unit", "text", "declared quantity unit", "i.quantity_unit"),
    _f("item.net_mass_kg", "number", "net mass in kg", "i.net_mass_kg"),
    _f("item.customs_value", "number", "customs value in the invoice currency", "i.customs_value"),
    _f("item.customs_value_base", "number", "customs value in the store's base currency", "i.customs_value_base"),
    _f("item.value_per_kg", "number", "customs value (base currency) per kg",
       "i.customs_value_base / nullif(i.net_mass_kg, 0)"),
    _f("item.duty_rate", "number", "duty rate applied, 0.05 = 5 %", "i.duty_rate"),
    _f("item.duty", "number", "duty declared", "i.duty"),
    _f("item.preference_code", "text", "tariff preference claimed", "i.preference_code"),
)

STATIC_FIELDS: dict[str, Field] = {f.name: f for f in DECLARATION_FIELDS + ITEM_FIELDS}


class FieldError(ValueError):
    """A field name a profile may not use."""


def indicator_field(name: str) -> Field:
    """The field for ``indicator.ID`` (its value, a number) or ``indicator.ID.flag`` (boolean)."""
    m = INDICATOR_FIELD.match(name)
    if not m:
        raise FieldError(f"{name!r} is not an indicator field: write indicator.FAMILY.NAME or indicator.FAMILY.NAME.flag")
    if m.group(2):
        return Field(name, "boolean", f"whether indicator {m.group(1)} fired")
    return Field(name, "number", f"value of indicator {m.group(1)}")


def attr_field(name: str) -> Field:
    attr = name.split(".", 1)[1] if "." in name else ""
    if not ATTR_NAME.match(attr):
        raise FieldError(f"{name!r}: an attribute name is 1-64 letters, digits, spaces, '_', '.' or '-'")
    return Field(name, "text", f"source attribute {attr!r}")


def resolve(name: str, known_indicators: set[str] | None = None) -> Field:
    """The field a spec names, or :class:`FieldError` saying what is wrong (with a suggestion)."""
    if not isinstance(name, str):
        raise FieldError("a field name is text such as item.hs_code")
    if name in STATIC_FIELDS:
        return STATIC_FIELDS[name]
    family = name.split(".", 1)[0]
    if family == "attr":
        return attr_field(name)
    if family == "indicator":
        field = indicator_field(name)
        ind = INDICATOR_FIELD.match(name).group(1)
        if known_indicators is not None and ind not in known_indicators:
            close = difflib.get_close_matches(ind, sorted(known_indicators), n=1)
            hint = f" (did you mean indicator.{close[0]}?)" if close else ""
            raise FieldError(f"no indicator {ind!r} in the catalogue{hint}")
        return field
    if family in ("declaration", "item"):
        close = difflib.get_close_matches(name, sorted(STATIC_FIELDS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise FieldError(f"unknown field {name!r}{hint}")
    raise FieldError(f"unknown field {name!r}: fields start with declaration., item., attr. or indicator.")


def attr_name(field: str) -> str:
    return field.split(".", 1)[1]


def indicator_id(field: str) -> tuple[str, bool]:
    """(indicator id, whether the flag is meant) of an indicator field."""
    m = INDICATOR_FIELD.match(field)
    if not m:
        raise FieldError(f"{field!r} is not an indicator field")
    return m.group(1), bool(m.group(2))


def all_fields() -> list[Field]:
    """The fixed fields, for documentation and the schema."""
    return list(STATIC_FIELDS.values())


_COLUMN = re.compile(r"^(declaration|item|indicator)(\.[a-z][a-z0-9_]*){1,3}$")


def column(name: str) -> str:
    """The frame column of a (non-attribute) field, quoted, after checking the name twice: it
    must resolve to a field, and it must look like one."""
    field = resolve(name)
    if field.family == "attr" or not _COLUMN.match(name):
        raise FieldError(f"{name!r} has no column of its own")
    return '"' + name + '"'
