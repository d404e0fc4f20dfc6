"""Target lists: consignments, traders, containers and bills of lading an operation targets
(and code lists that profiles use with ``in_list``), each entry with its reason and validity,
under the same lifecycle and audit as profiles.

A list file (YAML or JSON)::

    id: TL-OP-SUNRISE
    title: Traders of operation Sunrise
    kind: trader
    operation: OP SUNRISE
    risk: R-REV-01
    validity: {from: 2026-01-01, to: 2026-12-31}
    entries:
      - {value: "synth:P000123", reason: "intelligence report IR-77, B2"}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from workbench.identity import current_user
from workbench.profiles.lifecycle import TARGET_LISTS
from workbench.profiles.spec import LIST_ID, SpecError, Validity, _loc, _Model

KINDS = ("consignment", "trader", "container", "bill_of_lading", "code")
FIELD_OF_KIND = {"consignment": "declaration_id", "trader": "declaration.importer_id",
                 "container": "declaration.container_id", "bill_of_lading": "declaration.bill_of_lading",
                 "code": None}
"""The field a list of each kind is usually matched on (a profile names its field itself)."""
MAX_ENTRIES = 100_000


class Entry(_Model):
    value: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=3, max_length=2000)
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Entry:
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError(f"entry {self.value!r} ends ({self.to}) before it starts ({self.from_})")
        return self


class TargetList(_Model):
    id: str
    title: str = Field(min_length=3, max_length=200)
    kind: Literal["consignment", "trader", "container", "bill_of_lading", "code"]
    operation: str | None = None
    risk: str | None = None
    validity: Validity = Validity()
    review_on: dt.date | None = None
    marking: str = "OFFICIAL-SENSITIVE"
    entries: list[Entry] = Field(min_length=1, max_length=MAX_ENTRIES)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not LIST_ID.match(value):
            raise ValueError("use 2-48 capitals, digits, '_', '.' or '-', starting with a capital or digit")
        return value

    @model_validator(mode="after")
    def _unique(self) -> TargetList:
        seen: set[str] = set()
        for n, e in enumerate(self.entries):
            if e.value in seen:
                raise ValueError(f"entries[{n}]: {e.value!r} is listed twice")
            seen.add(e.value)
        return self

    def content(self) -> dict[str, Any]:
        """As plain data, entries in value order (what is hashed, stored and exported)."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["entries"] = sorted(data["entries"], key=lambda e: e["value"])
        return data

    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.content(), sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def parse_list(data: Any, name: str = "<list>") -> TargetList:
    if not isinstance(data, dict):
        raise SpecError(f"{name}: a target list is a mapping (id, title, kind, entries, ...)")
    try:
        return TargetList.model_validate(data)
    except ValidationError as exc:
        problems = [(_loc(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
        raise SpecError(f"{name}: " + "; ".join(f"{loc}: {msg}" for loc, msg in problems), problems) from None


def read_list(path: str | Path) -> TargetList:
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise SpecError(f"{path.name}: a target list file ends in .yaml, .yml or .json")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path.name}: not valid YAML or JSON: {exc}") from None
    return parse_list(data, path.name)


def save_list(con: duckdb.DuckDBPyConnection, tl: TargetList, *, actor: str | None = None,
              reason: str | None = None) -> tuple[int, str]:
    """Store a list as a draft version (or update the current draft)."""
    actor = actor or current_user()
    digest = tl.sha256()

    def write(version: int, life: dict[str, Any] | None) -> None:
        values = {"kind": tl.kind, "title": tl.title, "operation": tl.operation, "risk_id": tl.risk,
                  "valid_from": tl.validity.from_, "valid_to": tl.validity.to, "review_on": tl.review_on,
                  "marking": tl.marking, "content_sha256": digest}
        if life is None:
            sets = ", ".join(f"{k} = ?" for k in values)
            con.execute(f"update target_list_version set {sets} where list_id = ? and version = ?",
                        [*values.values(), tl.id, version])
            con.execute("delete from target_list_entry where list_id = ? and version = ?", [tl.id, version])
        else:
            values = {"list_id": tl.id, "version": version, **values, **life}
            con.execute(f"insert into target_list_version ({', '.join(values)}) "
                        f"values ({', '.join('?' for _ in values)})", list(values.values()))
        con.executemany("insert into target_list_entry values (?, ?, ?, ?, ?, ?)",
                        [[tl.id, version, e.value, e.reason, e.from_, e.to] for e in tl.entries])

    return TARGET_LISTS.save(con, tl.id, digest, actor, write=write,
                             details={"title": tl.title, "kind": tl.kind, "entries": len(tl.entries)}, reason=reason)


def get_list(con: duckdb.DuckDBPyConnection, list_id: str, version: int | None = None) -> tuple[TargetList, dict[str, Any]]:
    row = TARGET_LISTS.get(con, list_id, version)
    return stored_list(con, row), row


def stored_list(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> TargetList:
    entries = [{"value": v, "reason": r, "from": f, "to": t} for v, r, f, t in con.execute(
        "select value, reason, valid_from, valid_to from target_list_entry where list_id = ? and version = ? "
        "order by value", [row["list_id"], row["version"]]).fetchall()]
    data = {"id": row["list_id"], "title": row["title"], "kind": row["kind"], "operation": row["operation"],
            "risk": row["risk_id"], "validity": {"from": row["valid_from"], "to": row["valid_to"]},
            "review_on": row["review_on"], "marking": row["marking"],
            "entries": [{k: v for k, v in e.items() if v is not None} for e in entries]}
    return TargetList.model_validate({k: v for k, v in data.items() if v is not None})


def transition(con: duckdb.DuckDBPyConnection, action: str, list_id: str, *, version: int | None = None,
               reason: str, actor: str | None = None, today: dt.date | None = None) -> dict[str, Any]:
    return TARGET_LISTS.move(con, list_id, version, action, actor or current_user(), reason, today=today)


def list_lists(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cur = con.execute("""
        select l.list_id, l.version, l.status, l.kind, l.title, l.operation, l.valid_from, l.valid_to,
               l.review_on, l.author, l.approved_by, count(e.value) as entries
        from target_list_version l left join target_list_entry e using (list_id, version)
        where l.version = (select max(version) from target_list_version v where v.list_id = l.list_id)
           or l.status = 'active'
        group by all order by l.list_id, l.version""")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def tampered_lists(con: duckdb.DuckDBPyConnection) -> list[str]:
    def digest(row: dict[str, Any]) -> str:
        try:
            return stored_list(con, row).sha256()
        except ValidationError:
            return "unreadable"
    return TARGET_LISTS.tampered(con, digest)
