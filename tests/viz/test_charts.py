import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from sim.consult.report import layer_figure
from sim.figures import png
from viz import charts
from viz.charts import DPI, draw_png, start_drawing

LAYERS = {
    "partnership": 0.3,
    "strategy": 0.4,
    "architecture": 0.2,
    "culture": 0.5,
    "talent": 0.6,
    "execution": 0.3,
    "innovation": 0.1,
}


def test_the_drawing_process_draws_the_same_picture_as_this_process():
    build = partial(layer_figure, LAYERS, "architecture")
    picture = start_drawing(build)
    assert picture is not None
    assert picture.result() == png(build(), DPI)
    assert draw_png(build) == png(build(), DPI)
    assert start_drawing(build) is picture, "an equal figure asked for again is not drawn again"
    other = start_drawing(partial(layer_figure, LAYERS, "culture"))
    assert other is not picture and other.result() != picture.result()


def test_a_figure_that_cannot_be_sent_is_drawn_in_this_process():
    def build():
        return layer_figure(LAYERS, "talent")

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
