"""Put a bundle where a targeting system takes it: into a folder, or by HTTP POST.

**Folder.** The bundle is written, file by file, into a hidden sibling folder
(``.<bundle id>.partial-<pid>``), flushed to disk, and only then renamed to ``<bundle id>/``.
A rename within one file system is atomic, so a reader that lists the folder sees either no
bundle or the whole of it — even when the export is killed half way; leftovers of a killed
export are hidden, and removed by the next delivery to that folder. Delivering a bundle that is
there already changes nothing.

**HTTP.** One POST of the packed bundle with ``Authorization: Bearer <token>`` and
``Idempotency-Key: <bundle id>``: a receiver that already has the bundle answers so, and keeps
one copy. Connection failures, timeouts, 429 and 5xx answers are worth retrying; any other 4xx
is the receiver refusing the bundle, and is not retried.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from workbench.export.manifest import MANIFEST, SIGNATURE, Bundle, read_folder, sha256

TIMEOUT = 30.0


@dataclass
class Outcome:
    ok: bool
    retry: bool          # worth trying again later (only when not ok)
    detail: str          # where it went, or what went wrong, in one line


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sweep(folder: Path, bundle_id: str) -> None:
    """Remove partial folders of this bundle left by exports that died."""
    for stale in folder.glob(f".{bundle_id}.partial-*"):
        try:
            pid = int(stale.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if not _pid_alive(pid):
            shutil.rmtree(stale, ignore_errors=True)


def to_folder(bundle: Bundle, folder: str | Path) -> Outcome:
    """Write ``bundle`` as ``folder/<bundle id>/``, atomically and idempotently."""
    folder = Path(folder).expanduser()
    bundle_id = bundle.manifest.bundle_id
    final = folder / bundle_id
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _sweep(folder, bundle_id)
        if final.exists():
            there = read_folder(final)
            if sha256(there.manifest_bytes) == sha256(bundle.manifest_bytes):
                return Outcome(True, False, f"{final} (already there)")
            return Outcome(False, False, f"{final} exists and holds another manifest: left as it is")
        partial = folder / f".{bundle_id}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        for path, data in sorted(bundle.files.items()):
            _write(partial / path, data)
        _write(partial / SIGNATURE, (bundle.signature + "\n").encode("ascii"))
        _write(partial / MANIFEST, bundle.manifest_bytes)   # last: a manifest means the files are there
        fd = os.open(partial, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(partial, final)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        return Outcome(False, True, f"cannot write to {folder}: {exc.strerror or exc}")
    return Outcome(True, False, str(final))


def to_http(bundle: Bundle, url: str, token: str | None, *, timeout: float = TIMEOUT) -> Outcome:
    """POST the packed bundle to ``url``."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": bundle.manifest.bundle_id}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=bundle.packed(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(64_000).decode("utf-8", "replace")
            return Outcome(True, False, f"HTTP {response.status}: {_said(body)}")
    except urllib.error.HTTPError as exc:
        body = exc.read(64_000).decode("utf-8", "replace")
        retry = exc.code == 429 or exc.code >= 500
        return Outcome(False, retry, f"HTTP {exc.code}: {_said(body)}")
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(False, True, f"receiver unreachable: {reason}")


def _said(body: str) -> str:
    """The receiver's answer in one line."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return body.strip().splitlines()[0][:300] if body.strip() else "(empty)"
    if isinstance(data, dict):
        for key in ("error", "detail", "status"):
            if key in data:
                return str(data[key])[:300]
    return json.dumps(data)[:300]


def send(bundle: Bundle, destination: str, kind: str, token: str | None) -> Outcome:
    if kind == "folder":
        return to_folder(bundle, destination)
    return to_http(bundle, destination, token)
