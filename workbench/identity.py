"""Who is acting: one function answers it for the whole workbench.

Order: the user a Jupyter server handler authenticated (set for the duration of a request with
:func:`acting_as`), then ``WORKBENCH_USER`` (or the ``user`` setting), then ``JUPYTERHUB_USER``,
then the operating-system login. This is accountability on a trusted host, not a security
boundary: see docs/maintainers/identity.md.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
import re
from collections.abc import Iterator

_acting_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("acting_user", default=None)

USER_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


class IdentityError(ValueError):
    """A user name the workbench will not record."""


def check_user_name(name: str) -> str:
    """Return ``name`` if it is a plausible user name, else raise :class:`IdentityError`."""
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise IdentityError(
            f"invalid user name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'"
        )
    return name


@contextlib.contextmanager
def acting_as(user: str) -> Iterator[str]:
    """Run a block as ``user`` (used by server handlers for the authenticated user)."""
    token = _acting_user.set(check_user_name(user))
    try:
        yield user
    finally:
        _acting_user.reset(token)


def current_user(configured: str | None = None) -> str:
    """The name recorded as author, approver or loader of whatever happens now."""
    for candidate in (
        _acting_user.get(),
        configured,
        os.environ.get("WORKBENCH_USER"),
        os.environ.get("JUPYTERHUB_USER"),
    ):
        if candidate:
            return check_user_name(candidate)
    try:
        return check_user_name(getpass.getuser())
    except (OSError, KeyError, IdentityError):
        return f"uid-{os.getuid()}"
