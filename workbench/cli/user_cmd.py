"""workbench user: who I am, and roles (changed by admins only, through the audit log)."""

from __future__ import annotations

import typer

from workbench.cli.common import CliError, DbOption, JsonOption, console, print_json, print_table, store

app = typer.Typer(help="Users and roles.\n\nExample: workbench user grant alice approver --reason 'team lead'",
                  no_args_is_help=True)


def _me() -> str:
    from workbench.identity import current_user
    from workbench.settings import load_settings

    return current_user(load_settings().user)


@app.command("whoami")
def whoami(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The current user and the roles they hold in the store.

    Example: WORKBENCH_USER=alice workbench user whoami
    """
    from workbench.access import roles_of

    me = _me()
    with store(db, read_only=True) as con:
        roles = sorted(roles_of(con, me))
    if as_json:
        print_json({"user": me, "roles": roles})
    else:
        console.print(f"{me}: {', '.join(roles)}")


@app.command("list")
def list_users(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Roles granted in the store.

    Example: workbench user list --json
    """
    from workbench.access import list_roles

    with store(db, read_only=True) as con:
        found = list_roles(con)
    if as_json:
        print_json(found)
    else:
        print_table("roles", ["user", "role", "granted_by", "granted_at"], [tuple(r.values()) for r in found])


def _change(kind: str, user: str, role: str, reason: str, db) -> None:
    from workbench import access

    try:
        with store(db) as con:
            changed = getattr(access, kind)(con, admin=_me(), user=user, role=role, reason=reason)
    except (access.AccessDenied, ValueError) as exc:
        raise CliError(str(exc)) from None
    verb = "granted" if kind == "grant" else "revoked"
    console.print(f"{role} {verb} for {user}" if changed else f"nothing to do: {user} {'already has' if kind == 'grant' else 'does not have'} {role}")


@app.command("grant")
def grant(
    user: str, role: str,
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit log)."),
    db: DbOption = None,
) -> None:
    """Give USER a ROLE (analyst, approver, admin). Admins only.

    Example: workbench user grant alice approver --reason "acting team lead"
    """
    _change("grant", user, role, reason, db)


@app.command("revoke")
def revoke(
    user: str, role: str,
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit log)."),
    db: DbOption = None,
) -> None:
    """Take ROLE from USER. Admins only; the last admin stays.

    Example: workbench user revoke bob approver --reason "moved team"
    """
    _change("revoke", user, role, reason, db)
