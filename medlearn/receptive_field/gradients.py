"""The receptive field measured by backpropagation, and its effective part.

:func:`empirical_receptive_field` backpropagates from one output unit and
keeps the input pixels with a non-zero gradient; :func:`effective_receptive_field`
keeps the gradient's magnitude (Luo et al., 2016), a roughly Gaussian map much
smaller than the theoretical field. Both work on any differentiable network
(residual blocks too), in eval mode, with every submodule's mode restored
afterwards. See chapter 02 (convolution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from medlearn._helpers import IntOrTuple, check_positive_int, ntuple, preserve_modes
from medlearn.receptive_field.networks import _check_shape

__all__ = ["GradientMap", "empirical_receptive_field", "effective_receptive_field"]


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
        """Bounding box ``[start, stop)`` per axis of the non-zero gradient.

        Raises:
            ValueError: if the gradient is zero everywhere (the output does not
                depend on the input).
        """
        nonzero = (self.map > 0).nonzero()  # (K, spatial_dims)
        if len(nonzero) == 0:
            raise ValueError(
                f"the output at {self.output_index} does not depend on the input: "
                "its gradient is zero everywhere, so it has no region"
            )
        lo, hi = nonzero.amin(dim=0).tolist(), nonzero.amax(dim=0).tolist()
        return tuple((a, b + 1) for a, b in zip(lo, hi))

    @property
    def size(self) -> tuple[int, ...]:
        return tuple(b - a for a, b in self.region)

    def _moments(self) -> tuple[Tensor, Tensor]:
        weights = self.map.double() / self.map.sum()
        grids = torch.meshgrid(
            *[
                torch.arange(s, dtype=torch.float64, device=self.map.device)
                for s in self.map.shape
            ],
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
    check_positive_int("num_samples", num_samples)
    param = next(module.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None else torch.float32
    generator = torch.Generator().manual_seed(seed)
    with preserve_modes(module):
        module.eval()  # BatchNorm uses running statistics, Dropout is off
        total = torch.zeros(shape[2:], dtype=torch.float64, device=device)
        for _ in range(num_samples):
            x = torch.randn(shape, generator=generator, dtype=dtype).to(device)
            x.requires_grad_(requires_grad=True)
            out = module(x)  # (N, C_out, *O)
            out_size = tuple(out.shape[2:])
            if output_index is None:
                index = tuple((o - 1) // 2 for o in out_size)
            else:
                index = ntuple(output_index, len(out_size), "output_index", 0)
            if any(i >= o for i, o in zip(index, out_size, strict=True)):
                raise ValueError(f"output_index must lie in {out_size}, got {index}")
            unit = out[(0, slice(None), *index)].sum()
            (grad,) = torch.autograd.grad(unit, x)  # (N, C, *spatial)
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
        input_shape: shape of its input ``(N, C, *spatial)``.
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
        input_shape: shape of its input ``(N, C, *spatial)``.
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
