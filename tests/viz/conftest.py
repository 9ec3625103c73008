"""App fixtures: Solara on a free port, a browser page with no network (Chromium: tests/conftest.py)."""

import socket

import pytest
import solara.settings
from solara.server.starlette import ServerStarlette


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


@pytest.fixture(autouse=True)
def fresh_pages():
    """Each test starts from a new tab's state: the pages keep theirs in module-level reactive values."""
    from viz import diagnose, learn, organisation, whatif

    for page in (whatif, organisation, diagnose):
        page.reset()
    learn.outcomes.set({})
    learn.guesses.set({})
    learn.chosen.set(0)
    yield


@pytest.fixture
def sample():
    """A scenario that sets every part a scenario has, with three plans: (scenario, plans)."""
    from sim.plans import Plan
    from viz.scenario import Action, Scenario

    scenario = Scenario(
        org="struggling",
        layers={"culture": 0.5},
        teams=6,
        weeks=30,
        seeds=3,
        shock="demand_surge",
        shock_start=10,
    )
    plans = (
        Plan((Action("platform_team", start=13, intensity=0.5, duration=12), Action("talent_program"))),
        Plan(),
        Plan((Action("foundations_first"),)),
    )
    return scenario, plans
