"""A real JupyterLab in a real Chromium: the welcome notebook opens, runs and shows the store; the
dashboards notebook renders its widgets and charts, and a filter typed in the explorer changes
its numbers.

The server runs from this venv on a free loopback port with a random token, on a copy of
notebooks/, with WORKBENCH_HOME pointing at a fresh store made by ``workbench store init`` (or,
for the dashboards, at a copy of the synthetic world of the ``world_store`` fixture).
Chromium is Debian's (/usr/bin/chromium, installed by ``make test``), driven by Playwright for
Python without ``playwright install``. The screenshot lands in .test-artifacts/.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from store_helpers import init_store, workbench_env

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".test-artifacts"
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_TIMEOUT_S = 60
UI_TIMEOUT_MS = 45_000  # per step; generous because CI may share the 2 cores


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    root_dir: Path
    db: Path
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server by its PID; then anything left in its process group (its kernels)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group is the server's own (start_new_session)
    except (ProcessLookupError, PermissionError):
        pass


def _start_lab(
    tmp: Path, home: Path, root_dir: Path, token: str
) -> tuple[subprocess.Popen, str, Path]:
    env = workbench_env(home)
    env.update({
        "JUPYTER_TOKEN": token,  # through the environment, so `ps` does not show it
        # Keep the user's Jupyter config, settings and workspaces out of the test, and ours out
        # of theirs.
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "lab-workspaces"),
    })
    # No build check (it costs the server seconds of CPU on every page load) and no prompt about
    # fetching Jupyter news (the toast covers the notebook; there is no network anyway).
    page_config = tmp / "jupyter-config" / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True)
    page_config.write_text(json.dumps({"buildCheck": False, "buildAvailable": False}))
    notification = (
        tmp / "lab-settings" / "@jupyterlab" / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))

    for attempt in range(3):
        port = free_loopback_port()
        log = tmp / f"jupyter-lab-{attempt}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    str(BIN / "jupyter"), "lab",
                    "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                    "--ServerApp.port_retries=0", "--allow-root", "--no-browser",
                    f"--ServerApp.root_dir={root_dir}",
                ],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"{url}/api/status", params={"token": token}, timeout=2)
                if status.status_code == 200:
                    return proc, url, log
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        _stop(proc)
        text = log.read_text(errors="replace")
        if "already in use" not in text:  # only a lost race for the port is worth another try
            raise AssertionError(f"jupyter lab did not start on {url}:\n{text[-4000:]}")
    raise AssertionError(f"jupyter lab found no free port in 3 tries:\n{text[-4000:]}")


@contextlib.contextmanager
def running_lab(
    tmp: Path, store: Path | None = None, prepare_home: Callable[[Path], None] | None = None
) -> Iterator[Lab]:
    """JupyterLab on a copy of notebooks/ and a fresh store (or a copy of ``store``), stopped by
    its PID on the way out. ``prepare_home(home)`` runs before the server starts (to seed the
    store or write files into WORKBENCH_HOME)."""
    tmp.mkdir(parents=True, exist_ok=True)
    home = tmp / "workbench-home"
    home.mkdir()
    if store is None:
        db = init_store(home)
    else:
        from indicator_fixtures import copy_store

        db = copy_store(store, home / "workbench.duckdb")
    if prepare_home is not None:
        prepare_home(home)
    root_dir = tmp / "notebooks"
    shutil.copytree(
        ROOT / "notebooks", root_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    token = secrets.token_hex(16)
    proc, url, log = _start_lab(tmp, home, root_dir, token)
    try:
        yield Lab(url=url, token=token, root_dir=root_dir, db=db, log=log)
    finally:
        _stop(proc)


def assert_token_required(lab: Lab) -> None:
    def get(path: str, **params: str) -> httpx.Response:
        # A new client each time: a request with the token sets a login cookie in its client.
        with httpx.Client(follow_redirects=False, timeout=10) as client:
            return client.get(f"{lab.url}{path}", params=params)

    assert get("/api/status", token=lab.token).status_code == 200
    assert get("/api/contents").status_code in (401, 403)
    assert get("/api/contents", token="not-the-token").status_code in (401, 403)
    page = get("/lab")
    assert page.status_code in (401, 403) or (
        page.is_redirect and "/login" in page.headers.get("location", "")
    ), page


def _open_and_run_all(page, lab: Lab, notebook_name: str):
    """Open a notebook in a fresh workspace, wait for its kernel, Run ▸ Run All Cells; returns the
    notebook panel and the status bar."""
    from playwright.sync_api import expect

    workspace = f"test-{uuid.uuid4().hex[:12]}"  # a fresh workspace: no tabs restored from before
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{notebook_name}?token={lab.token}&reset")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(notebook.locator(".jp-Cell").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    statusbar = page.locator("#jp-main-statusbar")
    expect(statusbar).to_contain_text("Idle", timeout=UI_TIMEOUT_MS)
    notebook.locator(".jp-Cell").first.click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    return notebook, statusbar


@contextlib.contextmanager
def chromium_page(profile_dir: Path) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1400},
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield page
        finally:
            context.close()


def run_welcome_notebook(lab: Lab, profile_dir: Path, screenshot: Path) -> str:
    """Open 00_welcome.ipynb in Chromium, Run ▸ Run All Cells, screenshot; the outputs' text."""
    from playwright.sync_api import expect

    with chromium_page(profile_dir) as page:
        try:
            notebook, statusbar = _open_and_run_all(page, lab, "00_welcome.ipynb")
            outputs = notebook.locator(".jp-OutputArea-output")
            for words in ("declaration", "lodged from"):  # output of code cell 1, then of cell 2
                expect(outputs.filter(has_text=words).first).to_be_visible(timeout=UI_TIMEOUT_MS)
            expect(statusbar).to_contain_text("Idle", timeout=UI_TIMEOUT_MS)
            page.screenshot(path=str(screenshot), full_page=True)

            errors = notebook.locator(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
            )
            assert errors.count() == 0, "\n".join(errors.all_inner_texts())
            return "\n".join(outputs.all_inner_texts())
        except Exception:
            page.screenshot(path=str(screenshot.with_suffix(".failed.png")), full_page=True)
            print(f"jupyter lab log:\n{lab.log_tail()}")
            raise


