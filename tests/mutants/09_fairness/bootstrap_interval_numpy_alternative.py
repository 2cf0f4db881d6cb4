# replaces: bootstrap_interval
# must pass: numpy's default_rng(seed) and np.quantile
"""Correct: the same stratified bootstrap with numpy's generator."""

import numpy as np


def bootstrap_interval(y_true, y_pred, groups, rate="tpr", n_boot=1000, level=0.95, seed=0):
    if rate not in ("selection_rate", "tpr", "fpr"):
        raise ValueError(f"unknown rate {rate!r}")
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    g = np.asarray(groups)
    rng = np.random.default_rng(seed)

    def value(tt, pp):
        if rate == "selection_rate":
            return pp.mean(-1)
        keep = tt if rate == "tpr" else ~tt
        return (pp & keep).sum(-1) / keep.sum(-1)

    est, reps = [], []
    for k in np.unique(g):
        rows = np.flatnonzero(g == k)
        drawn = rows[rng.integers(0, len(rows), size=(n_boot, len(rows)))]
        est.append(value(t[rows], p[rows]))
        reps.append(value(t[drawn], p[drawn]))
    est, reps = np.array(est), np.stack(reps, axis=1)
    d = reps.max(1) - reps.min(1)
    low, high = np.quantile(d, [(1 - level) / 2, (1 + level) / 2])
    return float(est.max() - est.min()), float(low), float(high)
