import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from matplotlib.colors import to_hex

from sim.figures import png
from sim.plans import Plan, Step
from viz import charts
from viz.charts import DPI, STRENGTH_CMAP, draw_png, layer_stack_figure, metrics_figure, start_drawing
from viz.scenario import METRICS, Scenario, run_what_if


def test_metrics_figure_has_a_panel_per_metric_and_marks_the_crossover():
    outcome = run_what_if(Scenario(weeks=6, seeds=2), Plan(), Plan((Step("execution_push"),)))
    fig = metrics_figure(outcome, {"A": "none", "B": "push"}, crossover=3)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == list(METRICS.values())
    first = titled[0]
    assert [line.get_xdata()[0] for line in first.lines if line.get_linestyle() == "--"] == [3]
    legend = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert legend == ["A: none", "B: push", "crossover, week 3"]


def test_metrics_figure_draws_only_the_chosen_metrics():
    outcome = run_what_if(Scenario(weeks=4, seeds=1), Plan(), Plan())
    fig = metrics_figure(outcome, {"A": "a", "B": "b"}, None, metrics=("value", "tech_debt"))
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["Weekly value", "Technical debt"]


def test_layer_stack_colours_each_layer_by_its_strength():
    strong = dict.fromkeys(
        ["partnership", "strategy", "architecture", "culture", "talent", "execution", "innovation"], 1.0
    )
    weak = {**strong, "culture": 0.0}
    fig = layer_stack_figure({"A": weak, "B": strong}, week=12)
    ax = fig.axes[0]
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert len(colours) == 14
    assert colours[3] == to_hex(STRENGTH_CMAP(0.0))  # A's culture, the fourth layer from the bottom
    assert colours[7 + 3] == to_hex(STRENGTH_CMAP(1.0))
    texts = {t.get_text() for t in ax.texts}
    assert {"culture\n0.00", "culture\n1.00", "Alignment", "Foundation", "Performance"} <= texts
    assert ax.get_title() == "Layer strengths at week 12"


STRONG = dict.fromkeys(
    ["partnership", "strategy", "architecture", "culture", "talent", "execution", "innovation"], 0.9
)


def test_the_drawing_process_draws_the_same_picture_as_this_process():
    build = partial(layer_stack_figure, {"A": STRONG, "B": {**STRONG, "talent": 0.1}}, 5)
    picture = start_drawing(build)
    assert picture is not None
    assert picture.result() == png(build(), DPI)
    assert draw_png(build) == png(build(), DPI)
    assert start_drawing(build) is picture, "an equal figure asked for again is not drawn again"
    other = start_drawing(partial(layer_stack_figure, {"A": STRONG}, 5))
    assert other is not picture and other.result() != picture.result()


def test_a_figure_that_cannot_be_sent_is_drawn_in_this_process():
    def build():
        return layer_stack_figure({"A": STRONG}, 3)

    assert start_drawing(build) is None
    assert draw_png(build) == png(build(), DPI)


@pytest.mark.slow
def test_the_drawing_process_exits_when_the_server_is_killed():
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from viz import charts\n"
            "charts.start_drawing_process()\n"
            "charts._pool.submit(int).result()\n"
            "print(*charts._pool._processes, flush=True)\n"
            "time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        drawing = [int(pid) for pid in server.stdout.readline().split()]
    finally:
        server.kill()  # no chance to shut its pool down
        server.wait()
    assert drawing
    deadline = time.monotonic() + 10 * charts.SERVER_CHECK_S
    while any(Path(f"/proc/{pid}").exists() for pid in drawing) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in drawing), (
        "the drawing process outlived the server"
    )
