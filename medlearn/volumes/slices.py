"""2D, 2.5D and 3D views of one volume: slices, adjacent-slice stacks.

A 2D network sees a volume as a batch of slices (:func:`to_slices`), one at a
time, blind to its neighbours. A 2.5D network gets each slice together with
its ``k`` neighbours on each side as input channels (:func:`stack_adjacent`):
a little of the third dimension at the cost of a 2D network. A 3D network takes
the volume whole. :class:`SliceWise` runs a 2D (or 2.5D) network on a volume
and returns a volume, so the three plug into the same code, e.g.
:func:`medlearn.volumes.sliding_window_inference`. See chapter 05 (volumes).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import check_positive_int

__all__ = [
    "to_slices",
    "from_slices",
    "stack_adjacent",
    "unstack_adjacent",
    "slicewise",
    "SliceWise",
]


def _volume(x: Tensor, name: str = "volume") -> tuple[Tensor, bool]:
    """``(N, C, D, H, W)`` view of a 4-D or 5-D volume, and whether it was 4-D."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.ndim not in (4, 5):
        raise ValueError(
            f"{name}: expected (C, D, H, W) or (N, C, D, H, W), got {tuple(x.shape)}"
        )
    return (x[None], True) if x.ndim == 4 else (x, False)


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"k: expected an int >= 0, got {k!r}")
    return k


def to_slices(volume: Tensor) -> Tensor:
    """A volume as a batch of 2D slices, volume-major: slice ``n * D + z``.

    Args:
        volume: ``(N, C, D, H, W)``, or ``(C, D, H, W)`` for one volume.

    Returns:
        ``(N * D, C, H, W)`` (``(D, C, H, W)`` for one volume).

    Raises:
        ValueError: if ``volume`` is not 4-D or 5-D.

    Example:
        >>> to_slices(torch.zeros(2, 1, 5, 8, 8)).shape
        torch.Size([10, 1, 8, 8])
    """
    x, _ = _volume(volume)
    N, C, D, H, W = x.shape
    return x.transpose(1, 2).reshape(N * D, C, H, W)  # (N, D, C, H, W) -> slices


