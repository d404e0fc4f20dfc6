"""The transition verbs profiles and target lists share (reject, approve, activate, retire),
registered on each group from one definition so both follow the same rules and wording."""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from workbench.cli.common import CliError, DbOption, console, store

ReasonOption = Annotated[str, typer.Option("--reason", "-r", help="Why (recorded with the transition in the audit log).")]
VersionOption = Annotated[int | None, typer.Option("--version", "-v", help="Version (default: the latest).")]

HELP = {
    "reject": "Send a submitted version back to its authors (approvers only).",
    "approve": "Approve a submitted version: an approver who neither authored nor edited it (four eyes).",
    "activate": "Put an approved version live (the previously active version retires).",
    "retire": "Retire a version (approvers; authors may withdraw their own draft or submission).",
}
REASONS = {"reject": "needs an exemption for trusted traders", "approve": "backtest reviewed",
           "activate": "operation start", "retire": "stopped performing"}


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """The failures a user can act on, as one line each."""
    from workbench.access import AccessDenied
    from workbench.identity import IdentityError
    from workbench.profiles.backtest import BacktestError
    from workbench.profiles.frame import FrameError
    from workbench.profiles.lifecycle import LifecycleError
    from workbench.profiles.spec import SpecError

    try:
        yield
    except (SpecError, LifecycleError, AccessDenied, FrameError, BacktestError, IdentityError) as exc:
        raise CliError(str(exc)) from None


def move(transition: Callable[..., dict[str, Any]], key: str, action: str, obj_id: str, version: int | None,
         reason: str, db: Path | None) -> None:
    with user_errors(), store(db) as con:
        row = transition(con, action, obj_id, version=version, reason=reason)
    console.print(f"{row[key]} v{row['version']} is now {row['status']}")


def add_transitions(app: typer.Typer, group: str, transition: Callable[..., dict[str, Any]], key: str,
                    example_id: str) -> None:
    """Register reject, approve, activate and retire on ``app``."""
    for action in ("reject", "approve", "activate", "retire"):
        verb = _verb(transition, key, action)
        verb.__doc__ = (f"{HELP[action]}\n\nExample: workbench {group} {action} {example_id} "
                        f"--reason \"{REASONS[action]}\"")
        app.command(action)(verb)


def _verb(transition: Callable[..., dict[str, Any]], key: str, action: str) -> Callable[..., None]:
    # annotations stay real objects here (no postponed evaluation in this module) so Typer reads them
    def verb(obj_id: Annotated[str, typer.Argument(help="The stored id.", metavar="ID")], reason: ReasonOption,
             version: VersionOption = None, db: DbOption = None) -> None:
        move(transition, key, action, obj_id, version, reason, db)

    return verb
