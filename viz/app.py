"""The what-if studio's pages and layout; served by ``make ui`` (``solara run viz.app``)."""

from __future__ import annotations

import solara
import solara.lab

from viz.charts import start_drawing_process
from viz.diagnose import Diagnose
from viz.learn import Learn
from viz.organisation import Organisation
from viz.whatif import WhatIf

start_drawing_process()  # while the user sets up a run


@solara.component
def Layout(children: list | None = None) -> solara.Element:
    """Wrap every page in the app bar, with one tab per page (the root route's layout wraps all pages)."""
    current, pages = solara.use_route()
    # AppLayout shows Tabs placed in its AppBar instead of its own, which are named by path.
    with solara.AppLayout(title="OrgStack what-if studio") as main:
        with solara.AppBar():
            with solara.lab.Tabs(value=pages.index(current), align="center"):
                for page in pages:
                    solara.lab.Tab(page.label, path_or_route=page)
        solara.Column(children=children or [])
    return main


routes = [
    solara.Route(path="/", component=WhatIf, label="What-if", layout=Layout),
    solara.Route(path="organisation", component=Organisation, label="Organisation"),
    solara.Route(path="learn", component=Learn, label="Learn"),
    solara.Route(path="diagnose", component=Diagnose, label="Diagnose"),
]
