"""Counter-based random numbers: a draw is a hash of (seed, team, stream, counter).

Why counter-based: a batch steps many worlds together, and a world's numbers
must not depend on which other worlds share its batch, in what order, or how
many there are; a sweep must give the same results on one worker or eight. A
sequential generator shared by the batch cannot promise that, and one
generator object per world and team is a Python object per team. Here every
(world, team, stream) has a 64-bit *key* and a *counter*; the n-th draw is
``mix64(key + (n + 1) * GOLDEN)``, which is exactly the n-th output of the
SplitMix64 generator started at ``key`` (Steele, Lea & Flood 2014, "Fast
splittable pseudorandom number generators", OOPSLA; it passes BigCrush). The
key of a world is derived from that world's own seed, so a world alone and the
same world in any position of a batch of any size draw the same numbers.

Why streams: each kind of draw (arrival gaps, sizes, dependency coins, deploy
failures, ...) has its own counter, so changing one input (say the dependency
probability) does not shift every later draw of the others. Two scenarios of
one seed then share their arrivals and sizes: common random numbers, which
make a what-if comparison far less noisy than independent runs.

All arithmetic is on ``np.uint64``, which wraps modulo 2**64 as the hash
needs; numba turns a mixed uint64/int64 expression into float64, so every
constant and shift below is a uint64.
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np

# The draws are inlined where they are used (``inline``): a call between compiled functions
# counts references to every array it passes, and those atomic counts cost more than a draw.
from sim.model.compiled import cache_guard, inline, jit

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())

GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, SplitMix64's increment
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_TEAM_SALT = np.uint64(0xD1B54A32D192ED03)
_STREAM_SALT = np.uint64(0x8CB92BA72F3D8DD7)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


class Stream(IntEnum):
    """The independent streams of draws each (world, team) has."""

    ARRIVAL = 0  # gaps between arrivals
    KIND = 1  # which kind an arrival is
    SIZE = 2  # item sizes (normals for the lognormal, or exponentials)
    VALUE = 3  # value of requested work
    DEPENDENCY = 4  # does a feature need another team, and which
    DEPLOY = 5  # does a deploy fail
    WITHDRAW = 6  # does a waiting request leave (shadow IT)
    PEOPLE = 7  # does a person leave (sim.model.workforce)
    START = 8  # how a team's starting state differs from the organisation's (sim.model.organisation)


N_STREAMS = len(Stream)


@inline
def mix64(z):
    """SplitMix64's finaliser: a bijective avalanche hash of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def make_keys(seeds, teams, streams):
    """Keys of every (world, team, stream) from the worlds' own seeds.

    Args:
        seeds: ``(worlds,)`` uint64, one seed per world.
        teams: Teams per world.
        streams: Streams per team.

    Returns:
        ``(worlds, teams, streams)`` uint64 keys. A world's keys depend on its
        seed only, never on its position in the batch.
    """
    keys = np.empty((seeds.shape[0], teams, streams), dtype=np.uint64)
    for w in range(seeds.shape[0]):
        world_key = mix64(mix64(seeds[w] + GOLDEN))
        for j in range(teams):
            team_key = mix64(world_key ^ (np.uint64(j + 1) * _TEAM_SALT))
            for s in range(streams):
                keys[w, j, s] = mix64(team_key ^ (np.uint64(s + 1) * _STREAM_SALT))
    return keys


@inline
def bits(key, counter):
    """Return the 64 random bits of draw number ``counter`` of the stream with ``key``."""
    return mix64(key + (counter + _ONE) * GOLDEN)


@inline
def to_unit(x):
    """Map 64 random bits to a float uniform on [0, 1) (the top 53 bits)."""
    return np.float64(x >> _S11) * _INV53


@inline
def uniform(keys, ctr, w, j, s):
    """Next uniform on [0, 1) of stream ``s`` of team ``j`` in world ``w``; advances its counter."""
    n = ctr[w, j, s]
    ctr[w, j, s] = n + _ONE
    return to_unit(bits(keys[w, j, s], n))


@inline
def uniform_ahead(keys, ctr, w, j, s, k):
    """Return the draw ``k + 1`` calls of :func:`uniform` would return last, without advancing the counter.

    Counter-based draws can be read in any order: a caller that must know
    which of the next ``n`` draws fall below a threshold before it can use
    them reads them here and then advances the counter by ``n`` itself.
    """
    return to_unit(bits(keys[w, j, s], ctr[w, j, s] + np.uint64(k)))


@inline
def exponential(keys, ctr, w, j, s):
    """Next standard exponential (mean 1), by inversion."""
    return -math.log(1.0 - uniform(keys, ctr, w, j, s))