# One test, one server: a JupyterLab start costs about 8 s here (mostly imports), so the token
# check and the browser run share it.
def test_lab_refuses_strangers_and_runs_the_welcome_notebook(tmp_path: Path):
    if not CHROMIUM.exists():  # a failure, not a skip: the UI must be tested
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test`, which installs it "
            "(apt-get install chromium chromium-driver)"
        )
    ARTIFACTS.mkdir(exist_ok=True)
    with running_lab(tmp_path / "lab") as lab:
        assert_token_required(lab)
        text = run_welcome_notebook(
            lab, tmp_path / "chromium-profile", ARTIFACTS / "lab_welcome.png"
        )

    import workbench as wb

    with wb.open_store(lab.db, read_only=True) as con:
        expected_tables = [t["table"] for t in wb.store_summary(con)["tables"]]
    assert "declaration" in expected_tables
    missing = [table for table in expected_tables if table not in text]
    assert not missing, f"tables missing from the rendered summary: {missing}\n{text}"
    assert "no declarations yet" in text  # the store is empty: the date range says so


def test_the_dashboards_render_and_follow_a_filter(tmp_path: Path, world_store: Path):
    """30_dashboards.ipynb on the synthetic world: the overview, the explorer and the risk matrix
    render with their charts and no error; typing another HS prefix in the explorer changes its
    numbers."""
    from playwright.sync_api import expect

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs it")
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "lab_dashboards.png"
    with running_lab(tmp_path / "lab", store=world_store) as lab, \
            chromium_page(tmp_path / "chromium-profile") as page:
        try:
            notebook, statusbar = _open_and_run_all(page, lab, "30_dashboards.ipynb")
            explorer = notebook.locator(".wb-trade-explorer")
            expect(explorer).to_be_visible(timeout=UI_TIMEOUT_MS)
            for name in (".wb-store-overview", ".wb-risk-matrix"):
                expect(notebook.locator(name)).to_be_visible(timeout=UI_TIMEOUT_MS)
            # the explorer's three charts drawn by Vega, offline
            charts = explorer.locator(".vega-embed")
            expect(charts).to_have_count(3, timeout=UI_TIMEOUT_MS)
            for index in range(3):
                expect(charts.nth(index).locator(".marks").first).to_be_visible(timeout=UI_TIMEOUT_MS)
            headline = explorer.locator(".wb-headline")
            expect(headline).to_contain_text("declarations", timeout=UI_TIMEOUT_MS)
            before = headline.inner_text()
            expect(statusbar).to_contain_text("Idle", timeout=UI_TIMEOUT_MS)

            hs_prefix = explorer.locator('input[placeholder="e.g. 8528"]')
            hs_prefix.fill("2402")
            hs_prefix.press("Enter")
            expect(explorer).to_contain_text("HS 2402", timeout=UI_TIMEOUT_MS)
            expect(headline).not_to_have_text(before, timeout=UI_TIMEOUT_MS)
            explorer.scroll_into_view_if_needed()
            explorer.screenshot(path=str(screenshot))

            errors = notebook.locator(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
            )
            assert errors.count() == 0, "\n".join(errors.all_inner_texts())
            after = headline.inner_text()
        except Exception:
            page.screenshot(path=str(screenshot.with_suffix(".failed.png")), full_page=True)
            print(f"jupyter lab log:\n{lab.log_tail()}")
            raise

    import workbench as wb
    from workbench.dashboards import TradeFilters, trade_slice

    with wb.open_store(lab.db, read_only=True) as con:
        expected = trade_slice(con, TradeFilters(hs_prefix="2402")).totals["declarations"]
    assert after.startswith(f"{expected:,} declarations"), after


def _hits(text: str) -> int:
    """The number of hits a builder headline starts with ("1,234 hits (...")."""
    first = text.split(" hits", 1)[0].strip()
    return 0 if text.startswith("No declarations") else int(first.replace(",", ""))


def test_the_profile_builder_renders_and_follows_a_threshold(tmp_path: Path, world_store: Path):
    """40_profile_builder.ipynb on the synthetic world: run all; the builder renders with its
    capture curve drawn by Vega and no error; dragging the value-per-kg threshold to the left
    (a lower price bound) leaves fewer hits on screen."""
    from playwright.sync_api import expect

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs it")
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "lab_profile_builder.png"
    with running_lab(tmp_path / "lab", store=world_store) as lab, \
            chromium_page(tmp_path / "chromium-profile") as page:
        try:
            notebook, statusbar = _open_and_run_all(page, lab, "40_profile_builder.ipynb")
            builder = notebook.locator(".wb-profile-builder")
            # the cells before it backtest and sweep a threshold: allow for a machine shared by others
            expect(builder).to_be_visible(timeout=3 * UI_TIMEOUT_MS)
            chart = builder.locator(".vega-embed")
            expect(chart).to_have_count(1, timeout=UI_TIMEOUT_MS)
            expect(chart.locator(".marks").first).to_be_visible(timeout=UI_TIMEOUT_MS)
            headline = builder.locator(".wb-builder-headline")
            expect(headline).to_contain_text("hits", timeout=UI_TIMEOUT_MS)
            expect(statusbar).to_contain_text("Idle", timeout=UI_TIMEOUT_MS)
            before = headline.inner_text()

            handle = builder.locator(".wb-threshold-value .noUi-handle")
            handle.scroll_into_view_if_needed()
            box = handle.bounding_box()
            assert box is not None, "the threshold slider has no handle on screen"
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x - 25, y, steps=5)
            page.mouse.up()
            expect(headline).not_to_have_text(before, timeout=UI_TIMEOUT_MS)
            expect(statusbar).to_contain_text("Idle", timeout=UI_TIMEOUT_MS)
            after = headline.inner_text()
            builder.scroll_into_view_if_needed()
            builder.screenshot(path=str(screenshot))

            errors = notebook.locator(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
            )
            assert errors.count() == 0, "\n".join(errors.all_inner_texts())
        except Exception:
            page.screenshot(path=str(screenshot.with_suffix(".failed.png")), full_page=True)
            print(f"jupyter lab log:\n{lab.log_tail()}")
            raise
    assert _hits(after) < _hits(before), (before, after)
