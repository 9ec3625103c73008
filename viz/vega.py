"""Charts drawn in the browser by Vega-Lite, from the JavaScript the install ships (no network).

``solara-assets`` installs Vega, Vega-Lite and vega-embed into Solara's asset
directory, which the server serves under ``_solara/cdn``. Solara's own
``FigureAltair`` asks for them by major version only (``vega@5``), which is not
a directory there, so it would go to the network; this widget asks for the
versions that are installed. vega-embed gives each chart its tooltips and its
menu with Save as SVG and Save as PNG.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import ipyvuetify
import solara
import traitlets
from solara.server import settings

from viz.widgets import Grid, Note

LIBRARIES = ("vega", "vega-lite", "vega-embed")
# Versions tried in the browser tests; any other installed version of a library is used if these are not.
KNOWN = {"vega": "5.21.0", "vega-lite": "5.2.0", "vega-embed": "6.20.2"}
BUILDS = {
    "vega": "build/vega.min.js",
    "vega-lite": "build/vega-lite.min.js",
    "vega-embed": "build/vega-embed.js",
}

# Loads vega, vega-lite and vega-embed once per page, one after the other: asked for together, or
# by several charts at once, requirejs never called back here. Returns the promise of vega-embed.
LOADER = """(paths) => {
  if (!window.orgstackVegaEmbed) {
    const cdn = (window.solara && window.solara.cdn) || "_solara/cdn";
    const map = {};
    for (const [name, path] of Object.entries(paths)) { map[name] = `${cdn}/${path}`; }
    require.config({ map: { "*": map } });
    const load = (name) => new Promise((resolve, reject) => require([name], resolve, reject));
    window.orgstackVegaEmbed = load("vega").then(() => load("vega-lite")).then(() => load("vega-embed"));
  }
  return window.orgstackVegaEmbed;
}"""

TEMPLATE = """
<template>
  <div class="orgstack-chart" role="img" :aria-label="description" :data-drawn="drawn" style="width: 100%">
    <div ref="plot" style="width: 100%"></div>
  </div>
</template>
<script>
module.exports = {
  mounted() { this.plot(); },
  watch: { spec() { this.plot(); } },
  destroyed() { if (this.view) { this.view.finalize(); } },
  methods: {
    library() { return (%LOADER%)(this.paths); },
    async plot() {
      const embed = await this.library();
      if (this._isDestroyed || !this.$refs.plot) { return; }  // replaced while the library loaded
      const dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
      const options = {
        renderer: "svg",
        actions: { export: { svg: true, png: true }, source: false, compiled: false, editor: false },
        downloadFileName: this.filename,
        ...(dark ? { theme: "dark" } : {}),
      };
      if (this.view) { this.view.finalize(); this.view = null; }  // its listeners and timers
      let result;
      try {
        result = await embed(this.$refs.plot, this.spec, options);
      } catch (error) {
        console.error("OrgStack chart:", error);
        return;
      }
      if (this._isDestroyed) { result.view.finalize(); return; }  // replaced while it was drawn
      this.view = result.view;
      if (this.clickable) {
        this.view.addEventListener("click", (event, item) => {
          if (item && item.datum) { this.chart_click(item.datum); }
        });
      }
      this.drawn = (this.spec.usermeta && this.spec.usermeta.token) || "drawn";
    },
  },
};
</script>
""".replace("%LOADER%", LOADER)

PRELOAD = (
    "<template><span></span></template>"
    "<script>module.exports = { mounted() { (%LOADER%)(this.paths); } };</script>".replace("%LOADER%", LOADER)
)


class VegaChart(ipyvuetify.VuetifyTemplate):
    """A Vega-Lite chart: the spec is sent as JSON, vega-embed draws it in the browser.

    Attributes:
        spec: The Vega-Lite specification, data inline.
        description: Alternative text of the chart, read by screen readers.
        filename: Name of the SVG and PNG files its menu saves.
        clickable: Send clicks on marks to ``on_click`` with the mark's data.
        drawn: Set by the browser when the chart is drawn (the spec's ``usermeta.token``).
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    paths = traitlets.Dict().tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("chart").tag(sync=True)
    clickable = traitlets.Bool(False).tag(sync=True)
    drawn = traitlets.Unicode("").tag(sync=True)
    on_click = traitlets.Callable(None, allow_none=True)

    def vue_chart_click(self, datum: Any = None) -> None:
        """Pass a click on a mark to the Python side."""
        if self.on_click is not None:
            self.on_click(datum)


@functools.cache
def library_paths() -> dict[str, str]:
    """Where each library's build is under Solara's asset directory (``vega@5.21.0/build/vega.min.js``)."""
    root = settings.assets.proxy_cache_dir
    paths = {}
    for name in LIBRARIES:
        installed = sorted(p.name for p in root.glob(f"{name}@*") if (p / BUILDS[name]).is_file())
        preferred = f"{name}@{KNOWN[name]}"
        version = preferred if preferred in installed else (installed[-1] if installed else preferred)
        paths[name] = f"{version}/{BUILDS[name]}"
    return paths


@solara.component
def Vega(
    spec: dict[str, Any],
    description: str,
    filename: str = "chart",
    on_click: Callable[[dict[str, Any]], None] | None = None,
) -> solara.Element:
    """Show a Vega-Lite chart drawn in the browser.

    Args:
        spec: The specification, with its data inline.
        description: Alternative text, saying what the chart shows.
        filename: Name of the files its Save as SVG / PNG menu writes.
        on_click: Called with the data of a clicked mark, if given.
    """
    # A token of the content lets the browser say which version of the chart it has drawn.
    token = str(abs(hash(json.dumps(spec, sort_keys=True, default=str))))
    full = {**spec, "usermeta": {**spec.get("usermeta", {}), "token": token}}
    return VegaChart.element(
        spec=full,
        paths=library_paths(),
        description=description,
        filename=filename,
        clickable=on_click is not None,
        on_click=on_click,
    )


class VegaPreload(ipyvuetify.VuetifyTemplate):
    """Load the chart libraries as soon as a page opens, so that the first chart does not wait for them."""

    template = traitlets.Unicode(PRELOAD).tag(sync=True)
    paths = traitlets.Dict().tag(sync=True)


def preload() -> solara.Element:
    """Return an invisible element that loads the chart libraries (put it on every page, in the layout)."""
    return VegaPreload.element(paths=library_paths())


@solara.component
def ChartGrid(build: Callable[[], list[tuple[dict[str, Any], str, str]]], dependencies: list[Any]) -> None:
    """Show charts in a grid, their specifications built after the rest of the page is shown.

    The numbers of a page reach the browser first: a container's children are
    sent once all of them are made, so charts built in the same render would
    hold the numbers back until their data had been sent.

    Args:
        build: Returns, per chart, its specification, its help line (may be
            empty) and the name of its saved files.
        dependencies: The charts are built again when one of these changes.
    """
    # A lambda: Solara names a task after its function's __qualname__, which a partial has not.
    task = solara.lab.use_task(lambda: build(), dependencies=dependencies, raise_error=False)
    charts = task.value if task.finished else task.latest
    if task.error:
        solara.Error(f"The charts could not be built: {type(task.exception).__name__}: {task.exception}")
    elif charts is None:
        solara.Text("Drawing the charts...")
    else:
        with Grid(min_width=440):
            for spec, help_text, filename in charts:
                with solara.Column(gap="0px"):
                    Vega(spec, spec["description"], filename=filename)
                    if help_text:
                        Note(help_text)
