"""The item store: every work item of every world in a few fixed-capacity arrays.

An item is a row of three arrays, ``f`` (``(capacity, len(ITEM_F))``, float64:
times, sizes, value), ``i`` (``(capacity, len(ITEM_I))``, int32: world, team,
state, the dependency fields) and ``link`` (``(capacity, len(LINK))``, int32:
the list links and the kind), whose columns ``ItemF``, ``ItemI`` and ``Link``
name. Why a row per item rather than one array per field: the week touches one
item at a time and several of its fields, so they sit side by side. Why the
links apart, in 32 bits: much of the week's time goes to walking lists (a
team's queue at the end of the week, its items in progress when the next to
finish leaves), and each step of a walk waits for the next link before it can
load anything, so the rows a walk reads are small (12 bytes). Why 32-bit
integers and no field that nothing reads: at 1,000 teams the items no longer
fit a core's cache, and 88 bytes an item rather than 124 took 7% off the flow's
week (the links and the integer fields in one row were slower). Team
state is laid out by rows too, a team's fields side by side. No Python object
exists per item, so numba-compiled code can create, queue, serve and retire
thousands of items a week at the cost of array writes. One store holds all
the worlds of a batch; an item knows its world.

Links: an item is in at most one list at a time (a team's queue of its class,
its team's work in progress, its team's finished-awaiting-deploy list, the
week's shipped list, or its team's free list), so a single pair of
``NEXT``/``PREV`` columns serves them all.

Slots: each team keeps the slots it has freed in a stack of its own, linked
through ``NEXT``, whose head is in ``meta`` (one per world and team); a team
with none left takes the next ``CHUNK`` never-used slots, in order. So a
team's items sit in a few runs of slots of their own rather than scattered
among every team's, and walking its lists (its queue at the end of a week, its
work in progress) reads memory that is already in the cache after the first
step (at 1,000 teams about 5% off the flow's week). A team keeps the slots
it took, so the store holds each team's largest number of items at once, not
the world's. Allocating and freeing are O(1) in compiled code. The store grows
by doubling, from Python between calls, when the compiled code says how many
new items a week may create (see :func:`sim.model.flow.serve.draw_arrivals`):
the compiled week never runs out.

States (``State``) and kinds (``Kind``) are small integers; ``CLASS_OF_KIND``
maps a kind to its service class, the order in which a team takes work up:
incidents, rework, other teams' dependency requests, then planned work
(features, improvements, experiments) first come first served.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


def rows(name: str, names: tuple[str, ...]) -> type[IntEnum]:
    """Name the rows (or columns) of a stacked array: ``rows("ItemF", ITEM_F).SIZE`` is the index of ``"size"``."""
    return IntEnum(name, [row.upper() for row in names], start=0)


class Kind(IntEnum):
    """What an item is. Requested work (features) carries value to the business."""

    FEATURE = 0  # a change a business unit requested
    REWORK = 1  # fixing a change that failed in production
    INCIDENT = 2  # restoring service after a failure
    IMPROVEMENT = 3  # debt, automation, learning
    EXPERIMENT = 4  # a bet on new value
    DEPENDENCY = 5  # a change another team needs before its item can finish


KIND_NAMES = tuple(k.name.lower() for k in Kind)
N_KINDS = len(Kind)


class State(IntEnum):
    """Where an item is in its life."""

    FREE = 0  # an unused slot
    WAITING = 1  # in its team's queue
    IN_PROGRESS = 2  # being worked on
    BLOCKED = 3  # its own work is done; it waits for the change it needs from another team
    DONE = 4  # finished, awaiting its team's next deploy
    DEPLOYED = 5  # in production (or, for an incident, restored); retired at the end of the week


class Klass(IntEnum):
    """Service classes, in the order a team takes work up."""

    EXPEDITE = 0  # incidents: start at once, outside the WIP limit
    REWORK = 1
    DEPENDENCY = 2
    PLANNED = 3  # features, improvements, experiments, first come first served


N_CLASSES = len(Klass)
CLASS_OF_KIND = np.array(
    [Klass.PLANNED, Klass.REWORK, Klass.EXPEDITE, Klass.PLANNED, Klass.PLANNED, Klass.DEPENDENCY],
    dtype=np.int64,
)

ITEM_F = ("size", "tag", "arrival", "finish", "deployed", "value")
ItemF = rows("ItemF", ITEM_F)

# DEP_TEAM: the team whose change a feature needs (-1: none), decided on arrival and requested
# when work on the feature starts. PARENT: for a dependency request, the item waiting on it.
# BLOCKED: requests of an item not yet done. HAD_DEP: 1 if the item ever needed another team.
ITEM_I = ("world", "team", "state", "parent", "blocked", "dep_team", "had_dep")
ItemI = rows("ItemI", ITEM_I)

LINK = ("next", "prev", "kind")
Link = rows("Link", LINK)
# Links are 32-bit slot numbers.
MAX_CAPACITY = 2**31 - 1

# FRESH: the first slot never used (every slot from it on is free and in order). FREE_COUNT: the
# slots in the teams' free stacks. Then, from OWNERS on, the head of each (world, team)'s stack.
META = ("fresh", "free_count")
Meta = rows("Meta", META)
OWNERS = len(META)
# Never-used slots a team takes at once when its own stack is empty.
CHUNK = 16

NONE = -1


class ItemStore:
    """Fixed-capacity arrays of items, with a free stack per team; grows by doubling.

    Args:
        owners: Teams that hold items (worlds times teams); the items of team
            ``j`` of world ``w`` use the stack ``OWNERS + w * teams + j``.
        capacity: Slots to start with.

    Attributes:
        f: ``(capacity, len(ITEM_F))`` float64 fields.
        i: ``(capacity, len(ITEM_I))`` int32 fields.
        link: ``(capacity, len(LINK))`` int32 links and kind.
        meta: ``(len(META) + owners,)`` int64: the first never-used slot, the
            slots in the teams' stacks, and each team's stack head.
    """

    def __init__(self, owners: int, capacity: int = 1024) -> None:
        capacity = min(max(int(capacity), 1), MAX_CAPACITY)
        self.owners = int(owners)
        self.f = np.zeros((capacity, len(ITEM_F)))
        self.i = np.full((capacity, len(ITEM_I)), NONE, dtype=np.int32)
        self.i[:, ItemI.STATE] = State.FREE
        self.link = np.full((capacity, len(LINK)), NONE, dtype=np.int32)
        self.meta = np.full(OWNERS + self.owners, NONE, dtype=np.int64)
        self.meta[Meta.FRESH] = 0
        self.meta[Meta.FREE_COUNT] = 0

    @property
    def capacity(self) -> int:
        """Slots, used and free."""
        return self.f.shape[0]

    @property
    def fresh(self) -> int:
        """Slots never used yet."""
        return self.capacity - int(self.meta[Meta.FRESH])

    @property
    def free(self) -> int:
        """Free slots: never used, or freed into a team's stack."""
        return self.fresh + int(self.meta[Meta.FREE_COUNT])

    @property
    def used(self) -> int:
        """Slots holding an item."""
        return self.capacity - self.free

    def reserve(self, items: int) -> None:
        """Make sure that ``items`` new items fit, whichever teams they belong to, doubling the capacity as needed.

        A team takes never-used slots only when its own stack is empty, and
        then ``CHUNK`` at a time, so ``items`` new items take at most
        ``items + CHUNK * owners`` of them.

        Raises:
            MemoryError: That would take more slots than 32-bit links can name.
        """
        fresh = int(items) + CHUNK * self.owners
        if self.fresh >= fresh:
            return
        old = self.capacity
        new = old
        while new - int(self.meta[Meta.FRESH]) < fresh:
            new *= 2
        if new > MAX_CAPACITY:
            raise MemoryError(f"flow item store: {new} slots is more than {MAX_CAPACITY}")
        f = np.zeros((new, len(ITEM_F)))
        i = np.full((new, len(ITEM_I)), NONE, dtype=np.int32)
        link = np.full((new, len(LINK)), NONE, dtype=np.int32)
        f[:old] = self.f
        i[:old] = self.i
        link[:old] = self.link
        i[old:, ItemI.STATE] = State.FREE
        self.f, self.i, self.link = f, i, link

    def nbytes(self) -> int:
        """Memory the arrays take."""
        return self.f.nbytes + self.i.nbytes + self.link.nbytes + self.meta.nbytes
