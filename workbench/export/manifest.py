"""The bundle format: its manifest, its published JSON Schema, the packed form that travels by
HTTP, and the checks a receiver makes before it trusts a bundle.

A bundle is a set of files plus ``manifest.json`` (ids, versions, approvers, the reference
date, the audit chain head and the SHA-256 of every other file) and ``manifest.sig`` (an Ed25519
signature of the manifest's exact bytes). Signing the manifest signs every file through its
hash. On disk it is a folder; over HTTP it is one JSON document, the *packed* form::

    {"bundle": "customs-risk-workbench/bundle@1", "manifest": "<manifest.json as text>",
     "signature": "<base64>", "files": {"profiles/RP-1@2.json": "<base64 of the file>", ...}}

:func:`verify_packed` is what every receiver runs (the reference targeting service does): it
says in one line what is wrong with a bad bundle and never half-accepts one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = "customs-risk-workbench/bundle"
FORMAT_VERSION = 1
PACKED = f"{FORMAT}@{FORMAT_VERSION}"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PATH = re.compile(r"^[a-z][a-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_.@-]{0,120})+$")
BUNDLE_ID = re.compile(r"^wb-[0-9]{8}-[0-9a-f]{12}$")
SHA256 = r"^[0-9a-f]{64}$"


class BundleError(ValueError):
    """A bundle that cannot be trusted or used; the message says what and where."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileEntry(_Model):
    path: str = Field(pattern=PATH.pattern, description="relative path inside the bundle")
    sha256: str = Field(pattern=SHA256)
    bytes: int = Field(ge=0)


class ProfileEntry(_Model):
    id: str
    version: int = Field(ge=1)
    status: Literal["approved", "active"]
    title: str
    risk: str
    lane: str
    control: str
    selection_pct: float
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    author: str
    approved_by: str
    approved_at: dt.datetime | None = None
    sha256: str = Field(pattern=SHA256, description="SHA-256 of the spec, as stored and approved")
    path: str = Field(pattern=PATH.pattern)
    indicators: list[str] = Field(default_factory=list, description="indicator values the profile reads")
    lists: list[str] = Field(default_factory=list, description="target lists the profile reads")


class ListEntry(_Model):
    id: str
    version: int = Field(ge=1)
    status: Literal["approved", "active"]
    kind: str
    title: str
    entries: int = Field(ge=0)
    approved_by: str
    sha256: str = Field(pattern=SHA256)
    path: str = Field(pattern=PATH.pattern)


class IndicatorContract(_Model):
    supplied_by: Literal["declaration"] = Field(
        "declaration", description="indicator values come with each declaration (docs/analysts/export.md)")
    required: list[str] = Field(default_factory=list)
    build_id: int | None = None
    path: str | None = Field(default=None, pattern=PATH.pattern)


class AuditHead(_Model):
    seq: int = Field(ge=0)
    hash: str = Field(pattern=SHA256)


class SignatureInfo(_Model):
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")


class Manifest(_Model):
    """What a bundle holds and who stands behind it."""

    format: Literal["customs-risk-workbench/bundle"] = FORMAT
    format_version: Literal[1] = FORMAT_VERSION
    bundle_id: str = Field(pattern=BUNDLE_ID.pattern)
    created_at: dt.datetime
    created_by: str
    reference_date: dt.date = Field(description="profiles and lists live on this date; reference tables as of it")
    base_currency: str = Field(pattern=r"^[A-Z]{3}$")
    selection_salt: str = Field(min_length=1, description="key of the profiles' keyed sampling: keep secret")
    audit_head: AuditHead
    profiles: list[ProfileEntry]
    lists: list[ListEntry]
    indicators: IndicatorContract
    reference: dict[str, str] = Field(default_factory=dict, description="reference table name -> path")
    adapters: list[str]
    files: list[FileEntry]
    signature: SignatureInfo


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of a bundle's manifest."""
    schema = Manifest.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://customs-risk-workbench.example/schema/bundle-manifest.json"
    schema["title"] = "Customs risk workbench export bundle (manifest)"
    schema["description"] = ("The manifest of an export bundle. Semantics and the packed form: "
                             "docs/analysts/export.md")
    return schema


