"""The MRI bias field: a smooth multiplicative field, the exponential of a polynomial.

Coil sensitivity makes an MR image brighter near some coils and darker far
from them, slowly across the whole field of view. Van Leemput et al. (1999)
model that as ``exp`` of a low-order polynomial of the coordinates; TorchIO's
``BiasField`` implements it, and this module reproduces TorchIO 1.2.1 to float32
precision (relative difference below 2e-6), so coefficients can move between
the two libraries.

TorchIO's conventions, which this module keeps:

* **Coordinates.** TorchIO stores a volume as ``(C, W, H, D)``, i.e. voxel axes
  ``(x, y, z)``; medlearn stores ``(C, D, H, W)`` in ``(z, y, x)`` order (the
  transpose :func:`medlearn.io.load_nifti` makes). So ``x`` runs along
  medlearn's *last* axis, ``y`` along the one before, ``z`` along the first.
  Each coordinate is measured in voxels from the centre of the volume and
  divided by its largest value, so the first and last voxel centres sit at -1
  and +1 (an axis of one voxel has coordinate 0). Spacing plays no part.
* **Terms.** The polynomial is ``sum_k c_k x^a y^b z^c`` over all exponents with
  ``a + b + c <= order``, enumerated with the ``x`` exponent outermost, then
  ``y``, then ``z`` innermost (:func:`bias_terms`): for order 3 that is 20
  coefficients, ``(0,0,0), (0,0,1), (0,0,2), (0,0,3), (0,1,0), ...``.
* **2D.** TorchIO holds a 2D image as ``(C, W, H, 1)``, so ``z = 0``: a 2D field
  takes the same 20 coefficients and every term with a ``z`` exponent vanishes.

See chapter 06 (augmentation).
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from medlearn.augment._common import (
    Params,
    as_generator,
    check_image,
    check_spatial_shape,
    parse_batch_size,
    parse_range,
    unbatch,
    uniform,
)

__all__ = [
    "bias_terms",
    "bias_field",
    "apply_bias_field",
    "BiasFieldParams",
    "RandomBiasField",
]


def bias_terms(order: int = 3) -> list[tuple[int, int, int]]:
    """Exponents ``(a, b, c)`` of ``x^a y^b z^c`` in TorchIO's coefficient order.

    Args:
        order: highest total degree (>= 0). Defaults to 3.

    Returns:
        ``(order + 1)(order + 2)(order + 3) / 6`` exponent triples, ``x``
        outermost, ``z`` innermost.

    Raises:
        ValueError: if ``order`` is not a non-negative int.

    Example:
        >>> bias_terms(1)
        [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)]
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 0:
        raise ValueError(f"order: expected a non-negative int, got {order!r}")
    return [
        (a, b, c)
        for a in range(order + 1)
        for b in range(order + 1 - a)
        for c in range(order + 1 - a - b)
    ]


def _coordinate(n: int) -> Tensor:
    """Voxel-centre coordinates of one axis, centred and scaled to [-1, 1]."""
    u = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    return u / u.max() if n > 1 else u


def _powers(n: int, order: int) -> Tensor:
    """``(order + 1, n)``: row ``a`` is the coordinate to the power ``a``."""
    u = _coordinate(n)
    return torch.stack([u**a for a in range(order + 1)])  # 0 ** 0 = 1, as NumPy


def _log_field(
    shape: tuple[int, ...],
    coefficients: Tensor,
    order: int,
    dtype: torch.dtype,
    device: torch.device | str | None,
) -> Tensor:
    """``(N, *shape)`` polynomial from ``(N, K)`` coefficients.

    The small contractions run in float64 on the CPU; the last one, which makes
    the full-size field, in ``dtype`` on ``device`` (float32 error ~1e-7).
    """
    n = coefficients.shape[0]
    table = torch.zeros(n, order + 1, order + 1, order + 1, dtype=torch.float64)
    a, b, c = (torch.tensor(e) for e in zip(*bias_terms(order)))
    table[:, a, b, c] = coefficients  # (N, a, b, c): x, y, z exponents
    vy = _powers(shape[-2], order)
    if len(shape) == 2:  # z = 0: only the terms without z survive
        t = table[..., 0] @ vy  # (N, a, H)
    else:
        t = table @ _powers(shape[0], order)  # (N, a, b, D)
        t = (t.transpose(-1, -2) @ vy).reshape(n, order + 1, -1)  # (N, a, D * H)
    vx = _powers(shape[-1], order).to(dtype=dtype, device=device)
    t = t.to(dtype=dtype, device=device).transpose(1, 2) @ vx  # (N, D * H, W)
    return t.reshape(n, *shape)


def _check_coefficients(coefficients: Tensor | list[float], order: int) -> Tensor:
    k = len(bias_terms(order))
    c = torch.as_tensor(coefficients, dtype=torch.float64).cpu()
    if c.ndim not in (1, 2) or c.shape[-1] != k:
        raise ValueError(
            f"coefficients: expected ({k},) or (N, {k}) for order {order} "
            f"(TorchIO's count, 2D images included), got shape {tuple(c.shape)}"
        )
    return c