def _ziggurat(layers: int, r: float, v: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the right edges ``x`` (``layers + 1``, the last 0) and heights ``f(x)`` of the normal's ziggurat.

    Layer 0 is the base, a strip of width ``v / f(r)`` whose part beyond ``r``
    stands for the tail; layer ``i`` above it spans heights ``f(x[i])`` to
    ``f(x[i + 1])``, each of area ``v``, with ``f(x) = exp(-x**2 / 2)``.
    """
    x = [v / math.exp(-r * r / 2.0), r]
    for i in range(1, layers - 1):
        x.append(math.sqrt(-2.0 * math.log(v / x[i] + math.exp(-x[i] * x[i] / 2.0))))
    x.append(0.0)
    edges = np.array(x)
    return edges, np.exp(-edges * edges / 2.0)


# Marsaglia & Tsang's 128 layers (2000, "The ziggurat method for generating random variables",
# Journal of Statistical Software 5(8)): r, the base's right edge, and v, each layer's area.
_ZIG_R = 3.442619855899
_ZIG_X, _ZIG_F = _ziggurat(128, _ZIG_R, 9.91256303526217e-3)
_LAYER = np.uint64(127)


@inline
def normal(keys, ctr, w, j, s):
    """Next standard normal, by Marsaglia and Tsang's ziggurat.

    A draw picks a layer (its low 7 bits) and a point across it (its top 53
    bits, signed); 98.8% of points lie under the curve and are the normal as
    they are, with no logarithm or cosine to compute. A point in a layer's
    wedge is kept with the chance the curve gives it, and one beyond the base
    comes from the tail by Marsaglia's method; either way a few more draws of
    the same stream are used.
    """
    while True:
        n = ctr[w, j, s]
        ctr[w, j, s] = n + _ONE
        b = bits(keys[w, j, s], n)
        i = int(b & _LAYER)
        z = (2.0 * to_unit(b) - 1.0) * _ZIG_X[i]
        if abs(z) < _ZIG_X[i + 1]:
            return z
        if i == 0:
            # Beyond r: a = -ln(U1) / r, kept when -2 ln(U2) > a**2.
            while True:
                a = -math.log(1.0 - uniform(keys, ctr, w, j, s)) / _ZIG_R
                e = -math.log(1.0 - uniform(keys, ctr, w, j, s))
                if 2.0 * e > a * a:
                    return _ZIG_R + a if z > 0.0 else -(_ZIG_R + a)
        height = _ZIG_F[i] + uniform(keys, ctr, w, j, s) * (_ZIG_F[i + 1] - _ZIG_F[i])
        if height < math.exp(-0.5 * z * z):
            return z


@inline
def lognormal(keys, ctr, w, j, s, median, sigma):
    """Next lognormal with the given median and log-standard deviation."""
    return median * math.exp(sigma * normal(keys, ctr, w, j, s))


@inline
def bernoulli(keys, ctr, w, j, s, p):
    """Next Bernoulli trial with success probability ``p``."""
    return uniform(keys, ctr, w, j, s) < p


@jit
def poisson(keys, ctr, w, j, s, lam):
    """Next Poisson count with mean ``lam``: the number of unit-rate exponential gaps within ``lam``.

    Exact for any mean; costs about ``lam + 1`` draws, so it is meant for the
    small means of one team's week. (The engine itself draws arrival *times*
    the same way and never needs the count alone.)
    """
    count = 0
    t = exponential(keys, ctr, w, j, s)
    while t < lam:
        count += 1
        t += exponential(keys, ctr, w, j, s)
    return count


def seeds_array(seeds) -> np.ndarray:
    """Worlds' seeds as the ``uint64`` array :func:`make_keys` takes (negative seeds are refused)."""
    values = [int(s) for s in np.atleast_1d(seeds)]
    if any(v < 0 or v >= 2**64 for v in values):
        raise ValueError("seeds: must be integers from 0 to 2**64 - 1")
    return np.array(values, dtype=np.uint64)


@jit
def standard_normals(keys, ctr, s, count):
    """Draw ``count`` standard normals for every (world, team) from stream ``s``.

    Returns:
        ``(count, worlds, teams)`` floats; draw ``k`` of a team is the ``k``-th of its stream.
    """
    worlds, teams = keys.shape[0], keys.shape[1]
    out = np.empty((count, worlds, teams))
    for w in range(worlds):
        for j in range(teams):
            for k in range(count):
                out[k, w, j] = normal(keys, ctr, w, j, s)
    return out
