"""Shared fixtures for the browser tests: one JupyterLab server, one Voilà server, one Chromium.

Everything runs on free localhost ports with a throwaway Jupyter config, data, runtime and
settings folder and a temporary copy of notebooks/, so nothing of the user's is read or changed
(JupyterLab autosaves notebooks it runs). Chromium is Debian's, at /usr/bin/chromium.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout} s:\n{log.read_text()[-3000:]}")


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
    config = home / "config"
    (config / "labconfig").mkdir(parents=True)
    # No "would you like news?" toast over the notebook on a fresh profile.
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
    ))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "mpl"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONPATH": str(ROOT),
    }
    yield work, env


def _start(cmd: list[str], env: dict, log: Path, url: str, cwd: Path) -> subprocess.Popen:
    with log.open("w") as out:
        process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_for_http(url, process, log)
    except Exception:
        process.terminate()
        raise
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def lab_server(jupyter_home) -> Iterator[Server]:
    """JupyterLab on a free port, with a token, serving the temporary copy of notebooks/."""
    work, env = jupyter_home
    port, token = free_port(), secrets.token_hex(16)
    home = work.parent
    cmd = [
        str(BIN / "jupyter-lab"), "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
        "--ServerApp.port_retries=0", "--allow-root",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    base = f"http://127.0.0.1:{port}"
    process = _start(cmd, env, home / "lab.log", f"{base}/api/status?token={token}", work)
    yield Server(base, token, work)
    _stop(process)


@pytest.fixture(scope="session")
def voila_server(jupyter_home) -> Iterator[Server]:
    """Voilà on a free port serving the temporary copy of notebooks/ (as `make explore` does)."""
    work, env = jupyter_home
    port = free_port()
    cmd = [str(BIN / "voila"), str(work), "--no-browser", "--Voila.ip=127.0.0.1",
           f"--port={port}"]
    base = f"http://127.0.0.1:{port}"
    process = _start(cmd, env, work.parent / "voila.log", f"{base}/", work)
    yield Server(base, "", work)
    _stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
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
