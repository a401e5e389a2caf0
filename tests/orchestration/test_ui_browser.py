"""The Dagster UI in a real browser (Debian's chromium, driven by Playwright) on the tiny shop.

It proves that `dagster dev` serves the code location as a user sees it: the asset graph
draws its nodes, an asset materialized from the UI runs to success, and an asset's markdown
metadata (the model comparison) renders as a table a reader can take a ROC AUC from.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed: .ci/ensure-chromium could not install it"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")

REPO = Path(__file__).resolve().parents[2]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
LOG = "dagster-dev.log"
SECONDS = 1000  # Playwright counts milliseconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_serving(url: str, process: subprocess.Popen, log: Path, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster dev exited with {process.returncode}:\n{_tail(log)}")
        try:
            urllib.request.urlopen(f"{url}/server_info", timeout=5).close()
            return
        except OSError:
            time.sleep(1)
    pytest.fail(f"dagster dev did not answer in {timeout:.0f} s:\n{_tail(log)}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole process group (webserver, daemon, code server, runs), then SIGKILL."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
            process.wait(grace)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def dagster_ui(settings, materialized, tmp_path):
    """`dagster dev` on the session's settings (as `shoplens ui dagster` starts it), logging to tmp_path; its URL."""
    from shoplens.settings import without_settings

    port = _free_port()
    env = {**without_settings(os.environ), **settings.with_(source=f"canonical:{materialized}").environment()}
    dagster = Path(sys.executable).parent / "dagster"
    command = ["env", "--default-signal=INT,TERM", str(dagster), "dev", "-w", str(REPO / "workspace.yaml"),
               "-h", "127.0.0.1", "-p", str(port)]
    with (tmp_path / LOG).open("w") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url, process, tmp_path / LOG)
        yield url
    finally:
        _stop(process)


def _open_graph(page) -> None:
    page.goto("/locations/orchestration.definitions/asset-groups/features/lineage")
    for node in ("feature_sources", "feast_registry"):
        sync_api.expect(page.locator(f"[data-tooltip={node}]").first).to_be_visible(timeout=60 * SECONDS)


def _materialize(page, asset: str) -> None:
    """Click the asset page's Materialize, follow the launched run, and wait for its final status."""
    page.goto(f"/assets/{asset}")
    page.get_by_role("button", name=re.compile(r"Materialize$")).click()
    page.get_by_role("region", name=re.compile("Notifications")).get_by_role("link", name="View").click()  # "Launched run"
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]+"))
    final = page.get_by_text(re.compile(r"^(Success|Failure|Canceled)$")).first
    sync_api.expect(final).to_be_visible(timeout=240 * SECONDS)  # ~90 s here: two processes import the definitions
    sync_api.expect(final).to_have_text("Success")


def _xgboost_roc_auc(page) -> float:
    """The xgboost row's ROC AUC in the `model_comparison` table of the model's metadata."""
    page.goto("/assets/purchase_propensity_model")
    comparison = page.get_by_role("row", name=re.compile(r"^model_comparison ")).get_by_role("table")
    xgboost = comparison.get_by_role("row", name=re.compile(r"^xgboost "))
    xgboost.wait_for()
    headers = comparison.get_by_role("columnheader").all_inner_texts()
    return float(xgboost.get_by_role("cell").nth(headers.index("test ROC AUC")).inner_text())


def test_dagster_ui_shows_graph_materializes_and_renders_metadata(dagster_ui, tmp_path):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        page = browser.new_page(base_url=dagster_ui, viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(60 * SECONDS)
        page.request.post("/graphql", data={"query": "mutation { setNuxSeen }"})  # no community pop-up over the clicks
        try:
            _open_graph(page)
            _materialize(page, "feature_sources")
            assert 0.5 < _xgboost_roc_auc(page) <= 1
        except Exception:
            page.screenshot(path=tmp_path / "failure.png", full_page=True)
            print(f"screenshot: {tmp_path / 'failure.png'}\ndagster dev log tail:\n{_tail(tmp_path / LOG)}")
            raise
        finally:
            browser.close()
