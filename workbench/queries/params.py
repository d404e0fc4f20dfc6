"""Typed, described parameters: what a query or an indicator accepts, checked before it is bound.

A value from a command line, a widget or a file arrives as text or as a Python value; it is
turned into its declared type here and then travels to DuckDB as a bound parameter, never as
SQL text.

>>> p = Param("since", "date", "First lodgement day.", default=None)
>>> p.coerce("2024-01-31")
datetime.date(2024, 1, 31)
>>> Param("codes", "string[]", "HS codes.").coerce("640399, 640411")
['640399', '640411']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TYPES = ("string", "integer", "number", "boolean", "date", "timestamp", "string[]", "number[]")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


class ParamError(ValueError):
    """A parameter value that does not fit its declaration."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    """One parameter: name, type (one of :data:`TYPES`), what it means and its default."""

    name: str
    type: str
    description: str
    default: Any = REQUIRED
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ParamError(f"parameter {self.name}: unknown type {self.type!r} (one of {', '.join(TYPES)})")
        if self.default is not REQUIRED and self.default is not None:
            object.__setattr__(self, "default", self.coerce(self.default))

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def coerce(self, value: Any) -> Any:
        """``value`` as this parameter's type; ``None`` stays ``None``."""
        if value is None:
            return None
        try:
            out = _COERCE[self.type](value)
        except (TypeError, ValueError) as exc:
            raise ParamError(f"parameter {self.name}: {value!r} is not a valid {self.type} ({exc})") from None
        if self.choices is not None and out not in self.choices:
            raise ParamError(f"parameter {self.name}: {out!r} is not one of {', '.join(map(str, self.choices))}")
        for item in out if isinstance(out, list) else [out]:
            if isinstance(item, int | float) and not isinstance(item, bool):
                if self.minimum is not None and item < self.minimum:
                    raise ParamError(f"parameter {self.name}: {item} is below the minimum {self.minimum}")
                if self.maximum is not None and item > self.maximum:
                    raise ParamError(f"parameter {self.name}: {item} is above the maximum {self.maximum}")
        return out

    def describe(self) -> dict[str, Any]:
        """The declaration as plain data (for --json and the docs)."""
        out: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description,
                               "required": self.required}
        if not self.required:
            out["default"] = _plain(self.default)
        if self.choices is not None:
            out["choices"] = list(self.choices)
        return out


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("use true or false")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("not a whole number")
    return int(str(value).strip()) if isinstance(value, str) else int(value)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return float(str(value).strip()) if isinstance(value, str) else float(value)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return dt.datetime.fromisoformat(str(value).strip()).replace(tzinfo=None)


def _items(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Iterable):
        return list(value)
    raise ValueError("expected a list")


_COERCE = {
    "string": lambda v: v if isinstance(v, str) else str(v),
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "timestamp": _timestamp,
    "string[]": lambda v: [str(x) for x in _items(v)],
    "number[]": lambda v: [_number(x) for x in _items(v)],
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def bind(declared: Iterable[Param], given: Mapping[str, Any] | None, *, what: str) -> dict[str, Any]:
    """Values for every declared parameter: given ones coerced, the rest their defaults.

    Unknown names and missing required ones raise :class:`ParamError` naming ``what``.
    """
    declared = list(declared)
    given = dict(given or {})
    names = {p.name for p in declared}
    unknown = sorted(set(given) - names)
    if unknown:
        known = ", ".join(sorted(names)) or "none"
        raise ParamError(f"{what}: unknown parameter {', '.join(unknown)} (known: {known})")
    out: dict[str, Any] = {}
    for p in declared:
        if p.name in given:
            out[p.name] = p.coerce(given[p.name])
        elif p.required:
            raise ParamError(f"{what}: parameter {p.name} is required ({p.description})")
        else:
            out[p.name] = p.default
    return out
