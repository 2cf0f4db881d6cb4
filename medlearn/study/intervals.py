"""Metrics with confidence intervals, resampling patients, per site and per group.

A study reports a metric with its uncertainty over *patients*: the question
is how the model would do on the next patients, not on the next pixels. So the
bootstrap resamples the units that were sampled (patients, with all their
scans: a cluster bootstrap); resampling scans or pixels treats correlated
measurements as independent and gives intervals that are too narrow.

:func:`bootstrap_ci` is the percentile bootstrap of scipy's
``scipy.stats.bootstrap(..., method="percentile")`` when every patient has
one row; with several rows per patient it draws patients. The estimate of a
replicate is the mean over its rows (pooled over scans), as the point
estimate is. :func:`results_table` applies it per metric, overall and per
level of each grouping column (site, group), and :func:`to_markdown` prints
the table.

See chapter 11 (capstone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from medlearn._helpers import check_positive_int
from medlearn.study.splits import IdsLike, encode_ids

__all__ = ["Interval", "bootstrap_ci", "results_table", "to_markdown"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with its percentile bootstrap interval.

    Attributes:
        estimate: the mean over all rows.
        low: the ``(1 - level) / 2`` quantile of the replicates.
        high: the ``(1 + level) / 2`` quantile.
        level: the confidence level, e.g. 0.95.
        n_units: the number of units (patients) resampled.
        n_rows: the number of rows (scans).
    """

    estimate: float
    low: float
    high: float
    level: float
    n_units: int
    n_rows: int


def _values(values: Tensor | Sequence[float]) -> Tensor:
    v = torch.as_tensor(values)
    v = v.to(torch.float32 if v.device.type == "mps" else torch.float64)
    if v.dim() != 1 or len(v) == 0:
        raise ValueError(
            f"values: expected a non-empty 1-D sequence, got shape {tuple(v.shape)}"
        )
    if bool(v.isnan().any()):
        raise ValueError(
            "values: contains NaN (e.g. Dice of an empty prediction and target); "
            "decide what such a case scores before computing an interval"
        )
    return v


def _cluster_means(v: Tensor, units: Tensor, draws: Tensor) -> Tensor:
    """``(B,)`` the pooled mean of each replicate's rows; ``draws`` is ``(B, U)``."""
    n_units = int(units.max()) + 1
    sums = torch.zeros(n_units, dtype=v.dtype).index_add_(0, units, v)
    counts = torch.zeros(n_units, dtype=v.dtype).index_add_(
        0, units, torch.ones_like(v)
    )
    return sums[draws].sum(1) / counts[draws].sum(1)


