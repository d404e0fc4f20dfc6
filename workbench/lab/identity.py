"""Named users for a Jupyter server: each token in a users file stands for one person.

Jupyter's own token stands for nobody (it makes up an "Anonymous …" user per browser), so the
workbench could not say who approved what. :class:`WorkbenchIdentityProvider` reads
``$WORKBENCH_HOME/lab-users.json`` (the ``lab_users`` file; mode 0600, owned by whoever starts the
server)::

    {"users": [{"name": "alice", "token": "…48 hex digits…"},
               {"name": "bob", "token": "…"}]}

A request carrying one of these tokens (``?token=`` in the URL, or ``Authorization: token …``) is
that user; the login cookie then keeps the name for the browser session. The server's own token
(``JUPYTER_TOKEN``) still works and stands for the user who started the server
(:func:`workbench.identity.current_user` there), unless the request also carries the login cookie
of a named user: JupyterLab's page sends the server's token with its requests, and the cookie
says who signed in. The file is read again when it changes, so users
can be added without a restart. A file that others may read, or that is malformed, is refused with
a clear message: the server then accepts only its own token.

Server handlers make the authenticated name the workbench's current user for the request with
:func:`workbench.identity.acting_as`.
"""

from __future__ import annotations

import hmac
import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_server.auth.identity import PasswordIdentityProvider, User

from workbench.identity import IdentityError, check_user_name, current_user

USERS_FILE = "lab-users.json"
MIN_TOKEN_LENGTH = 24


class UsersFileError(ValueError):
    """A users file the server will not trust."""


@dataclass(frozen=True)
class TokenUser:
    name: str
    token: str


def users_file(home: Path | None = None) -> Path:
    """Where the users file is: ``$WORKBENCH_HOME/lab-users.json``."""
    if home is None:
        from workbench.settings import load_settings

        home = load_settings().home
    return Path(home) / USERS_FILE


def read_users(path: Path) -> list[TokenUser]:
    """The users of ``path``; [] when it does not exist; UsersFileError when it is unsafe or wrong."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return []
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsersFileError(f"{path}: mode {stat.S_IMODE(info.st_mode):04o} lets others read the tokens; "
                             f"run `chmod 600 {path}`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsersFileError(f"{path}: not readable JSON ({exc})") from None
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsersFileError(f'{path}: expected {{"users": [{{"name": …, "token": …}}, …]}}')
    users: list[TokenUser] = []
    for index, entry in enumerate(entries):
        where = f"{path}: users[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            raise UsersFileError(f"{where}: needs a name and a token")
        try:
            name = check_user_name(entry.get("name"))
        except IdentityError as exc:
            raise UsersFileError(f"{where}: {exc}") from None
        token = entry["token"]
        if len(token) < MIN_TOKEN_LENGTH:
            raise UsersFileError(f"{where} ({name}): the token is shorter than {MIN_TOKEN_LENGTH} characters; "
                                 "make one with `python -c 'import secrets; print(secrets.token_hex(24))'`")
        if any(hmac.compare_digest(token, u.token) for u in users):
            raise UsersFileError(f"{where} ({name}): the same token as another user")
        users.append(TokenUser(name, token))
    return users


def _user(name: str) -> User:
    return User(username=name, name=name, display_name=name, initials=name[:2].upper())


class WorkbenchIdentityProvider(PasswordIdentityProvider):
    """Jupyter's token/password login, plus one token per named user from the users file."""

    _cache: tuple[tuple[int, int, int], list[TokenUser]] | None = None
    _warned: str | None = None

    def token_users(self) -> list[TokenUser]:
        """The users file as it reads now (re-read when its content, size or mode changes)."""
        path = users_file()
        try:
            info = path.stat()
        except FileNotFoundError:
            return []
        mtime = (info.st_mtime_ns, info.st_size, info.st_mode)
        if self._cache is not None and self._cache[0] == mtime:
            return self._cache[1]
        try:
            users = read_users(path)
        except UsersFileError as exc:
            if self._warned != str(exc):
                self.log.error("workbench: %s; only the server's own token is accepted", exc)
                self._warned = str(exc)
            users = []
        self._cache = (mtime, users)
        return users

    def user_for(self, token: str | None) -> User | None:
        """The user a token stands for, or None."""
        if not token:
            return None
        for user in self.token_users():
            if hmac.compare_digest(token, user.token):
                return _user(user.name)
        if self.token and hmac.compare_digest(token, self.token):
            return _user(current_user())
        return None

    async def get_user_token(self, handler: Any) -> User | None:
        token = self.get_token(handler)
        user = self.user_for(token)
        if user is not None and self.token and hmac.compare_digest(token, self.token):
            # JupyterLab's page sends the server's token with every request it makes; the login
            # cookie says who is signed in (as Jupyter's own provider reads it)
            signed_in = self.get_user_cookie(handler)
            if isinstance(signed_in, User):
                return signed_in
        return user

    def process_login_form(self, handler: Any) -> User | None:
        typed = handler.get_argument("password", default="")
        user = self.user_for(typed)
        if user is not None:
            return user
        if self.hashed_password and self.passwd_check(typed):
            return _user(current_user())
        return None

    @property
    def auth_enabled(self) -> bool:
        return bool(self.hashed_password or self.token or self.token_users())

    @property
    def login_available(self) -> bool:
        return self.auth_enabled
