"""The workbench's JupyterLab extension in a real Chromium: the Launcher section lists the
templates, a template's form creates a notebook with the chosen parameters injected, the Profiles
panel lists the demo profiles, and — as two users in two browser contexts — the author's approval
is refused (four eyes) while another approver's succeeds.

One JupyterLab (tests/test_lab_browser.running_lab) on a copy of the seeded world of
tests/test_lab_server.py (``lab_world_store``); screenshots land in .test-artifacts/.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from test_lab_browser import ARTIFACTS, CHROMIUM, UI_TIMEOUT_MS, Lab, chromium_page, running_lab
from test_lab_server import (  # noqa: F401  (lab_world_store is a fixture)
    ALICE, BOB, CAROL, EXAMPLE_PROFILES, PENDING, TOKENS, lab_world_store, write_users_file,
)

pytestmark = pytest.mark.browser


def open_lab(page, lab: Lab, user: str) -> None:
    """JupyterLab in a fresh workspace, logged in with ``user``'s token."""
    workspace = f"test-{uuid.uuid4().hex[:12]}"
    page.goto(f"{lab.url}/lab/workspaces/{workspace}?token={TOKENS[user]}&reset")


def open_profiles_panel(page):
    from playwright.sync_api import expect

    page.locator('.jp-SideBar .lm-TabBar-tab[data-id="wb-profiles-panel"]').click()
    panel = page.locator("#wb-profiles-panel")
    expect(panel).to_be_visible(timeout=UI_TIMEOUT_MS)
    return panel


def press_approve(page, lab: Lab, user: str) -> str:
    """As ``user``: open the panel, select the pending profile, approve it with a reason; the
    panel's message."""
    from playwright.sync_api import expect

    open_lab(page, lab, user)
    panel = open_profiles_panel(page)
    panel.locator(f'.wb-Profiles-row[data-kind="profiles"][data-id="{PENDING}"]').first.click()
    detail = panel.locator(f'.wb-Detail[data-id="{PENDING}"]')
    expect(detail).to_contain_text(f"{PENDING} v2", timeout=UI_TIMEOUT_MS)
    detail.locator(".wb-reason").fill(f"backtest reviewed by {user}")
    detail.locator(".wb-action-approve").click()
    message = panel.locator(".wb-Profiles-message")
    expect(message).not_to_be_empty(timeout=UI_TIMEOUT_MS)
    panel.screenshot(path=str(ARTIFACTS / f"lab_extension_approve_{user}.png"))
    return message.inner_text()


def approve_in_own_browser(tmp_path: Path, lab: Lab, user: str) -> str:
    """``press_approve`` in a browser context of ``user``'s own (own profile, own login cookie)."""
    with chromium_page(tmp_path / f"chromium-{user}") as page:
        try:
            return press_approve(page, lab, user)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"lab_extension_{user}.failed.png"), full_page=True)
            raise


def test_launcher_form_panel_and_four_eyes_in_the_browser(tmp_path: Path, lab_world_store: Path):
    from playwright.sync_api import expect

    if not CHROMIUM.exists():   # a failure, not a skip: the UI must be tested
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs it")
    ARTIFACTS.mkdir(exist_ok=True)
    with running_lab(tmp_path / "lab", store=lab_world_store, prepare_home=write_users_file) as lab:
        # carol, an analyst: the launcher, a template's form, the panel
        with chromium_page(tmp_path / "chromium-carol") as page:
            try:
                open_lab(page, lab, CAROL)
                section = page.locator(".jp-Launcher-section").filter(has_text="Customs Risk Workbench")
                cards = section.locator(".jp-LauncherCard")
                for title in ("Strategic risk assessment", "Commodity and route deep dive", "Dashboards"):
                    expect(cards.filter(has_text=title)).to_have_count(1, timeout=UI_TIMEOUT_MS)
                page.screenshot(path=str(ARTIFACTS / "lab_extension_launcher.png"))

                cards.filter(has_text="Strategic risk assessment").click()
                form = page.locator(".wb-TemplateForm")
                form.locator('select[name="by"]').select_option("origin")
                form.locator('input[name="top"]').fill("4")
                form.locator('input[name="min_exams"]').fill("15")
                form.screenshot(path=str(ARTIFACTS / "lab_extension_form.png"))
                form.locator(".wb-create-notebook").click()
                status = form.locator(".wb-TemplateForm-status")
                expect(status).to_contain_text("created ", timeout=UI_TIMEOUT_MS)
                created = re.search(r"created (\S+\.ipynb)", status.inner_text()).group(1)
                expect(page.locator(".jp-NotebookPanel").first).to_be_attached(timeout=UI_TIMEOUT_MS)

                panel = open_profiles_panel(page)
                rows = panel.locator('.wb-Profiles-row[data-kind="profiles"]')
                for pid in EXAMPLE_PROFILES:
                    expect(rows.filter(has_text=pid).first).to_be_visible(timeout=UI_TIMEOUT_MS)
                expect(panel.locator(".wb-Profiles-user")).to_contain_text(CAROL)
                expect(panel.locator(".wb-hit-rate").filter(has_text="15.0%").first).to_be_visible(
                    timeout=UI_TIMEOUT_MS)   # RP-REV-UV-01's target, beside its last hit rate
                page.screenshot(path=str(ARTIFACTS / "lab_extension_profiles.png"))
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "lab_extension_carol.failed.png"), full_page=True)
                print(f"jupyter lab log:\n{lab.log_tail()}")
                raise

        notebook = json.loads((lab.root_dir / created).read_text())
        injected = [c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
        assert len(injected) == 1, notebook["cells"]
        source = "".join(injected[0]["source"])
        assert 'by = "origin"' in source and "top = 4" in source and "min_exams = 15" in source

        # alice authored the pending version: her approval is refused; bob's goes through
        refused = approve_in_own_browser(tmp_path, lab, ALICE)
        assert "approve refused" in refused and "four eyes" in refused, refused
        approved = approve_in_own_browser(tmp_path, lab, BOB)
        assert approved == f"{PENDING} v2 is now approved", approved

    import workbench as wb

    with wb.open_store(lab.db, read_only=True) as con:
        row = con.execute("select status, approved_by from profile_version where profile_id = ? and version = 2",
                          [PENDING]).fetchall()
    assert row == [("approved", BOB)]
