"""Helpers that several modules share (private): argument checks, reductions, modes.

Every module that broadcasts a size argument to its axes, reduces a per-item
loss or switches a model's mode for a while uses these, so each rule and each
error message exists once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from torch import Tensor, nn

__all__ = [
    "IntOrTuple",
    "per_axis",
    "ntuple",
    "check_choice",
    "check_positive_int",
    "REDUCTIONS",
    "check_reduction",
    "reduce",
    "preserve_modes",
]

IntOrTuple = int | Sequence[int]


def per_axis(value: object, n: int, name: str) -> tuple:
    """Broadcast one value to ``n`` axes, or check that a sequence has ``n`` entries.

    Args:
        value: one value (any type but a sequence), or a sequence of ``n``.
        n: number of axes.
        name: the argument's name, for the error message.

    Returns:
        A tuple of ``n`` values (not validated further; see :func:`ntuple`).

    Raises:
        ValueError: naming ``name``, for a sequence of another length.

    Example:
        >>> per_axis(0.25, 3, "overlap"), per_axis((1, None), 2, "roi_size")
        ((0.25, 0.25, 0.25), (1, None))
    """
    is_sequence = isinstance(value, Sequence) and not isinstance(value, str)
    values = tuple(value) if is_sequence else (value,) * n
    if len(values) != n:
        raise ValueError(f"{name}: expected one value or {n}, got {value!r}")
    return values


def ntuple(value: IntOrTuple, n: int, name: str, minimum: int = 1) -> tuple[int, ...]:
    """Broadcast an int to ``n`` axes and check every entry is an int >= ``minimum``.

    Args:
        value: an int, or a sequence of ``n`` ints.
        n: number of axes.
        name: the argument's name, for the error message.
        minimum: the smallest allowed entry. Defaults to 1.

    Returns:
        A tuple of ``n`` ints.

    Raises:
        ValueError: naming ``name``, for a wrong length, a non-int (bools
            included) or an entry below ``minimum``.

    Example:
        >>> ntuple(3, 2, "kernel_size"), ntuple((0, 1), 2, "padding", minimum=0)
        ((3, 3), (0, 1))
    """
    values = (value,) * n if isinstance(value, int) else value
    values = tuple(values) if isinstance(values, Sequence) else ()
    ok = len(values) == n and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in values
    )
    if not ok:
        raise ValueError(
            f"{name} must be an int >= {minimum} or a tuple of {n} such ints, "
            f"got {value!r}"
        )
    return values


def check_choice(name: str, value: object, choices: tuple) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is one of ``choices``.

    Example:
        >>> check_choice("norm", "batch", (None, "batch", "instance"))
    """
    if value not in choices:
        raise ValueError(f"{name}: expected one of {choices}, got {value!r}")


def check_positive_int(name: str, value: object) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is an int >= 1 (not a bool).

    Example:
        >>> check_positive_int("n_samples", 8)
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value!r}")


REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> None:
    """Raise ``ValueError`` unless ``reduction`` is "mean", "sum" or "none"."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction: expected 'mean', 'sum' or 'none', got {reduction!r}"
        )


def reduce(loss: Tensor, reduction: str) -> Tensor:
    """Mean, sum, or the per-item values (``"none"``), as torch's losses do.

    Example:
        >>> import torch
        >>> reduce(torch.tensor([1.0, 3.0]), "mean")
        tensor(2.)
    """
    check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


@contextlib.contextmanager
def preserve_modes(model: nn.Module) -> Iterator[nn.Module]:
    """Restore the train/eval mode of ``model`` and of every submodule on exit.

    ``model.train(was_training)`` is not enough: it sets every submodule to
    the top-level mode, so a BatchNorm frozen in eval mode inside a training
    model would come back in training mode. The modes are restored even when
    the block raises.

    Args:
        model: the network whose modes the block may change.

    Yields:
        ``model``.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        >>> _ = net[1].eval()  # a frozen BatchNorm in a training model
        >>> with preserve_modes(net):
        ...     _ = net.eval()
        >>> net.training, net[1].training
        (True, False)
    """
    modes = [(module, module.training) for module in model.modules()]
    try:
        yield model
    finally:
        for module, mode in modes:
            module.training = mode
