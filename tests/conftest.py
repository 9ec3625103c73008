"""Browser fixtures for every test that needs one: Debian's Chromium under Playwright, screenshots."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "results" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """Skip browser tests where Chromium is missing, except in CI (.ci/run installs it).

    A test is a browser test if it is marked ``browser`` or asks for a Playwright page.
    """
    if shutil.which(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH"
    )
    for item in items:
        if item.get_closest_marker("browser") or {"page", "page_session"} & set(
            getattr(item, "fixturenames", ())
        ):
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
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
