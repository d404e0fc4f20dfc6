"""The demo's last step: export the approved profiles and show where they went.

The signing key is made once under ``$WORKBENCH_HOME/keys`` (or the ``signing_key`` setting),
the bundle is built as of the data's last day (the profiles live then, with the reference state
of that day) with the json, csv and rules adapters, and it is delivered through the outbox to
``$WORKBENCH_HOME/exports/``. Running the demo again makes the same bundle, which is already
there: nothing new is written or sent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

KEY_NAME = "export-signing.key"
FORMATS = ("json", "csv", "rules")


def demo_export(db: str | Path, *, home: str | Path | None = None) -> dict[str, Any]:
    """Export the demo store's live profiles to ``<home>/exports`` and say what went where."""
    from workbench.export.bundle import make_bundle
    from workbench.export.keys import make_keypair, public_path_for
    from workbench.export.outbox import deliver, enqueue, status
    from workbench.profiles.monitor import data_end
    from workbench.settings import load_settings
    from workbench.store.connection import open_store

    settings = load_settings(db_path=db, **({"home": home} if home else {}))
    key = settings.signing_key or settings.home / "keys" / KEY_NAME
    made_key = not Path(key).exists()
    if made_key:
        make_keypair(key)
    folder = (settings.home / "exports").resolve()
    with open_store(db) as con:
        reference_date = (data_end(con) - dt.timedelta(days=1)).date()
        result = make_bundle(con, signing_key=key, reference_date=reference_date, formats=list(FORMATS),
                             reason="demo: export the approved profiles")
        delivery_id = enqueue(con, result.bundle_id, str(folder), "folder")
    deliver(db, delivery_ids=[delivery_id])
    with open_store(db, read_only=True) as con:
        row = next(r for r in status(con, limit=1000) if r["delivery_id"] == delivery_id)
    m = result.bundle.manifest
    report = result.rules_report() or {"expressed": [], "not_expressed": []}
    return {"bundle_id": m.bundle_id, "created": result.created, "reference_date": m.reference_date.isoformat(),
            "profiles": [f"{p.id}@{p.version}" for p in m.profiles], "lists": [f"{t.id}@{t.version}" for t in m.lists],
            "rules_expressed": len(report["expressed"]), "rules_not_expressed": len(report["not_expressed"]),
            "key_made": made_key, "public_key": str(public_path_for(Path(key))),
            "folder": str(folder / m.bundle_id), "status": row["status"], "detail": row["receipt"] or row["last_error"]}
