"""Browser fixtures: Debian's Chromium under Playwright, a free port, no network for the page."""

import os
import shutil
import socket
from pathlib import Path

import pytest
import solara.settings
from solara.server.starlette import ServerStarlette

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "results" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """Skip browser tests where Chromium is missing, except in CI (.ci/run installs it)."""
    if shutil.which(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH"
    )
    for item in items:
        if "page_session" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 2200}}


@pytest.fixture(scope="session")
def solara_server():
    """Solara on a free port, its asset CDN pointed at a closed port.

    Any asset not installed by solara-assets would then fail to load, so a
    page that renders proves the app needs no network.
    """
    solara.settings.assets.cdn = "http://127.0.0.1:9/"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ServerStarlette(port, "127.0.0.1")
    server.serve_threaded()
    server.wait_until_serving()
    yield server
    server.stop_serving()


@pytest.fixture(scope="session")
def offline_page(page_session):
    """The browser page, with every request off this machine blocked and recorded."""
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    failed: list[str] = []
    page_session.route("**/*", only_local)
    page_session.on(
        "response", lambda response: failed.append(response.url) if response.status >= 400 else None
    )
    page_session.outside, page_session.failed = outside, failed
    return page_session


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
