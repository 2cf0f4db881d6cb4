"""Input checks shared by the fairness modules: 0/1 labels, probabilities, lengths.

Every public function of :mod:`medlearn.fairness` takes 1-D ``(N,)`` tensors,
numpy arrays or lists, and rejects bad input with a ``ValueError`` (or
``TypeError``) that names the argument, what was expected and what arrived:
labels outside {0, 1}, probabilities outside [0, 1], NaN, empty inputs and
inputs of different lengths. See chapter 09 (fairness).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from typing import TypeAlias

import numpy as np
import torch
from torch import Tensor

__all__ = ["ArrayLike", "GroupsLike", "GroupLabels", "as_binary", "as_probabilities"]

ArrayLike: TypeAlias = "Tensor | np.ndarray | list | tuple"
"""A 1-D column of ``N`` values: a tensor, a NumPy array, a list or a tuple."""
GroupsLike: TypeAlias = "ArrayLike | Mapping[str, ArrayLike]"
"""Group ids ``(N,)``, several columns (``(N, K)``, a list) or a dict of columns."""
GroupLabels: TypeAlias = "Hashable | Collection[Hashable]"
"""One group label, or a collection of them."""


def _vector(x: ArrayLike, name: str) -> Tensor | np.ndarray:
    """A 1-D tensor stays a tensor; arrays and lists become a 1-D numpy array."""
    if not isinstance(x, Tensor):
        if not isinstance(x, (np.ndarray, list, tuple)):
            raise TypeError(
                f"{name}: expected a tensor, array or list, got {type(x).__name__}"
            )
        x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(
            f"{name}: expected a 1-D (N,) column, got shape {tuple(x.shape)}"
        )
    if len(x) == 0:
        raise ValueError(f"{name}: is empty; expected at least one sample")
    return x


def as_binary(x: ArrayLike, name: str) -> Tensor:
    """Validate 0/1 labels (tensor, array or list; bool, int or float) as a bool ``(N,)``.

    Raises ValueError naming ``name`` for values other than 0 and 1 (NaN included)
    and for anything but a 1-D non-empty column.

    Example:
        >>> as_binary([0, 1, 1.0], "y_true")
        tensor([False,  True,  True])
    """
    x = _vector(x, name)
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise ValueError(f"{name}: expected 0/1 labels, got dtype {x.dtype}")
        x = torch.from_numpy(x)
    if x.dtype == torch.bool:
        return x
    if x.is_complex() or not ((x == 0) | (x == 1)).all():
        values = x.unique()[:6].tolist()
        raise ValueError(
            f"{name}: expected labels in {{0, 1}}, got values {values}; "
            "threshold probabilities first (e.g. probs > 0.5)"
        )
    return x == 1


def as_probabilities(x: ArrayLike, name: str) -> Tensor:
    """Validate probabilities in [0, 1] as a float64 ``(N,)`` tensor.

    Raises ValueError naming ``name`` for values outside [0, 1] or NaN.

    Example:
        >>> as_probabilities([0.2, 1.0], "probs")
        tensor([0.2000, 1.0000], dtype=torch.float64)
    """
    x = _vector(x, name)
    x = torch.as_tensor(x).double()
    bad = torch.isnan(x) | (x < 0) | (x > 1)
    if bad.any():
        raise ValueError(
            f"{name}: expected probabilities in [0, 1] (apply torch.sigmoid to "
            f"logits first), got values such as {x[bad][:4].tolist()}"
        )
    return x


def _check_lengths(**arrays: ArrayLike | None) -> None:
    lengths = {name: len(x) for name, x in arrays.items() if x is not None}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"lengths differ: {lengths}; expected one entry per sample")
