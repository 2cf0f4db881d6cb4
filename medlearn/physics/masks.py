"""Cartesian undersampling masks over k-space columns, with fastMRI's rules.

See chapter 10 (applications).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["undersampling_mask"]

_MASK_KINDS = ("random", "equispaced")


def _check_mask_args(
    num_cols: int, acceleration: float, center_fraction: float, kind: str
) -> int:
    if not isinstance(num_cols, int) or num_cols < 1:
        raise ValueError(f"num_cols must be a positive int, got {num_cols!r}")
    if not acceleration >= 1:
        raise ValueError(f"acceleration must be >= 1, got {acceleration!r}")
    if not 0 <= center_fraction <= 1:
        raise ValueError(f"center_fraction must be in [0, 1], got {center_fraction!r}")
    if kind not in _MASK_KINDS:
        raise ValueError(f"kind must be one of {_MASK_KINDS}, got {kind!r}")
    n_centre = round(num_cols * center_fraction)  # Python's round, as fastMRI
    if n_centre > num_cols / acceleration:
        raise ValueError(
            f"center_fraction={center_fraction} gives {n_centre} centre lines, more "
            f"than num_cols / acceleration = {num_cols / acceleration:g}: lower "
            "center_fraction or acceleration"
        )
    return n_centre


def _equispaced_lines(
    num_cols: int,
    acceleration: float,
    n_centre: int,
    offset: int | None,
    generator: torch.Generator | None,
) -> Tensor:
    """Outer lines of fastMRI's equispaced mask, spaced to reach N / acceleration."""
    device = generator.device if generator is not None else None
    mask = torch.zeros(num_cols, dtype=torch.bool, device=device)
    if n_centre * acceleration == num_cols:  # the centre is the whole budget
        return mask
    adjusted = (
        acceleration * (n_centre - num_cols) / (n_centre * acceleration - num_cols)
    )
    high = round(adjusted)
    if offset is None:
        offset = int(torch.randint(0, high, (1,), generator=generator, device=device))
    elif not isinstance(offset, int) or not 0 <= offset < high:
        raise ValueError(f"offset must be an int in [0, {high}), got {offset!r}")
    # offset + i * adjusted, as np.arange computes it (torch.arange with a float step
    # can land just below a .5 that numpy hits exactly, and then rounds the other way)
    count = max(math.ceil((num_cols - 1 - offset) / adjusted), 0)
    i = torch.arange(count, dtype=torch.float64, device=device)
    positions = offset + adjusted * i  # (count,)
    mask[positions.round().long()] = True  # round half to even, as np.around
    return mask


def undersampling_mask(
    num_cols: int,
    acceleration: float,
    center_fraction: float,
    kind: str = "random",
    generator: torch.Generator | None = None,
    *,
    offset: int | None = None,
) -> Tensor:
    """A Cartesian undersampling mask over k-space columns, with fastMRI's rules.

    ``n_c = round(num_cols * center_fraction)`` centre columns (the low
    frequencies) are always kept, from ``(num_cols - n_c + 1) // 2`` on. The rest:

    * ``"random"`` (fastMRI's ``RandomMaskFunc``): each other column is kept with
      probability ``(num_cols / acceleration - n_c) / (num_cols - n_c)``, so the
      expected number of columns is ``num_cols / acceleration``.
    * ``"equispaced"`` (fastMRI 0.1's ``EquispacedMaskFunc``, since renamed
      ``EquispacedMaskFractionFunc``; fastMRI's current ``EquiSpacedMaskFunc``
      keeps ``offset::acceleration`` without adjustment): columns
      ``round(offset + i * a)`` for ``offset + i * a < num_cols - 1`` (so the
      last column is never one, as in fastMRI), spaced by the adjusted
      acceleration ``a = acceleration (n_c - N) / (n_c acceleration - N)`` so that
      about ``num_cols / acceleration`` columns are kept with the centre;
      ``offset`` is drawn uniformly from ``0 .. round(a) - 1``. Where the centre
      alone is the budget (fastMRI divides by zero) only the centre is kept.

    Args:
        num_cols: number of k-space columns ``W``.
        acceleration: undersampling factor ``R >= 1``.
        center_fraction: fraction of columns fully sampled at the centre.
        kind: ``"random"`` or ``"equispaced"``. Defaults to ``"random"``.
        generator: source of randomness (torch's, not fastMRI's NumPy state, so
            the same seed does not give fastMRI's mask); the mask is made on its
            device. Defaults to None (the global generator, on the CPU).
        offset: first equispaced column; ignored for ``"random"``. Defaults to
            None (drawn).

    Returns:
        Bool tensor ``(num_cols,)``, True where a column is measured.

    Raises:
        ValueError: on a bad size, acceleration, fraction, kind or offset, or if
            the centre lines alone exceed ``num_cols / acceleration``.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> m = undersampling_mask(16, 4, 0.125, "equispaced", g, offset=0)
        >>> m.int().tolist()
        [1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0]

    See chapter 10 (applications).
    """
    n_centre = _check_mask_args(num_cols, acceleration, center_fraction, kind)
    device = generator.device if generator is not None else None
    if n_centre == num_cols:
        return torch.ones(num_cols, dtype=torch.bool, device=device)
    if kind == "random":
        prob = (num_cols / acceleration - n_centre) / (num_cols - n_centre)
        mask = torch.rand(num_cols, generator=generator, device=device) < prob
    else:
        mask = _equispaced_lines(num_cols, acceleration, n_centre, offset, generator)
    pad = (num_cols - n_centre + 1) // 2
    mask[pad : pad + n_centre] = True
    return mask