def bias_field(
    shape: tuple[int, ...],
    coefficients: Tensor | list[float],
    order: int = 3,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """The multiplicative bias field ``exp(sum_k c_k x^a y^b z^c)``.

    Equal to TorchIO 1.2.1's ``BiasField(coefficients, order)`` field for the
    same coefficients on the same image (TorchIO's axes reversed, see the
    module docstring for both conventions).

    Args:
        shape: spatial shape ``(H, W)`` or ``(D, H, W)``.
        coefficients: ``(K,)`` for one field or ``(N, K)`` for a batch, in
            :func:`bias_terms` order; ``K`` is 20 for order 3, in 2D too.
        order: highest total degree of the polynomial. Defaults to 3.
        dtype: dtype of the result and of the last step of its computation
            (the rest is float64). Defaults to torch.float32.
        device: device of the result. Defaults to None (CPU).

    Returns:
        The positive field, ``shape`` for ``(K,)`` coefficients or
        ``(N, *shape)`` for ``(N, K)``.

    Raises:
        ValueError: if ``shape`` is not 2D/3D or ``coefficients`` has the
            wrong length for ``order``.

    Example:
        >>> c = torch.zeros(20)
        >>> c[bias_terms(3).index((1, 0, 0))] = 0.5  # brighter towards +x
        >>> f = bias_field((3, 5), c)
        >>> [round(v, 3) for v in f[0].tolist()]
        [0.607, 0.779, 1.0, 1.284, 1.649]
    """
    shape = check_spatial_shape(shape, "shape")
    c = _check_coefficients(coefficients, order)
    log = _log_field(shape, c.reshape(-1, c.shape[-1]), order, dtype, device)
    field = log.exp_()
    return field[0] if c.ndim == 1 else field


def apply_bias_field(
    image: Tensor, coefficients: Tensor | list[float], order: int = 3
) -> Tensor:
    """Multiply an image by its bias field, the same field for every channel.

    Args:
        image: ``(C, *spatial)`` with ``(K,)`` coefficients, or
            ``(N, C, *spatial)`` with ``(N, K)`` (one field per sample).
        coefficients: in :func:`bias_terms` order.
        order: degree of the polynomial. Defaults to 3.

    Returns:
        ``image * field``, same shape and dtype as ``image``.

    Raises:
        TypeError: if ``image`` is not a floating-point tensor.
        ValueError: if the shapes do not fit together.

    Example:
        >>> apply_bias_field(torch.ones(1, 4, 4), torch.zeros(20)).unique()
        tensor([1.])
    """
    check_image(image)
    c = _check_coefficients(coefficients, order)
    spatial = tuple(image.shape[c.ndim :])
    if len(spatial) not in (2, 3) or (c.ndim == 2 and image.shape[0] != c.shape[0]):
        raise ValueError(
            f"image: expected (C, *spatial) for ({c.shape[-1]},) coefficients or "
            f"(N, C, *spatial) for (N, {c.shape[-1]}), 2 or 3 spatial axes, got "
            f"image {tuple(image.shape)} with coefficients {tuple(c.shape)}"
        )
    field = bias_field(spatial, c, order, dtype=image.dtype, device=image.device)
    field = field.unsqueeze(-len(spatial) - 1)  # (N?, 1, *spatial): every channel
    return field.mul_(image) if field.shape == image.shape else image * field


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class BiasFieldParams(Params):
    """A sampled bias field: ``coefficients`` ``(K,)`` or ``(N, K)``, ``order``."""

    coefficients: Tensor
    order: int

    def _lead(self) -> Tensor:
        return self.coefficients

    def _lead_ndim(self) -> int:
        return 1


class RandomBiasField:
    """Random bias field, as TorchIO's ``RandomBiasField``.

    Every coefficient is drawn from ``U(-n, n)`` (``coefficients = n``) or
    ``U(a, b)`` (``coefficients = (a, b)``), one field per image, shared by its
    channels. The mask, if any, passes through unchanged.

    Args:
        coefficients: half-width ``n`` or range ``(a, b)`` of the coefficients.
            Defaults to 0.5 (TorchIO's default).
        order: degree of the polynomial. Defaults to 3.

    Raises:
        ValueError: if ``order`` is negative or the range is reversed.

    Example:
        >>> t = RandomBiasField()
        >>> p = t.sample((8, 8), generator=0)
        >>> image, _ = t.apply(p, torch.ones(1, 8, 8))
        >>> bool((image > 0).all()), p.coefficients.shape
        (True, torch.Size([20]))
    """

    def __init__(
        self,
        coefficients: float | tuple[float, float] = 0.5,
        order: int = 3,
    ) -> None:
        self.coefficients = parse_range(coefficients, "coefficients")
        self.order = order
        self._k = len(bias_terms(order))

    def sample(
        self,
        spatial_shape: tuple[int, ...],
        generator: torch.Generator | int,
        batch_size: int | None = None,
    ) -> BiasFieldParams:
        """Draw coefficients for one image, or ``batch_size`` of them.

        Args:
            spatial_shape: ``(H, W)`` or ``(D, H, W)`` (checked; the field
                adapts to any shape).
            generator: a ``torch.Generator`` or an int seed.
            batch_size: None for one ``(C, *spatial)`` image, ``N`` for a batch.
                Defaults to None.

        Returns:
            :class:`BiasFieldParams` with ``(K,)`` or ``(N, K)`` coefficients.
        """
        check_spatial_shape(spatial_shape)
        g, n = as_generator(generator), parse_batch_size(batch_size)
        c = uniform(g, *self.coefficients, (n, self._k))
        return BiasFieldParams(unbatch(c, batch_size), self.order)

    def apply(
        self, params: BiasFieldParams, image: Tensor, mask: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Multiply ``image`` by the sampled field; ``mask`` is returned as is.

        Returns:
            ``(image * field, mask)``.
        """
        return apply_bias_field(image, params.coefficients, params.order), mask
