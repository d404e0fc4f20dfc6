"""workbench export: signed bundles of approved profiles and lists, delivered through the outbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, db_path, print_json, print_table, store

app = typer.Typer(help="Export approved profiles and target lists to the targeting system.\n\n"
                       "Example: workbench export bundle --to exports/ --format rules --format csv",
                  no_args_is_help=True)

KEY_NAME = "export-signing.key"


def _settings():
    from workbench.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None


def _key_path(key: Path | None) -> Path:
    if key is not None:
        return key
    settings = _settings()
    return settings.signing_key or settings.home / "keys" / KEY_NAME


def _errors():
    from workbench.export import BundleError, ExportError, SigningKeyError
    from workbench.profiles.spec import SpecError

    return (ExportError, SigningKeyError, BundleError, SpecError)


def _show_result(r: dict) -> None:
    mark = {"delivered": "[green]delivered[/]", "pending": "[yellow]pending[/]", "failed": "[red]failed[/]"}
    console.print(f"  {mark[r['status']]} {r['bundle_id']} → {r['destination']}: {r['detail']}", highlight=False)


@app.command("keygen")
def keygen(
    out: Annotated[Path | None, typer.Option("--out", help="Private key file (default: the signing_key setting, "
                                                           "else $WORKBENCH_HOME/keys/export-signing.key).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key (receivers must get the new "
                                                        "public key).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Make the Ed25519 key that signs bundles (private file mode 0600; hand the .pub file to receivers).

    Example: workbench export keygen --out ~/.config/workbench/export-signing.key
    """
    from workbench.export import SigningKeyError, make_keypair

    try:
        made = make_keypair(_key_path(out), overwrite=force)
    except SigningKeyError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json({"private_key": made.private_path, "public_key": made.public_path, "key_id": made.key_id})
        return
    console.print(f"signing key {made.key_id}: private {made.private_path} (mode 0600), "
                  f"public {made.public_path} (give this one to receivers)", highlight=False)


@app.command("bundle")
def bundle(
    to: Annotated[list[str] | None, typer.Option("--to", help="Folder, http(s) URL or configured endpoint name "
                                                              "(repeatable); without it the bundle stays in the store.")] = None,
    formats: Annotated[list[str] | None, typer.Option("--format", help="json (always), csv, rules; repeatable.")] = None,
    as_of: Annotated[dt.datetime | None, typer.Option("--as-of", help="Reference date: profiles live on it "
                                                                      "(default: today).")] = None,
    key: Annotated[Path | None, typer.Option("--key", help="Signing key (default: as for keygen).")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build and sign a bundle of the profiles and lists live on a date, and deliver it.

    Example: workbench export bundle --to exports/ --to targeting --format rules --format csv
    """
    from workbench.export import deliver, enqueue, make_bundle, resolve_destination

    settings = _settings()
    targets = []
    try:
        for t in to or []:
            targets.append(resolve_destination(t, settings.endpoints))
        with store(db) as con:
            result = make_bundle(con, signing_key=_key_path(key), reference_date=as_of.date() if as_of else None,
                                 formats=formats or ["json"], reason=reason)
            ids = [enqueue(con, result.bundle_id, dest, kind) for dest, kind in targets]
    except _errors() as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:   # an unknown format
        raise CliError(str(exc)) from None
    results = deliver(db_path(db), token=settings.endpoint_token, delivery_ids=ids) if ids else []
    m = result.bundle.manifest
    report = result.rules_report()
    if as_json:
        print_json({"bundle_id": m.bundle_id, "created": result.created, "reference_date": m.reference_date,
                    "profiles": [f"{p.id}@{p.version}" for p in m.profiles], "lists": [f"{t.id}@{t.version}" for t in m.lists],
                    "files": len(m.files), "notes": result.notes, "rules": report, "deliveries": results})
        return
    console.print(f"bundle {m.bundle_id}{'' if result.created else ' (unchanged: the same bundle as before)'}: "
                  f"{len(m.profiles)} profiles, {len(m.lists)} target lists, {len(m.files)} files, reference date "
                  f"{m.reference_date}, signed by key {m.signature.key_id}", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if report is not None:
        console.print(f"rule text: {len(report['expressed'])} profiles expressed, "
                      f"{len(report['not_expressed'])} not (see rules/report.json)", highlight=False)
        for miss in report["not_expressed"]:
            console.print(f"  not expressed {miss['profile']} v{miss['version']}: {miss['reasons'][0]}"
                          + (f" (+{len(miss['reasons']) - 1} more)" if len(miss["reasons"]) > 1 else ""),
                          highlight=False)
    for r in results:
        _show_result(r)
    if any(r["status"] == "pending" for r in results):
        console.print("pending deliveries stay in the outbox: `workbench export deliver` sends them", highlight=False)
    if any(r["status"] == "failed" for r in results):
        raise CliError("a receiver refused the bundle (see above); fix the cause, then "
                       "`workbench export deliver --retry-failed`")


@app.command("deliver")
def deliver_cmd(
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Also retry deliveries a receiver refused.")] = False,
    wait: Annotated[float, typer.Option("--wait", help="Keep trying, with back-off, for up to this many seconds.")] = 0.0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send the bundles waiting in the outbox (each reaches its receiver once).

    Example: workbench export deliver --wait 600
    """
    from workbench.export import deliver
    from workbench.export.outbox import deliver_until_done
    from workbench.store.connection import StoreError

    settings = _settings()
    path = db_path(db)
    try:
        if wait > 0:
            results = deliver_until_done(path, wait=wait, token=settings.endpoint_token)
        else:
            results = deliver(path, token=settings.endpoint_token, retry_failed=retry_failed)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(results)
        return
    if not results:
        console.print("nothing to deliver", highlight=False)
    for r in results:
        _show_result(r)


@app.command("status")
def status_cmd(
    limit: Annotated[int, typer.Option(help="Most recent deliveries shown.")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bundles made, and what is pending, delivered or failed in the outbox.

    Example: workbench export status --json
    """
    from workbench.export.outbox import bundles, status

    with store(db, read_only=True) as con:
        made, deliveries = bundles(con, limit=limit), status(con, limit=limit)
    if as_json:
        print_json({"bundles": made, "deliveries": deliveries})
        return
    print_table("bundles", ["bundle", "created", "by", "reference date", "formats", "profiles", "lists", "key"],
                [(b["bundle_id"], b["created_at"], b["created_by"], b["reference_date"], ",".join(b["formats"]),
                  b["profiles"], b["lists"], b["key_id"]) for b in made])
    print_table("deliveries", ["id", "bundle", "to", "status", "attempts", "last try", "next try", "detail"],
                [(d["delivery_id"], d["bundle_id"], d["destination"], d["status"], d["attempts"], d["last_attempt_at"],
                  d["next_attempt_at"] if d["status"] == "pending" else "",
                  d["receipt"] if d["status"] == "delivered" else d["last_error"]) for d in deliveries])


@app.command("schema")
def schema(
    message: Annotated[bool, typer.Option("--message", help="The targeting service's declaration message "
                                                            "instead of the bundle manifest.")] = False,
) -> None:
    """Print the published JSON Schema of a bundle's manifest (or of a declaration message).

    Example: workbench export schema > bundle-manifest.schema.json
    """
    if message:
        from workbench.targeting.message import json_schema
    else:
        from workbench.export import json_schema
    print_json(json_schema())
