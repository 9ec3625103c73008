"""The what-if studio's pages and layout; served by ``make ui`` (``solara run viz.app``)."""

from __future__ import annotations

import ipyvuetify
import solara
import solara.lab
import solara.server.settings
import traitlets

from viz.diagnose import Diagnose
from viz.learn import Learn
from viz.organisation import Organisation
from viz.vega import preload
from viz.whatif import WhatIf

# No "runs on Solara" badge: it covered the controls at the bottom of the window.
solara.server.settings.theme.show_banner = False

# Readable everywhere: help text and alerts at WCAG AA contrast in light and dark mode, a focus ring
# that shows, sliders that keep their width in narrow windows, tables that scroll rather than overflow.
CSS = """
.orgstack-note { display: block; font-size: 0.875rem; line-height: 1.35; color: rgba(0, 0, 0, 0.74); }
.theme--dark .orgstack-note { color: rgba(255, 255, 255, 0.82); }
.v-alert .v-alert__content, .v-alert .v-alert__content * { color: rgba(0, 0, 0, 0.87) !important; }
.theme--dark .v-alert .v-alert__content, .theme--dark .v-alert .v-alert__content * {
  color: rgba(255, 255, 255, 0.92) !important;
}
*:focus-visible { outline: 3px solid #1a56db !important; outline-offset: 2px; }
.v-input__slider .v-input__slot { flex-wrap: wrap; row-gap: 4px; }
.v-input__slider .v-slider { min-width: 160px; flex: 1 1 160px; }
.theme--dark .v-tab--active { color: #ffffff !important; }
.solara-markdown table { display: block; overflow-x: auto; max-width: 100%; }
.solara-markdown, .v-alert__content { overflow-wrap: break-word; word-break: normal; hyphens: none; }
.v-toolbar__title { white-space: normal; }
.v-card__title { word-break: normal; overflow-wrap: break-word; }
"""


class PageSetup(ipyvuetify.VuetifyTemplate):
    """Set the document's language, and light or dark as the system says.

    Solara's page template leaves the language out, which screen readers need;
    and its "auto" theme setting renders no page at all in this version, so
    the page follows the system's colour scheme from here.
    """

    lang = traitlets.Unicode("en").tag(sync=True)
    template = traitlets.Unicode(
        """<template><span></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.lang = this.lang;
    const scheme = window.matchMedia("(prefers-color-scheme: dark)");
    const follow = () => { this.$vuetify.theme.dark = scheme.matches; };
    follow();
    scheme.addEventListener("change", follow);
  },
};
</script>"""
    ).tag(sync=True)


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
        # One child besides the app bar: AppLayout would make a first extra child its sidebar.
        with solara.Column():
            PageSetup.element()
            preload()
            solara.Style(CSS)
            solara.Column(children=children or [])
    return main


routes = [
    solara.Route(path="/", component=WhatIf, label="What-if", layout=Layout),
    solara.Route(path="organisation", component=Organisation, label="Organisation"),
    solara.Route(path="learn", component=Learn, label="Learn"),
    solara.Route(path="diagnose", component=Diagnose, label="Diagnose"),
]