def bootstrap_ci(
    values: Tensor | Sequence[float],
    units: IdsLike | None = None,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of the mean, resampling units (patients).

    Args:
        values: ``(N,)`` one metric value per row (e.g. per scan's Dice).
        units: ``(N,)`` the unit (patient) of each row; a replicate draws
            units with replacement and keeps all their rows. Defaults to None
            (each row its own unit).
        n_boot: B, the number of replicates. Defaults to 2000.
        level: the confidence level in (0, 1). Defaults to 0.95.
        seed: the seed of the resampling. Defaults to 0.

    Returns:
        An :class:`Interval`.

    Raises:
        ValueError: for empty or NaN values, units of another length,
            ``n_boot < 1`` or a level outside (0, 1).

    Example:
        >>> ci = bootstrap_ci([0.8, 0.9, 0.7, 0.85], n_boot=200)
        >>> round(ci.estimate, 4), ci.low <= ci.estimate <= ci.high
        (0.8125, True)
    """
    v = _values(values)
    check_positive_int("n_boot", n_boot)
    if not 0 < level < 1:
        raise ValueError(f"level: expected a confidence level in (0, 1), got {level!r}")
    u = torch.arange(len(v)) if units is None else encode_ids(units, "units")
    if len(u) != len(v):
        raise ValueError(f"units: expected {len(v)} (one per value), got {len(u)}")
    n_units = int(u.max()) + 1
    g = torch.Generator().manual_seed(seed)
    # drawn on the CPU, so that a run on any device resamples the same patients
    draws = torch.randint(n_units, (n_boot, n_units), generator=g)  # (B, U)
    means = _cluster_means(v, u.to(v.device), draws.to(v.device))
    q = torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=v.dtype, device=v.device)
    low, high = torch.quantile(means, q).tolist()
    return Interval(float(v.mean()), low, high, level, n_units, len(v))


def results_table(
    metrics: Mapping[str, Tensor | Sequence[float]],
    units: IdsLike,
    by: Mapping[str, IdsLike] | None = None,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> list[dict[str, object]]:
    """One row per metric and subset: all rows, then each level of each column.

    Args:
        metrics: ``{name: (N,) values}``, e.g. per-scan Dice and HD95 in mm.
        units: ``(N,)`` the patient of each row (the bootstrap's unit).
        by: ``{column: (N,) labels}``, e.g. ``{"site": ..., "group": ...}``.
            Defaults to None (overall only).
        n_boot: replicates per interval. Defaults to 2000.
        level: the confidence level. Defaults to 0.95.
        seed: the seed of every interval's resampling. Defaults to 0.

    Returns:
        A list of dicts with keys ``metric``, ``subset`` (``"all"`` or
        ``"site=B"``), ``patients``, ``scans``, ``estimate``, ``low``, ``high``, ``level``.

    Raises:
        ValueError: for columns or metrics of another length, or no metric.

    Example:
        >>> rows = results_table({"dice": [0.8, 0.9, 0.6, 0.7]}, [0, 0, 1, 2],
        ...                      by={"site": ["A", "A", "B", "B"]}, n_boot=100)
        >>> [(r["subset"], r["patients"], r["scans"]) for r in rows]
        [('all', 3, 4), ('site=A', 1, 2), ('site=B', 2, 2)]
    """
    if not metrics:
        raise ValueError("metrics: expected at least one metric")
    u = encode_ids(units, "units")
    subsets: list[tuple[str, Tensor]] = [("all", torch.ones(len(u), dtype=torch.bool))]
    for column, labels in (by or {}).items():
        values = labels.tolist() if isinstance(labels, Tensor) else list(labels)
        if len(values) != len(u):
            raise ValueError(
                f"by[{column!r}]: expected {len(u)} labels, got {len(values)}"
            )
        for level_value in dict.fromkeys(values):  # in order of first appearance
            mask = torch.tensor([x == level_value for x in values])
            subsets.append((f"{column}={level_value}", mask))
    rows = []
    for name, metric in metrics.items():
        v = _values(metric)
        if len(v) != len(u):
            raise ValueError(
                f"metrics[{name!r}]: expected {len(u)} values, got {len(v)}"
            )
        for subset, mask in subsets:
            ci = bootstrap_ci(
                v[mask.to(v.device)], u[mask].tolist(), n_boot, level, seed
            )
            rows.append(
                {
                    "metric": name,
                    "subset": subset,
                    "patients": ci.n_units,
                    "scans": ci.n_rows,
                    "estimate": ci.estimate,
                    "low": ci.low,
                    "high": ci.high,
                    "level": ci.level,
                }
            )
    return rows


def to_markdown(rows: Sequence[Mapping[str, object]], digits: int = 3) -> str:
    """A results table as Markdown: metric, subset, patients, scans, estimate [CI].

    Args:
        rows: as :func:`results_table` returns.
        digits: decimals of the numbers. Defaults to 3.

    Returns:
        The table, one line per row, with a header.

    Example:
        >>> print(to_markdown([{"metric": "dice", "subset": "all", "patients": 3,
        ...     "scans": 4, "estimate": 0.75, "low": 0.6, "high": 0.9, "level": 0.95}]))
        | metric | subset | patients | scans | estimate [95% CI] |
        |---|---|---|---|---|
        | dice | all | 3 | 4 | 0.750 [0.600, 0.900] |
    """
    level = rows[0].get("level", 0.95) if rows else 0.95
    lines = [
        f"| metric | subset | patients | scans | estimate [{level:.0%} CI] |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['metric']} | {r['subset']} | {r['patients']} | {r['scans']} | "
            f"{r['estimate']:.{digits}f} [{r['low']:.{digits}f}, {r['high']:.{digits}f}] |"
        )
    return "\n".join(lines)
