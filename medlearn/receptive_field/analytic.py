"""The receptive field by the recurrence, and in millimetres.

:func:`receptive_field` runs the recurrence over a list of :class:`Layer`
(kernel, stride, padding, dilation) per axis. With the effective kernel
``k' = dilation * (kernel - 1) + 1`` and ``r_0 = j_0 = 1, P_0 = 0``:
``r_l = r_{l-1} + (k'_l - 1) * j_{l-1}`` (size), ``j_l = j_{l-1} * s_l``
(jump, the effective stride) and ``P_l = P_{l-1} + p_l * j_{l-1}``
(effective padding). Output ``i`` sees input ``[i * j - P, i * j - P + r)``.
:func:`physical_receptive_field` turns voxels into millimetres. See chapter
02 (convolution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from medlearn._helpers import IntOrTuple, ntuple

__all__ = [
    "Layer",
    "ReceptiveField",
    "receptive_field",
    "physical_receptive_field",
]


@dataclass(frozen=True)
class Layer:
    """One convolution or pooling layer, as the receptive field sees it.

    Args:
        kernel: kernel size, an int or one per axis (1 to 3 axes).
        stride: step between outputs. Defaults to 1.
        padding: zeros added before the first input, per side. Defaults to 0.
        dilation: gap between kernel taps. Defaults to 1.
        name: a label for tables and figures. Defaults to "".

    Raises:
        ValueError: if a value is not a positive int (padding: >= 0) or the
            tuples disagree on the number of axes.

    Example:
        >>> Layer(3, padding=1).axes(2)
        ((3, 3), (1, 1), (1, 1), (1, 1))
    """

    kernel: IntOrTuple
    stride: IntOrTuple = 1
    padding: IntOrTuple = 0
    dilation: IntOrTuple = 1
    name: str = ""

    def __post_init__(self) -> None:
        self.axes(self.spatial_dims or 1)

    @property
    def spatial_dims(self) -> int | None:
        """Number of axes fixed by a tuple argument, None if all are ints."""
        fields = (self.kernel, self.stride, self.padding, self.dilation)
        lengths = {len(v) for v in fields if not isinstance(v, int)}
        if len(lengths) > 1 or not lengths <= {1, 2, 3}:
            raise ValueError(f"Layer arguments must share 1 to 3 axes, got {self}")
        return lengths.pop() if lengths else None

    def axes(self, spatial_dims: int) -> tuple[tuple[int, ...], ...]:
        """``(kernel, stride, padding, dilation)``, each one int per axis."""
        return (
            ntuple(self.kernel, spatial_dims, "kernel", 1),
            ntuple(self.stride, spatial_dims, "stride", 1),
            ntuple(self.padding, spatial_dims, "padding", 0),
            ntuple(self.dilation, spatial_dims, "dilation", 1),
        )


@dataclass(frozen=True)
class ReceptiveField:
    """Size, jump (effective stride) and effective padding, per axis.

    Example:
        >>> rf = ReceptiveField(size=(5,), jump=(2,), padding=(2,))
        >>> rf.region(3), rf.start
        (((4, 9),), (0.0,))
    """

    size: tuple[int, ...]
    jump: tuple[int, ...]
    padding: tuple[int, ...]

    @property
    def spatial_dims(self) -> int:
        return len(self.size)

    @property
    def start(self) -> tuple[float, ...]:
        """Centre of the field of output 0 in input coordinates (pixel centres)."""
        return tuple((r - 1) / 2 - p for r, p in zip(self.size, self.padding))

    def region(self, index: IntOrTuple) -> tuple[tuple[int, int], ...]:
        """Input region ``[start, stop)`` per axis seen by output ``index``.

        Coordinates below 0 or past the input are padding.
        """
        index = ntuple(index, self.spatial_dims, "index", 0)
        return tuple(
            (i * j - p, i * j - p + r)
            for i, j, p, r in zip(index, self.jump, self.padding, self.size)
        )


def receptive_field(
    layers: Sequence[Layer], spatial_dims: int | None = None
) -> ReceptiveField:
    """Receptive field of a chain of layers, by the recurrence (module docstring).

    Args:
        layers: the layers from input to output.
        spatial_dims: number of axes; inferred from tuple arguments when None.
            Defaults to None (2 if every argument is an int).

    Returns:
        The :class:`ReceptiveField` of one unit of the last layer.

    Raises:
        ValueError: if the layers disagree on the number of axes.

    Example:
        >>> receptive_field([Layer(3), Layer(3)]).size
        (5, 5)

    See chapter 02 (convolution).
    """
    dims = {layer.spatial_dims for layer in layers} - {None}
    if spatial_dims is not None:
        dims.add(spatial_dims)
    if len(dims) > 1:
        raise ValueError(f"layers must share one number of axes, got {sorted(dims)}")
    n = dims.pop() if dims else 2
    size, jump, padding = [1] * n, [1] * n, [0] * n
    for layer in layers:
        kernel, stride, pad, dilation = layer.axes(n)
        for a in range(n):
            padding[a] += pad[a] * jump[a]
            size[a] += dilation[a] * (kernel[a] - 1) * jump[a]
            jump[a] *= stride[a]
    return ReceptiveField(tuple(size), tuple(jump), tuple(padding))


def physical_receptive_field(
    rf: ReceptiveField | Sequence[int], spacing: Sequence[float]
) -> tuple[float, ...]:
    """Receptive field in millimetres: voxels per axis times the voxel spacing.

    A field of ``r`` voxels covers ``r`` voxel footprints, ``r * spacing`` mm.
    On anisotropic data the same kernel sees a stretched box.

    Args:
        rf: a :class:`ReceptiveField` or its size per axis, ``(z, y, x)`` order.
        spacing: voxel size in mm per axis, in the same order.

    Returns:
        The extent in mm per axis.

    Raises:
        ValueError: if the axes do not match or a spacing is not positive.

    Example:
        >>> rf = receptive_field([Layer(3)], spatial_dims=3)
        >>> [round(mm, 6) for mm in physical_receptive_field(rf, (5.0, 0.8, 0.8))]
        [15.0, 2.4, 2.4]

    See chapter 02 (convolution).
    """
    size = rf.size if isinstance(rf, ReceptiveField) else tuple(rf)
    spacing = tuple(spacing)
    if len(spacing) != len(size) or not all(
        isinstance(s, int | float) and s > 0 for s in spacing
    ):
        raise ValueError(
            f"spacing must be {len(size)} positive numbers (one per axis of the "
            f"field {size}), got {spacing!r}"
        )
    return tuple(r * s for r, s in zip(size, spacing))
