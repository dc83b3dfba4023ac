"""Random streams and vectorised sampling helpers.

Every component draws from its own stream, derived from the seed and the
component's name, so generating fewer services (or adding one) never changes
what another component draws.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *names: str) -> np.random.Generator:
    """An independent generator for the component called `names` under `seed`."""
    key = tuple(zlib.crc32(name.encode()) for name in names)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def categorical(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    """`size` draws of indices 0..k-1 with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def categorical_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) matrix of unnormalised weights."""
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cumulative[:, -1]
    return np.minimum((cumulative <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


def weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """`k` distinct indices drawn with probability proportional to `weights`
    (Efraimidis-Spirakis exponential keys), in ascending index order. Rows with
    zero weight are never drawn; fewer than `k` come back if fewer are eligible."""
    weights = np.asarray(weights, dtype=float)
    eligible = np.flatnonzero(weights > 0)
    k = min(k, len(eligible))
    if k == 0:
        return np.empty(0, dtype=np.int64)
    keys = rng.exponential(size=len(eligible)) / weights[eligible]
    chosen = np.argpartition(keys, k - 1)[:k] if k < len(eligible) else np.arange(len(eligible))
    return np.sort(eligible[chosen])


def unique_draws(rng: np.random.Generator, low: int, high: int, size: int) -> np.ndarray:
    """`size` distinct integers in [low, high), in random order."""
    if size > high - low:
        raise ValueError(f"cannot draw {size} distinct values from {high - low}")
    out = np.empty(0, dtype=np.int64)
    while len(out) < size:
        extra = rng.integers(low, high, size=int((size - len(out)) * 1.1) + 16)
        merged = np.concatenate([out, extra])
        _, first = np.unique(merged, return_index=True)
        out = merged[np.sort(first)]
    return out[:size]
