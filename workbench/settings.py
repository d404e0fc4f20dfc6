"""Settings of the workbench: one place, three layers.

A value given as a flag wins over the environment, which wins over the TOML file, which wins over
the defaults. The TOML file is ``$WORKBENCH_CONFIG`` or ``$WORKBENCH_HOME/config.toml``.

>>> s = load_settings(home="/tmp/wb-doc")
>>> s.db_path.name
'workbench.duckdb'
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

SECRET_MARKERS = ("token", "secret", "password", "private", "api_key")

ENV_PREFIX = "WORKBENCH_"


class SettingsError(ValueError):
    """A settings file or value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Where the workbench keeps its store and what it talks to."""

    home: Path
    db_path: Path
    templates_dir: Path | None = None
    user: str | None = None
    signing_key: Path | None = None
    base_currency: str = "USD"
    endpoints: dict[str, str] = field(default_factory=dict)
    endpoint_token: str | None = None
    capacity: dict[str, float] = field(default_factory=dict)   # "OFFICE.lane" or "*.lane" -> exams per week
    config_file: Path | None = None

    def as_display(self) -> dict[str, Any]:
        """Settings as a flat dict for people to read, secrets masked."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            if isinstance(value, dict):
                value = {k: _mask(k, v) for k, v in value.items()}
            out[f.name] = _mask(f.name, value)
        return out


def _mask(name: str, value: Any) -> Any:
    if value is None or not isinstance(value, str):
        return value
    if any(marker in name.lower() for marker in SECRET_MARKERS):
        return "****" if value else value
    return value


def default_home() -> Path:
    """The per-user data folder (never the working directory)."""
    return Path(platformdirs.user_data_dir("customs-risk-workbench", appauthor=False))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from None
    section = data.get("workbench", data)
    if not isinstance(section, dict):
        raise SettingsError(f"settings file {path}: [workbench] must be a table")
    return section


def _from_env() -> dict[str, Any]:
    names = {
        "home": "HOME",
        "db_path": "DB",
        "templates_dir": "TEMPLATES",
        "user": "USER",
        "signing_key": "SIGNING_KEY",
        "base_currency": "BASE_CURRENCY",
        "endpoint_token": "ENDPOINT_TOKEN",
    }
    out: dict[str, Any] = {}
    for key, suffix in names.items():
        value = os.environ.get(ENV_PREFIX + suffix)
        if value:
            out[key] = value
    endpoints = {
        name[len(ENV_PREFIX + "ENDPOINT_") :].lower(): value
        for name, value in os.environ.items()
        if name.startswith(ENV_PREFIX + "ENDPOINT_") and name != ENV_PREFIX + "ENDPOINT_TOKEN"
    }
    if endpoints:
        out["endpoints"] = endpoints
    return out


def load_settings(**flags: Any) -> Settings:
    """Settings from flags > environment > TOML file > defaults.

    Flags whose value is ``None`` are ignored, so CLI options can be passed straight through.
    """
    flags = {k: v for k, v in flags.items() if v is not None}
    env = _from_env()
    home = Path(flags.get("home") or env.get("home") or default_home()).expanduser()
    config_file = Path(os.environ.get(ENV_PREFIX + "CONFIG") or home / "config.toml").expanduser()
    from_file = _read_toml(config_file) if config_file.is_file() else {}
    known = {f.name for f in fields(Settings)} - {"config_file"}
    unknown = set(from_file) - known
    if unknown:
        raise SettingsError(f"settings file {config_file}: unknown keys {sorted(unknown)}")

    merged: dict[str, Any] = {**from_file, **env, **flags}
    merged["home"] = home
    merged.setdefault("db_path", home / "workbench.duckdb")
    for key in ("db_path", "templates_dir", "signing_key"):
        if merged.get(key) is not None:
            merged[key] = Path(merged[key]).expanduser()
    if "endpoints" in merged and not isinstance(merged["endpoints"], dict):
        raise SettingsError("endpoints must be a table of name = URL")
    capacity = merged.get("capacity", {})
    if not isinstance(capacity, dict) or not all(
            isinstance(k, str) and "." in k and isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
            for k, v in capacity.items()):
        raise SettingsError('capacity must be a table of "OFFICE.lane" (or "*.lane") = examinations per week')
    base = str(merged.get("base_currency", "USD"))
    if len(base) != 3 or not base.isalpha():
        raise SettingsError(f"base_currency must be a 3-letter ISO code, got {base!r}")
    merged["base_currency"] = base.upper()
    return replace(Settings(home=home, db_path=merged["db_path"]), **{
        k: v for k, v in merged.items() if k in known
    }, config_file=config_file if config_file.is_file() else None)