def from_slices(slices: Tensor, depth: int) -> Tensor:
    """The inverse of :func:`to_slices`: stack a batch of slices into volumes.

    ``from_slices(to_slices(v), D)`` returns ``v`` exactly (as ``(1, C, D, H, W)``
    for a 4-D ``v``), and ``to_slices(from_slices(s, D))`` returns ``s``.

    Args:
        slices: ``(N * depth, C, H, W)``, volume-major.
        depth: slices per volume, ``D``.

    Returns:
        ``(N, C, depth, H, W)``.

    Raises:
        ValueError: if ``slices`` is not 4-D or its batch is not a multiple of
            ``depth``.

    Example:
        >>> from_slices(torch.zeros(10, 1, 8, 8), depth=5).shape
        torch.Size([2, 1, 5, 8, 8])
    """
    if not isinstance(slices, Tensor) or slices.ndim != 4:
        got = (
            tuple(slices.shape) if isinstance(slices, Tensor) else type(slices).__name__
        )
        raise ValueError(f"slices: expected (N * D, C, H, W), got {got}")
    check_positive_int("depth", depth)
    B, C, H, W = slices.shape
    if B % depth:
        raise ValueError(f"slices: batch {B} is not a multiple of depth {depth}")
    return slices.reshape(B // depth, depth, C, H, W).transpose(1, 2)


def _adjacent_valid(x: Tensor, k: int) -> Tensor:
    """``(N, C, D, H, W)`` -> ``(N, C * (2k + 1), D - 2k, H, W)``, no padding."""
    N, C, D, H, W = x.shape
    windows = x.unfold(2, 2 * k + 1, 1)  # (N, C, D - 2k, H, W, 2k + 1)
    windows = windows.permute(0, 1, 5, 2, 3, 4)  # (N, C, 2k + 1, D - 2k, H, W)
    return windows.reshape(N, C * (2 * k + 1), D - 2 * k, H, W)


def stack_adjacent(volume: Tensor, k: int) -> Tensor:
    """2.5D input: every slice with its ``k`` neighbours on each side as channels.

    Output channel ``c * (2k + 1) + j`` at slice ``z`` is input channel ``c`` at
    slice ``z + j - k``; beyond the first and last slice the edge slice is
    repeated (never wrapped around). The centre channels are the input, so
    :func:`unstack_adjacent` inverts it exactly.

    Args:
        volume: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        k: neighbours on each side, ``>= 0`` (``k = 0`` is plain 2D).

    Returns:
        ``(N, C * (2k + 1), D, H, W)`` (without ``N`` for a 4-D input).

    Raises:
        ValueError: if ``volume`` is not 4-D or 5-D or ``k`` is negative.

    Example:
        >>> v = torch.arange(3.0).view(1, 3, 1, 1)  # slices 0, 1, 2
        >>> stack_adjacent(v, 1)[:, :, 0, 0].T.tolist()  # one row per slice
        [[0.0, 0.0, 1.0], [0.0, 1.0, 2.0], [1.0, 2.0, 2.0]]
    """
    x, single = _volume(volume)
    k = _check_k(k)
    if k:
        x = F.pad(x, (0, 0, 0, 0, k, k), mode="replicate")  # repeat the edge slices
    out = _adjacent_valid(x, k)
    return out[0] if single else out


def unstack_adjacent(stacked: Tensor, k: int) -> Tensor:
    """The inverse of :func:`stack_adjacent`: keep each slice's own channels.

    Args:
        stacked: ``(N, C * (2k + 1), D, H, W)`` or ``(C * (2k + 1), D, H, W)``.
        k: neighbours on each side used to build it.

    Returns:
        ``(N, C, D, H, W)`` (without ``N`` for a 4-D input).

    Raises:
        ValueError: for a wrong rank, a negative ``k``, or a channel count
            that is not a multiple of ``2k + 1``.

    Example:
        >>> v = torch.randn(2, 6, 4, 4)
        >>> torch.equal(unstack_adjacent(stack_adjacent(v, 2), 2), v)
        True
    """
    x, single = _volume(stacked, "stacked")
    k = _check_k(k)
    N, CK, D, H, W = x.shape
    if CK % (2 * k + 1):
        raise ValueError(
            f"stacked: {CK} channels is not a multiple of 2k + 1 = {2 * k + 1}"
        )
    out = x.reshape(N, CK // (2 * k + 1), 2 * k + 1, D, H, W)[:, :, k]
    return out[0] if single else out


def slicewise(model: nn.Module, volume: Tensor, context: int = 0) -> Tensor:
    """Run a 2D model on every slice of a volume and stack its outputs.

    With ``context = k``, the model gets each slice with its ``k`` neighbours
    on each side as channels (a 2.5D model taking ``C * (2k + 1)`` channels),
    and the input must carry ``k`` extra slices at each end: the output covers
    the inner ``D - 2k`` slices (``sliding_window_inference(..., context=k)``
    supplies those slices, repeating the volume's edges).

    Args:
        model: maps ``(B, C * (2k + 1), H, W)`` to ``(B, K, H', W')``.
        volume: ``(N, C, D, H, W)``.
        context: ``k``, extra slices at each end. Defaults to 0 (plain 2D).

    Returns:
        ``(N, K, D - 2k, H', W')``.

    Raises:
        ValueError: if ``volume`` is not 5-D or has no more than ``2k`` slices.

    Example:
        >>> net = nn.Conv2d(3, 2, 3, padding=1)  # a 2.5D model, k = 1
        >>> slicewise(net, torch.randn(1, 1, 6, 8, 8), context=1).shape
        torch.Size([1, 2, 4, 8, 8])
    """
    k = _check_k(context)
    if not isinstance(volume, Tensor) or volume.ndim != 5:
        got = (
            tuple(volume.shape) if isinstance(volume, Tensor) else type(volume).__name__
        )
        raise ValueError(f"volume: expected (N, C, D, H, W), got {got}")
    depth = volume.shape[2] - 2 * k
    if depth < 1:
        raise ValueError(
            f"volume: context {k} needs more than {2 * k} slices, got {volume.shape[2]}"
        )
    out = model(to_slices(_adjacent_valid(volume, k)))  # (N * depth, K, H', W')
    return from_slices(out, depth)


class SliceWise(nn.Module):
    """A 2D (or 2.5D) model as a module on volumes: :func:`slicewise`.

    Args:
        model: the 2D network.
        context: neighbours on each side given as channels. Defaults to 0.

    Example:
        >>> m = SliceWise(nn.Conv2d(1, 2, 3, padding=1))
        >>> m(torch.randn(1, 1, 4, 8, 8)).shape
        torch.Size([1, 2, 4, 8, 8])
    """

    def __init__(self, model: nn.Module, context: int = 0) -> None:
        super().__init__()
        self.model = model
        self.context = _check_k(context)

    def forward(self, volume: Tensor) -> Tensor:
        return slicewise(self.model, volume, self.context)
