"""The service's bundles on disk: received (verified) bundles, the active one, and the order they
were activated in, so a version can be activated again or rolled back.

``<state>/bundles/<bundle id>.json`` holds each accepted bundle in its packed form, exactly as
received; ``<state>/active.json`` names the active bundle and the activation history. Both are
written to a temporary file and renamed, so a crash never leaves half a state. A bundle is
verified again (signature and hashes) when the service starts with it, and a scorer is built
*before* a version becomes active: a bundle that cannot be made ready leaves the active one in
place.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from workbench.export.manifest import BUNDLE_ID, Bundle, BundleError, verify_packed
from workbench.targeting.scorer import Scorer


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Shelf:
    def __init__(self, folder: str | Path, public_keys: dict[str, Any], *, max_bytes: int):
        self.folder = Path(folder).expanduser()
        (self.folder / "bundles").mkdir(parents=True, exist_ok=True)
        self.keys = public_keys
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.scorer: Scorer | None = None
        self.state = self._read_state()
        if self.state["active"]:
            bundle = self._load(self.state["active"])
            self.scorer = Scorer(bundle)

    # -- state --------------------------------------------------------------------------------
    def _state_path(self) -> Path:
        return self.folder / "active.json"

    def _read_state(self) -> dict[str, Any]:
        path = self._state_path()
        if not path.exists():
            return {"active": None, "history": []}
        return json.loads(path.read_text())

    def _save_state(self) -> None:
        _write_atomic(self._state_path(), json.dumps(self.state, indent=2).encode())

    def _path(self, bundle_id: str) -> Path:
        if not BUNDLE_ID.match(bundle_id):
            raise BundleError(f"{bundle_id!r} is not a bundle id")
        return self.folder / "bundles" / f"{bundle_id}.json"

    def _load(self, bundle_id: str) -> Bundle:
        path = self._path(bundle_id)
        if not path.exists():
            raise BundleError(f"no bundle {bundle_id} here")
        return verify_packed(path.read_bytes(), self.keys, max_bytes=self.max_bytes)

    # -- what callers do ----------------------------------------------------------------------
    def received(self) -> list[dict[str, Any]]:
        out = []
        for path in sorted((self.folder / "bundles").glob("wb-*.json")):
            out.append({"bundle_id": path.stem, "bytes": path.stat().st_size,
                        "active": path.stem == self.state["active"]})
        return out

    def receive(self, data: bytes, *, activate: bool = True) -> tuple[Bundle, bool]:
        """Verify and keep a packed bundle (and activate it); (bundle, whether it was new).
        A bundle received before is not taken again."""
        bundle = verify_packed(data, self.keys, max_bytes=self.max_bytes)
        bundle_id = bundle.manifest.bundle_id
        with self.lock:
            path = self._path(bundle_id)
            if path.exists():
                return bundle, False
            scorer = Scorer(bundle) if activate else None   # ready before anything changes
            _write_atomic(path, data)
            if activate:
                self._switch(bundle_id, scorer)
        return bundle, True

    def activate(self, bundle_id: str) -> None:
        with self.lock:
            scorer = Scorer(self._load(bundle_id))
            self._switch(bundle_id, scorer)

    def rollback(self) -> str:
        """Activate the version active before the current one; returns its id."""
        with self.lock:
            history = [b for b in self.state["history"] if b != self.state["active"]]
            if not history:
                raise BundleError("nothing to roll back to: no bundle was active before this one")
            previous = history[-1]
            scorer = Scorer(self._load(previous))
            self.state["history"] = history[:-1]
            self._switch(previous, scorer)
            return previous

    def _switch(self, bundle_id: str, scorer: Scorer) -> None:
        old = self.scorer
        if self.state["active"] and self.state["active"] != bundle_id:
            self.state["history"] = [b for b in self.state["history"] if b != self.state["active"]] + \
                [self.state["active"]]
        self.state["active"] = bundle_id
        self._save_state()
        self.scorer = scorer
        if old is not None:
            with old.lock:
                old.close()
