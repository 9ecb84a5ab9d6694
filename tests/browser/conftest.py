"""Shared fixtures for the browser tests: one JupyterLab server, one Voilà server, one Chromium.

Everything runs on localhost ports the servers pick, with a throwaway Jupyter config, data,
runtime and settings folder and a temporary copy of notebooks/, so nothing of the user's is read
or changed (JupyterLab autosaves notebooks it runs). Chromium is Debian's, at /usr/bin/chromium.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import BIN, jupyter_env, launch_chromium, start_server, start_voila, stop_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@dataclass
class Server:
    base: str
    token: str
    root: Path


@pytest.fixture(scope="session")
def jupyter_home(tmp_path_factory) -> Iterator[tuple[Path, dict]]:
    """A temporary copy of notebooks/ and an environment pointing Jupyter at temporary dirs."""
    home = tmp_path_factory.mktemp("jupyter-home")
    work = home / "notebooks"
    shutil.copytree(ROOT / "notebooks", work)
    yield work, jupyter_env(home)


@pytest.fixture(scope="session")
def lab_server(jupyter_home) -> Iterator[Server]:
    """JupyterLab on a port it picks, with a token, serving the temporary copy of notebooks/."""
    work, env = jupyter_home
    token = secrets.token_hex(16)
    home = work.parent
    cmd = [
        str(BIN / "jupyter-lab"), "--no-browser", "--port=0", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--allow-root",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    process, base = start_server(cmd, env=env, cwd=work, log=home / "lab.log",
                                 ready=r"(http://127\.0\.0\.1:\d+)/lab\?token=",
                                 probe=f"/api/status?token={token}")
    yield Server(base, token, work)
    stop_server(process)


@pytest.fixture(scope="session")
def voila_server(jupyter_home) -> Iterator[Server]:
    """Voilà serving the temporary copy of notebooks/ as `make explore` does, with the
    repository's voila.json (:func:`tests.support.start_voila`)."""
    work, env = jupyter_home
    process, base = start_voila(work, env, work.parent / "voila.log")
    yield Server(base, "", work)
    stop_server(process)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
