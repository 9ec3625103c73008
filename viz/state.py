"""What a page keeps while the user is elsewhere, and how its inputs live in the page's address.

Each page keeps its inputs and last result in module-level ``solara.reactive``
values. Solara scopes those to the browser tab's kernel, so each user has
their own, and they outlive the page's components: switching to another tab
and back finds them as they were.

The inputs of the What-if, Organisation and Diagnose pages are also written
to the address as query parameters (:func:`use_address`), with the command
line's names where it has one (``/?org=elite&weeks=104``), so that a reload
restores them and a copied link opens the same scenario elsewhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import solara
import solara.util
from solara.lab import Task

from viz.links import parse_query

STALE = "out of date"  # the words the pages use for results of other inputs than those shown


def use_address(path: str, query: str, restore: Callable[[dict[str, str]], None]) -> None:
    """Keep a page's inputs in its address, and restore them from the address it was opened with.

    On the page's first render, an address with a query (a reload, a shared
    link) is read into the page's inputs with ``restore``; an address without
    one (a tab switch) gets the inputs the page kept. After that, every change
    of the inputs writes the address again.

    Args:
        path: The page's route, e.g. ``"/"`` or ``"/organisation"``.
        query: The current inputs as a query string (:func:`viz.links.format_query`).
        restore: Sets the page's inputs from the parameters of an address.
    """
    router = solara.use_router()
    first = solara.use_ref(True)

    def sync() -> None:
        if router.set_path is None:
            return  # rendered outside the app (a component test): there is no address
        if first.current:
            first.current = False
            if router.search:
                restore(parse_query(router.search))
                return
        if (router.search or "") != query:
            router.push(f"{path}?{query}" if query else path)

    solara.use_effect(sync, [query])


def use_cancel_on_leave(task: Task) -> None:
    """Cancel the page's run when the page is left: a run nobody will see should not keep a core busy."""

    def on_mount() -> Callable[[], None]:
        def leave() -> None:
            if task.pending:
                # Left from the run's own thread (it re-rendered the page), cancel raises there.
                with contextlib.suppress(solara.util.CancelledError):
                    task.cancel()

        return leave

    solara.use_effect(on_mount, [])
