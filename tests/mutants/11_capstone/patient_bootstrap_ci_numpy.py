# replaces: patient_bootstrap_ci
# must pass: numpy throughout, np.random.default_rng(seed), np.unique codes and np.quantile
"""Correct: the same cluster bootstrap with numpy's generator and quantiles."""

import numpy as np


def patient_bootstrap_ci(values, patient_ids, n_boot=2000, level=0.95, seed=0):
    v = np.asarray(values, dtype=np.float64)
    ids = np.asarray([str(p.item()) if hasattr(p, "item") else str(p) for p in patient_ids])
    _, unit = np.unique(ids, return_inverse=True)
    n = unit.max() + 1
    sums = np.bincount(unit, weights=v, minlength=n)
    counts = np.bincount(unit, minlength=n).astype(np.float64)
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    reps = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    low, high = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return float(v.mean()), float(low), float(high)
