"""The receptive field of an ``nn.Module``, read off its layers.

:func:`receptive_field_of` walks ``nn.Sequential`` containers, convolutions
and max/avg pooling in order and passes through pointwise layers
(:data:`POINTWISE`), then runs the recurrence of
:func:`~medlearn.receptive_field.receptive_field`. See chapter 02 (convolution).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from torch import nn

from medlearn.receptive_field.analytic import Layer, ReceptiveField, receptive_field

__all__ = ["POINTWISE", "receptive_field_of"]

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
            "input_shape must be (N, C, *spatial) with 1 to 3 spatial axes of "
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
        input_shape: shape of its input ``(N, C, *spatial)``.
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