def canonical(data: Any) -> bytes:
    """JSON with sorted keys and no spaces: the bytes that are hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Bundle:
    """A bundle in memory: its manifest (text and parsed), signature and files."""

    manifest: Manifest
    manifest_bytes: bytes
    signature: str
    files: dict[str, bytes]

    def packed(self) -> bytes:
        return json.dumps({"bundle": PACKED, "manifest": self.manifest_bytes.decode("utf-8"),
                           "signature": self.signature,
                           "files": {p: base64.b64encode(b).decode("ascii") for p, b in sorted(self.files.items())}},
                          separators=(",", ":")).encode("utf-8")

    def json_file(self, path: str) -> Any:
        return json.loads(self.files[path])


def unpack(data: bytes, *, max_bytes: int | None = None) -> Bundle:
    """The bundle of a packed document, its shape checked (not yet its signature)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise BundleError(f"bundle is {len(data):,} bytes, over the limit of {max_bytes:,}")
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"bundle is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("bundle") != PACKED:
        raise BundleError(f"not a packed bundle: expected \"bundle\": \"{PACKED}\"")
    extra = set(doc) - {"bundle", "manifest", "signature", "files"}
    if extra:
        raise BundleError(f"packed bundle: unexpected keys {sorted(extra)}")
    if not isinstance(doc.get("manifest"), str) or not isinstance(doc.get("signature"), str) \
            or not isinstance(doc.get("files"), dict):
        raise BundleError("packed bundle: manifest (text), signature (text) and files (object) are required")
    files = {}
    for path, text in doc["files"].items():
        if not isinstance(path, str) or not PATH.match(path) or ".." in path:
            raise BundleError(f"packed bundle: {path!r} is not a bundle file path")
        try:
            files[path] = base64.b64decode(text, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise BundleError(f"packed bundle: {path} is not base64") from None
    manifest_bytes = doc["manifest"].encode("utf-8")
    return Bundle(parse_manifest(manifest_bytes), manifest_bytes, doc["signature"], files)


def parse_manifest(text: bytes) -> Manifest:
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"manifest is not JSON: {exc}") from None
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise BundleError(f"manifest violates the bundle schema at {where}: {first['msg']}{more}") from None


def verify(bundle: Bundle, public_keys: dict[str, Any]) -> Bundle:
    """Check the signature against the trusted keys, every file against its hash, and that the
    profiles and lists read as specs. Returns the bundle, or raises :class:`BundleError`."""
    from workbench.export.keys import verify as verify_signature
    from workbench.profiles.spec import SpecError, parse_profile
    from workbench.profiles.targets import parse_list

    m = bundle.manifest
    key = public_keys.get(m.signature.key_id)
    if key is None:
        raise BundleError(f"bundle {m.bundle_id} is signed by key {m.signature.key_id}, which this receiver "
                          "does not trust")
    if not verify_signature(key, bundle.signature, bundle.manifest_bytes):
        raise BundleError(f"bundle {m.bundle_id}: bad signature (the manifest was changed or signed by another key)")
    listed = {f.path: f for f in m.files}
    missing = sorted(set(listed) - set(bundle.files))
    unlisted = sorted(set(bundle.files) - set(listed))
    if missing:
        raise BundleError(f"bundle {m.bundle_id}: file {missing[0]} is in the manifest but missing")
    if unlisted:
        raise BundleError(f"bundle {m.bundle_id}: file {unlisted[0]} is not in the manifest")
    for path, entry in listed.items():
        data = bundle.files[path]
        if len(data) != entry.bytes or sha256(data) != entry.sha256:
            raise BundleError(f"bundle {m.bundle_id}: {path} does not match its SHA-256 in the manifest (tampered)")
    for p in m.profiles:
        try:
            spec = parse_profile(json.loads(bundle.files[p.path]))
        except (KeyError, json.JSONDecodeError, SpecError) as exc:
            raise BundleError(f"bundle {m.bundle_id}: profile {p.id} v{p.version} ({p.path}) is not a valid spec: "
                              f"{exc}") from None
        if spec.id != p.id or spec.sha256() != p.sha256:
            raise BundleError(f"bundle {m.bundle_id}: {p.path} is not the approved spec of {p.id} v{p.version}")
    for tl in m.lists:
        try:
            parsed = parse_list(json.loads(bundle.files[tl.path]), tl.path)
        except (KeyError, json.JSONDecodeError, ValueError) as exc:
            raise BundleError(f"bundle {m.bundle_id}: list {tl.id} ({tl.path}) is not a valid target list: "
                              f"{exc}") from None
        if parsed.id != tl.id or parsed.sha256() != tl.sha256:
            raise BundleError(f"bundle {m.bundle_id}: {tl.path} is not the approved content of {tl.id} v{tl.version}")
    return bundle


def verify_packed(data: bytes, public_keys: dict[str, Any], *, max_bytes: int | None = None) -> Bundle:
    """Unpack and verify a packed bundle (what a receiver runs on a request body)."""
    return verify(unpack(data, max_bytes=max_bytes), public_keys)


def read_folder(folder: str | Path) -> Bundle:
    """A bundle from its folder form (manifest.json, manifest.sig and the files it lists)."""
    folder = Path(folder)
    try:
        manifest_bytes = (folder / MANIFEST).read_bytes()
        signature = (folder / SIGNATURE).read_text().strip()
    except FileNotFoundError as exc:
        raise BundleError(f"{folder} is not a bundle: {Path(exc.filename).name} is missing") from None
    manifest = parse_manifest(manifest_bytes)
    files = {}
    for path in sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()):
        if path not in (MANIFEST, SIGNATURE):
            files[path] = (folder / path).read_bytes()
    return Bundle(manifest, manifest_bytes, signature, files)


def public_keys_from(paths: list[str | Path]) -> dict[str, Any]:
    """key id -> public key, for the receiver's trusted keys."""
    from workbench.export.keys import key_id, load_public_key

    keys = {}
    for path in paths:
        key = load_public_key(path)
        keys[key_id(key)] = key
    return keys
