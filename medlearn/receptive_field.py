"""Receptive fields: which input pixels one output unit can see.

Three ways to the same answer, from the most to the least abstract:

* :func:`receptive_field` runs the recurrence over a list of :class:`Layer`
  (kernel, stride, padding, dilation) per axis. With the effective kernel
  ``k' = dilation * (kernel - 1) + 1`` and ``r_0 = j_0 = 1, P_0 = 0``:
  ``r_l = r_{l-1} + (k'_l - 1) * j_{l-1}`` (size), ``j_l = j_{l-1} * s_l``
  (jump, the effective stride) and ``P_l = P_{l-1} + p_l * j_{l-1}``
  (effective padding). Output ``i`` sees input ``[i * j - P, i * j - P + r)``.
* :func:`receptive_field_of` reads those layers off an ``nn.Module``.
* :func:`empirical_receptive_field` backpropagates from one output unit and
  keeps the input pixels with a non-zero gradient;
  :func:`effective_receptive_field` keeps the gradient's magnitude (Luo et al.,
  2016), a roughly Gaussian map much smaller than the theoretical field.

:func:`physical_receptive_field` turns voxels into millimetres. Axes are in
``(z, y, x)`` order, like the ``(B, C, D, H, W)`` tensors. See chapter 02
(convolution).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from medlearn._helpers import IntOrTuple, ntuple, preserve_modes

__all__ = [
    "Layer",
    "ReceptiveField",
    "GradientMap",
    "receptive_field",
    "receptive_field_of",
    "empirical_receptive_field",
    "effective_receptive_field",
    "physical_receptive_field",
]

# Layers that act on every position separately (BatchNorm as at inference).
_ACTIVATIONS = (
    "Identity ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh "
    "Hardtanh Hardswish Hardsigmoid Softplus"
)
POINTWISE: tuple[type[nn.Module], ...] = (
    *(getattr(nn, name) for name in _ACTIVATIONS.split()),
    nn.modules.dropout._DropoutNd,
    nn.modules.batchnorm._BatchNorm,
)
_POOLS = {
    nn.MaxPool1d: 1,
    nn.MaxPool2d: 2,
    nn.MaxPool3d: 3,
    nn.AvgPool1d: 1,
    nn.AvgPool2d: 2,
    nn.AvgPool3d: 3,
}


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


def _module_layers(
    module: nn.Module, n: int, path: str, pointwise: tuple[type, ...]
) -> Iterator[Layer]:
    """The chain of Layers of a module; raises on anything it cannot analyse."""
    if isinstance(module, nn.Sequential):
        for name, child in module.named_children():
            yield from _module_layers(child, n, f"{path}.{name}", pointwise)
        return
    if isinstance(module, pointwise):
        return
    dims = None
    if isinstance(module, nn.modules.conv._ConvNd) and not module.transposed:
        dims, kernel, stride = (
            len(module.kernel_size),
            module.kernel_size,
            module.stride,
        )
        padding, dilation = module.padding, module.dilation
        if isinstance(padding, str):  # "same" puts the odd extra after
            padding = [
                0 if padding == "valid" else d * (k - 1) // 2
                for k, d in zip(kernel, dilation)
            ]
    elif type(module) in _POOLS:
        dims, kernel = _POOLS[type(module)], module.kernel_size
        stride, padding = module.stride or kernel, module.padding
        dilation = getattr(module, "dilation", 1)
    if dims is None:
        raise TypeError(
            f"receptive_field_of cannot analyse {path} ({type(module).__name__}): "
            "expected Conv, MaxPool/AvgPool, nn.Sequential or a pointwise layer; "
            "pass pointwise=(...) for other per-position layers, or use "
            "empirical_receptive_field"
        )
    if dims != n:
        raise ValueError(
            f"{path} ({type(module).__name__}) has {dims} spatial axes, "
            f"but input_shape has {n}"
        )
    yield Layer(kernel, stride, padding, dilation, name=path)


def _check_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(input_shape)
    if not 3 <= len(shape) <= 5 or not all(isinstance(s, int) and s > 0 for s in shape):
        raise ValueError(
            "input_shape must be (B, C, *spatial) with 1 to 3 spatial axes of "
            f"positive ints, got {input_shape!r}"
        )
    return shape


def receptive_field_of(
    module: nn.Module,
    input_shape: Sequence[int],
    pointwise: tuple[type[nn.Module], ...] = (),
) -> ReceptiveField:
    """Receptive field of a convolutional ``nn.Module``, read off its layers.

    Walks ``nn.Sequential`` containers (nested too), convolutions and max/avg
    pooling in order, and passes through pointwise layers (activations,
    BatchNorm, Dropout, Identity).

    Args:
        module: the network, a chain of supported layers.
        input_shape: shape of its input ``(B, C, *spatial)``.
        pointwise: more layer types to treat as per-position (e.g.
            ``nn.InstanceNorm3d``, whose statistics are in fact global).
            Defaults to ().

    Returns:
        The :class:`ReceptiveField` of one unit of the module's output.

    Raises:
        TypeError: for a layer it cannot analyse (the message names it).
        ValueError: if a layer's number of axes does not match ``input_shape``.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        >>> receptive_field_of(net, (1, 1, 32, 32)).size
        (4, 4)

    See chapter 02 (convolution).
    """
    n = len(_check_shape(input_shape)) - 2
    layers = list(_module_layers(module, n, "module", POINTWISE + tuple(pointwise)))
    return receptive_field(layers, spatial_dims=n)


@dataclass(frozen=True)
class GradientMap:
    """Gradient magnitude of one output unit with respect to the input.

    Attributes:
        map: mean ``|d out / d x|`` over samples and input channels, ``(*spatial)``.
        output_index: the output position it was taken at.
    """

    map: Tensor
    output_index: tuple[int, ...]

    @property
    def region(self) -> tuple[tuple[int, int], ...]:
        """Bounding box ``[start, stop)`` per axis of the non-zero gradient."""
        nonzero = (self.map > 0).nonzero()  # (N, spatial_dims)
        assert len(nonzero), "the output does not depend on the input"
        lo, hi = nonzero.amin(dim=0).tolist(), nonzero.amax(dim=0).tolist()
        return tuple((a, b + 1) for a, b in zip(lo, hi))

    @property
    def size(self) -> tuple[int, ...]:
        return tuple(b - a for a, b in self.region)

    def _moments(self) -> tuple[Tensor, Tensor]:
        weights = self.map.double() / self.map.sum()
        grids = torch.meshgrid(
            *[torch.arange(s, dtype=torch.float64) for s in self.map.shape],
            indexing="ij",
        )
        mean = torch.stack([(weights * g).sum() for g in grids])
        var = torch.stack([(weights * (g - m) ** 2).sum() for g, m in zip(grids, mean)])
        return mean, var

    @property
    def center(self) -> tuple[float, ...]:
        """Centre of mass of the map per axis, in pixels."""
        return tuple(self._moments()[0].tolist())

    @property
    def std(self) -> tuple[float, ...]:
        """Standard deviation of the map (as a distribution) per axis, in pixels."""
        return tuple(self._moments()[1].sqrt().tolist())


def _input_gradients(
    module: nn.Module,
    input_shape: Sequence[int],
    output_index: IntOrTuple | None,
    num_samples: int,
    seed: int,
) -> GradientMap:
    shape = _check_shape(input_shape)
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"num_samples must be a positive int, got {num_samples!r}")
    param = next(module.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None else torch.float32
    generator = torch.Generator().manual_seed(seed)
    with preserve_modes(module):
        module.eval()  # BatchNorm uses running statistics, Dropout is off
        total = torch.zeros(shape[2:], dtype=torch.float64, device=device)
        for _ in range(num_samples):
            x = torch.randn(shape, generator=generator, dtype=dtype).to(device)
            x.requires_grad_(True)
            out = module(x)  # (B, C_out, *O)
            out_size = tuple(out.shape[2:])
            if output_index is None:
                index = tuple((o - 1) // 2 for o in out_size)
            else:
                index = ntuple(output_index, len(out_size), "output_index", 0)
            if any(i >= o for i, o in zip(index, out_size, strict=True)):
                raise ValueError(f"output_index must lie in {out_size}, got {index}")
            unit = out[(0, slice(None), *index)].sum()
            (grad,) = torch.autograd.grad(unit, x)  # (B, C, *spatial)
            total += grad[0].abs().sum(dim=0).double()
    return GradientMap(total / num_samples, index)


def empirical_receptive_field(
    module: nn.Module,
    input_shape: Sequence[int],
    output_index: IntOrTuple | None = None,
    num_samples: int = 4,
    seed: int = 0,
) -> GradientMap:
    """Receptive field measured: the input pixels one output unit depends on.

    Backpropagates from output ``output_index`` (all channels, first item)
    for ``num_samples`` random inputs, in eval mode. Its ``region`` is the
    analytic field's clipped to the input on convolution stacks; max pooling
    and ReLU pass gradient only where they fire, so with few samples it can
    fall short.

    Args:
        module: any differentiable network (residual blocks too).
        input_shape: shape of its input ``(B, C, *spatial)``.
        output_index: output position, int or per axis. Defaults to None
            (the centre of the output).
        num_samples: random inputs to take the union over. Defaults to 4.
        seed: seed of the random inputs. Defaults to 0.

    Returns:
        A :class:`GradientMap`; ``region`` and ``size`` give the field.

    Raises:
        ValueError: on a bad ``input_shape``, ``output_index`` or ``num_samples``.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Conv2d(2, 1, 3))
        >>> empirical_receptive_field(net, (1, 1, 16, 16)).size
        (5, 5)

    See chapter 02 (convolution).
    """
    return _input_gradients(module, input_shape, output_index, num_samples, seed)


def effective_receptive_field(
    module: nn.Module,
    input_shape: Sequence[int],
    output_index: IntOrTuple | None = None,
    num_samples: int = 16,
    seed: int = 0,
) -> GradientMap:
    """Effective receptive field (Luo et al., 2016): where the gradient is large.

    The mean absolute gradient of one output unit over random inputs,
    normalised to sum to 1. Pixels near the centre reach the output through
    many more paths than those at the edge, so the map is roughly Gaussian,
    its ``std`` grows like the square root of the depth, and it fills only a
    fraction of the theoretical field.

    Args:
        module: any differentiable network.
        input_shape: shape of its input ``(B, C, *spatial)``.
        output_index: output position. Defaults to None (the centre).
        num_samples: random inputs to average over. Defaults to 16.
        seed: seed of the random inputs. Defaults to 0.

    Returns:
        A :class:`GradientMap` whose ``map`` sums to 1; see ``center``, ``std``.

    Raises:
        ValueError: on a bad ``input_shape``, ``output_index`` or ``num_samples``.

    Example:
        >>> net = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(4)])
        >>> erf = effective_receptive_field(net, (1, 1, 32, 32))
        >>> round(float(erf.map.sum()), 6)
        1.0

    See chapter 02 (convolution).
    """
    grads = _input_gradients(module, input_shape, output_index, num_samples, seed)
    return GradientMap(grads.map / grads.map.sum(), grads.output_index)


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
