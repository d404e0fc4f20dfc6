"""Settings come from flag > environment > TOML file > defaults; identity from one function."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from workbench.identity import IdentityError, acting_as, current_user
from workbench.settings import SettingsError, load_settings


def test_precedence_flag_over_env_over_file(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[workbench]\nbase_currency = "NZD"\ntemplates_dir = "/srv/t"\nuser = "filer"\n')
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.delenv("WORKBENCH_USER")
    s = load_settings()
    assert (s.base_currency, str(s.templates_dir), s.user) == ("NZD", "/srv/t", "filer")
    monkeypatch.setenv("WORKBENCH_BASE_CURRENCY", "eur")
    assert load_settings().base_currency == "EUR"
    assert load_settings(base_currency="AUD").base_currency == "AUD"
    monkeypatch.setenv("WORKBENCH_USER", "envuser")
    assert load_settings().user == "envuser"
    assert load_settings().db_path == home / "workbench.duckdb"


def test_store_never_lands_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_HOME")
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.db_path.is_absolute() and tmp_path not in s.db_path.parents


def test_bad_settings_are_named(tmp_path, monkeypatch):
    home = tmp_path / "h"
    home.mkdir()
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    (home / "config.toml").write_text("[workbench]\ncolour = 1\n")
    with pytest.raises(SettingsError, match="unknown keys"):
        load_settings()
    (home / "config.toml").write_text("not toml = = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings()


def test_config_show_masks_secrets(monkeypatch):
    monkeypatch.setenv("WORKBENCH_ENDPOINT_TOKEN", "s3cret-value")
    monkeypatch.setenv("WORKBENCH_ENDPOINT_TARGETING", "http://127.0.0.1:9/bundles")
    out = subprocess.run([sys.executable, "-m", "workbench.cli", "config", "show", "--json"],
                         capture_output=True, text=True, env=os.environ.copy(), check=True).stdout
    assert "s3cret-value" not in out and '"endpoint_token": "****"' in out
    assert "http://127.0.0.1:9/bundles" in out and '"current_user": "tester"' in out


def test_current_user_order(monkeypatch):
    assert current_user() == "tester"
    with acting_as("alice"):
        assert current_user() == "alice"
    monkeypatch.delenv("WORKBENCH_USER")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert current_user() == "hubuser"
    assert current_user(configured="configured") == "configured"
    with pytest.raises(IdentityError):
        with acting_as("bad name; drop"):
            pass
