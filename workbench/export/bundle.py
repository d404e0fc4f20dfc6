"""Make a bundle: gather what goes out, write it through the adapters, sign the manifest, keep
the packed bundle in the store and record the export in the audit log.

The bundle id is ``wb-<reference date>-<digest>``, the digest covering every file, the formats
and the signing key: exporting the same approved content again gives the same bundle (the one
kept in the store, byte for byte), so a receiver that has it already takes nothing new. Every
export — new or the same again — is an entry in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from workbench.export import adapters as adapter_registry
from workbench.export.content import Content, ExportError, gather
from workbench.export.keys import key_id, load_private_key, sign
from workbench.export.manifest import (Bundle, FileEntry, IndicatorContract, ListEntry, Manifest, ProfileEntry,
                                       SignatureInfo, AuditHead, canonical, sha256, unpack)
from workbench.identity import current_user
from workbench.store import audit
from workbench.store.connection import transaction
from workbench.store.sql import one

DEFAULT_FORMATS = ("json",)


@dataclass
class ExportResult:
    bundle: Bundle
    created: bool                         # False: the same content was exported before
    notes: list[str] = field(default_factory=list)

    @property
    def bundle_id(self) -> str:
        return self.bundle.manifest.bundle_id

    def rules_report(self) -> dict[str, Any] | None:
        return self.bundle.json_file("rules/report.json") if "rules/report.json" in self.bundle.files else None


def _formats(formats: list[str] | tuple[str, ...]) -> list[str]:
    chosen = ["json"] + [f for f in formats if f != "json"]
    for name in chosen:
        adapter_registry.get(name)
    return list(dict.fromkeys(chosen))


def bundle_files(content: Content, formats: list[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in formats:
        written = adapter_registry.get(name).write(content)
        clash = set(written) & set(files)
        if clash:
            raise ExportError(f"adapter {name} writes {sorted(clash)[0]}, which another adapter wrote")
        files.update(written)
    return files


def _profile_entry(profile, row: dict[str, Any]) -> ProfileEntry:
    return ProfileEntry(
        id=profile.id, version=row["version"], status=row["status"], title=profile.title, risk=profile.risk,
        lane=profile.treatment.lane, control=profile.treatment.control, selection_pct=profile.treatment.selection_pct,
        valid_from=row["valid_from"], valid_to=row["valid_to"], author=row["author"],
        approved_by=row["approved_by"] or "", approved_at=row["approved_at"], sha256=row["spec_sha256"],
        path=adapter_registry.profile_path(profile.id, row["version"]),
        indicators=sorted(profile.indicators_used()), lists=sorted(profile.lists_used()))


def _list_entry(tl, row: dict[str, Any]) -> ListEntry:
    return ListEntry(id=tl.id, version=row["version"], status=row["status"], kind=tl.kind, title=tl.title,
                     entries=len(tl.entries), approved_by=row["approved_by"] or "", sha256=row["content_sha256"],
                     path=adapter_registry.list_path(tl.id, row["version"]))


def make_bundle(con: duckdb.DuckDBPyConnection, *, signing_key: str | Path, reference_date: dt.date | None = None,
                formats: list[str] | tuple[str, ...] = DEFAULT_FORMATS, actor: str | None = None,
                reason: str | None = None) -> ExportResult:
    """Build, sign and keep the bundle of the profiles and lists live on ``reference_date``."""
    actor = actor or current_user()
    reference_date = reference_date or dt.date.today()
    formats = _formats(formats)
    private_key = load_private_key(signing_key)
    kid = key_id(private_key.public_key())
    content = gather(con, reference_date)
    for profile, row in content.profiles:
        if row["spec_sha256"] != profile.sha256():
            raise ExportError(f"profile {profile.id} v{row['version']}: its stored spec no longer matches the hash "
                              "it was approved with (run `workbench audit verify`); nothing exported")
    for tl, row in content.lists:
        if row["content_sha256"] != tl.sha256():
            raise ExportError(f"target list {tl.id} v{row['version']}: its entries no longer match the hash it was "
                              "approved with; nothing exported")
    files = bundle_files(content, formats)
    digest = sha256(canonical({"reference_date": reference_date, "formats": formats, "key_id": kid,
                               "salt": sha256(content.selection_salt.encode()),
                               "files": {p: sha256(b) for p, b in sorted(files.items())}}))
    bundle_id = f"wb-{reference_date:%Y%m%d}-{digest[:12]}"
    details = {"bundle_id": bundle_id, "reference_date": reference_date.isoformat(), "formats": formats,
               "profiles": [f"{p.id}@{r['version']}" for p, r in content.profiles],
               "lists": [f"{t.id}@{r['version']}" for t, r in content.lists], "key_id": kid}
    kept = one(con, "select packed from export_bundle where bundle_id = ?", [bundle_id])
    if kept is not None:
        with transaction(con):
            audit.record(con, actor=actor, action="export.bundle", object_type="export_bundle", object_id=bundle_id,
                         reason=reason or "exported again (unchanged)", details={**details, "unchanged": True})
        return ExportResult(unpack(bytes(kept[0])), created=False, notes=content.notes)

    seq, head_hash = audit.head(con)
    manifest = Manifest(
        bundle_id=bundle_id, created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        created_by=actor, reference_date=reference_date, base_currency=content.base_currency,
        selection_salt=content.selection_salt, audit_head=AuditHead(seq=seq, hash=head_hash),
        profiles=[_profile_entry(p, r) for p, r in content.profiles],
        lists=[_list_entry(t, r) for t, r in content.lists],
        indicators=IndicatorContract(required=content.indicators, build_id=content.contract.get("build_id"),
                                     path=adapter_registry.REFERENCE_FILES["indicators"]),
        reference={name: path for name, path in adapter_registry.REFERENCE_FILES.items() if path in files},
        adapters=formats,
        files=[FileEntry(path=p, sha256=sha256(b), bytes=len(b)) for p, b in sorted(files.items())],
        signature=SignatureInfo(key_id=kid))
    manifest_bytes = (manifest.model_dump_json(indent=2) + "\n").encode("utf-8")
    bundle = Bundle(manifest, manifest_bytes, sign(private_key, manifest_bytes), files)
    packed = bundle.packed()
    with transaction(con):
        con.execute("insert into export_bundle values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [bundle_id, manifest.created_at, actor, reference_date, formats, details["profiles"],
                     details["lists"], kid, sha256(manifest_bytes), seq, packed])
        audit.record(con, actor=actor, action="export.bundle", object_type="export_bundle", object_id=bundle_id,
                     reason=reason or "export", details={**details, "manifest_sha256": sha256(manifest_bytes),
                                                         "audit_head_seq": seq})
    return ExportResult(bundle, created=True, notes=content.notes)


def stored_bundle(con: duckdb.DuckDBPyConnection, bundle_id: str) -> Bundle:
    kept = one(con, "select packed from export_bundle where bundle_id = ?", [bundle_id])
    if kept is None:
        raise ExportError(f"no bundle {bundle_id} in the store (see `workbench export status`)")
    return unpack(bytes(kept[0]))
