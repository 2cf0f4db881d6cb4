"""What every augmentation shares: parameter records, ranges, generators, shapes.

A random transform samples a :class:`Params` record (a frozen dataclass of
plain values and float64 CPU tensors), and a deterministic function applies
it. A record prints compactly, turns into a JSON-ready dict and back, and
pickles, so every applied augmentation can be logged and replayed.
"""

from __future__ import annotations

import dataclasses
from numbers import Real

import torch
from torch import Tensor

__all__ = ["Params", "IntensityTransform"]

_SHORT = 12  # tensors with at most this many values print in full


def _short(value: object) -> str:
    if not isinstance(value, Tensor):
        return repr(value)
    if value.numel() <= _SHORT:
        return repr(torch.round(value, decimals=4).tolist())  # nested, as shaped
    lo, hi = value.min().item(), value.max().item()
    return f"tensor(shape={tuple(value.shape)}, min={lo:.4g}, max={hi:.4g})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Params:
    """Base of the parameter records: compact print, dict round trip.

    Tensor fields hold float64 values on the CPU; a record sampled for a batch
    has a leading ``N`` axis on every tensor field (:attr:`batch_size` is
    ``N``), one sampled for a single image has none (``batch_size`` is None).
    """

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{f.name}={_short(getattr(self, f.name))}"
            for f in dataclasses.fields(self)
        )
        return f"{type(self).__name__}({fields})"

    def to_dict(self) -> dict:
        """The record as plain Python values (lists for tensors), JSON-ready."""
        out: dict = {"kind": type(self).__name__}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.tolist() if isinstance(value, Tensor) else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Params:
        """Rebuild a record from :meth:`to_dict` output (e.g. read from JSON).

        Raises:
            ValueError: if ``data`` was written by another kind of record.
        """
        kind = data.get("kind", cls.__name__)
        if kind != cls.__name__:
            raise ValueError(f"data: expected kind {cls.__name__!r}, got {kind!r}")
        values = {}
        for f in dataclasses.fields(cls):
            value = data[f.name]
            if f.type in ("Tensor", "torch.Tensor"):
                value = torch.tensor(value, dtype=torch.float64)
            elif isinstance(value, list):
                value = tuple(value)
            values[f.name] = value
        return cls(**values)

    def select(self, index: int) -> Params:
        """The record of sample ``index`` of a batch, as if sampled for it alone.

        Raises:
            ValueError: if the record is not a batch record.
        """
        if self.batch_size is None:
            raise ValueError("select: this record is for one image, not a batch")
        values = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Tensor) or f.name in self._per_sample_tuples:
                value = value[index]
            values[f.name] = value
        return type(self)(**values)

    _per_sample_tuples = ()  # names of tuple fields with one value per sample

    @property
    def batch_size(self) -> int | None:
        """``N`` for a record sampled for a batch, None for a single image."""
        lead = self._lead()
        return None if lead.ndim == self._lead_ndim() else lead.shape[0]

    def _lead(self) -> Tensor:  # the tensor field that tells batched from single
        raise NotImplementedError

    def _lead_ndim(self) -> int:  # its number of axes for a single image
        return 0


def as_generator(generator: torch.Generator | int) -> torch.Generator:
    """A ``torch.Generator`` as given, or a new CPU one seeded with an int."""
    if isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, int) and not isinstance(generator, bool):
        return torch.Generator().manual_seed(generator)
    raise TypeError(
        f"generator: expected a torch.Generator or an int seed, got "
        f"{type(generator).__name__}"
    )


def uniform(g: torch.Generator, low: float, high: float, shape: tuple) -> Tensor:
    """``U(low, high)`` samples of ``shape``, float64 on the CPU."""
    u = torch.rand(shape, generator=g, dtype=torch.float64, device=g.device)
    return low + (high - low) * u.cpu()


def parse_range(
    value: float | tuple[float, float],
    name: str,
    around: float = 0.0,
    minimum: float | None = None,
) -> tuple[float, float]:
    """``x`` -> ``(around - x, around + x)``; ``(a, b)`` -> itself, ``a <= b``."""
    if isinstance(value, Real) and not isinstance(value, bool):
        low, high = around - abs(float(value)), around + abs(float(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, Real) and not isinstance(v, bool) for v in value)
    ):
        low, high = float(value[0]), float(value[1])
    else:
        raise TypeError(
            f"{name}: expected a number or a (low, high) pair, got {value!r}"
        )
    if low > high:
        raise ValueError(f"{name}: expected low <= high, got ({low}, {high})")
    if minimum is not None and low <= minimum:
        raise ValueError(
            f"{name}: expected values > {minimum}, got range ({low}, {high})"
        )
    return low, high


def parse_batch_size(batch_size: int | None) -> int:
    """How many records to draw: 1 for a single image (None), else ``N``."""
    if batch_size is None:
        return 1
    if (
        not isinstance(batch_size, int)
        or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(
            f"batch_size: expected None or an int >= 1, got {batch_size!r}"
        )
    return batch_size


def unbatch(t: Tensor, batch_size: int | None) -> Tensor:
    """Drop the leading axis of one draw when no batch was asked for."""
    return t[0] if batch_size is None else t


def check_spatial_shape(
    spatial_shape: object, name: str = "spatial_shape"
) -> tuple[int, ...]:
    """A 2D or 3D shape of positive ints."""
    shape = (
        tuple(spatial_shape)
        if isinstance(spatial_shape, (tuple, list, torch.Size))
        else None
    )
    if (
        shape is None
        or len(shape) not in (2, 3)
        or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape
        )
    ):
        raise ValueError(
            f"{name}: expected 2 or 3 positive ints, (H, W) or (D, H, W), "
            f"got {spatial_shape!r}"
        )
    return shape


def check_image(image: Tensor, name: str = "image") -> None:
    """A floating-point tensor (an integer tensor is a label map, not an image)."""
    if not isinstance(image, Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(image).__name__}")
    if not image.is_floating_point():
        raise TypeError(
            f"{name}: expected a floating-point intensity image, got dtype "
            f"{image.dtype}; a label map is interpolated as mask=..., never "
            f"linearly (convert with .float() only if it really holds intensities)"
        )


def as_batch(
    image: Tensor, spatial_dims: int, batch_size: int | None, name: str = "image"
) -> Tensor:
    """View ``image`` as ``(N, C, *spatial)``, checking it against the record.

    A record for a single image (``batch_size`` None) takes ``(C, *spatial)``;
    one for a batch of ``N`` takes ``(N, C, *spatial)``.
    """
    want = spatial_dims + (1 if batch_size is None else 2)
    layout = "(C, *spatial)" if batch_size is None else f"({batch_size}, C, *spatial)"
    if image.ndim != want or (batch_size is not None and image.shape[0] != batch_size):
        raise ValueError(
            f"{name}: the parameters were sampled with batch_size={batch_size}, "
            f"so expected {layout} with {spatial_dims} spatial axes, got shape "
            f"{tuple(image.shape)}"
        )
    return image[None] if batch_size is None else image


def per_sample(values: Tensor, x: Tensor) -> Tensor:
    """``(N,)`` values as ``(N, 1, 1, ...)`` on ``x``'s device and dtype."""
    return values.to(device=x.device, dtype=x.dtype).view(-1, *[1] * (x.ndim - 1))


def values_per_image(
    x: Tensor, values: float | Tensor, name: str, *, batched: bool
) -> Tensor:
    """One value per image: a number or ``(N,)`` for a batch ``(N, C, ...)``."""
    v = torch.as_tensor(values, dtype=torch.float64).cpu()
    n = x.shape[0] if batched else None
    if (n is None and v.ndim != 0) or (n is not None and v.shape not in ((), (n,))):
        raise ValueError(
            f"{name}: expected a number{f' or ({n},)' if n else ''} for an image "
            f"of shape {tuple(x.shape)}, got shape {tuple(v.shape)}"
        )
    return v.expand(n) if n is not None else v.reshape(1)


def image_and_values(
    image: Tensor, values: float | Tensor, name: str
) -> tuple[Tensor, Tensor, bool]:
    """``image`` as ``(N, C, *spatial)``, and ``(N,)`` parameter values."""
    check_image(image)
    v = torch.as_tensor(values)
    batched = v.ndim == 1
    if image.ndim - batched not in (3, 4):
        raise ValueError(
            f"image: expected (C, *spatial) or (N, C, *spatial) with 2 or 3 "
            f"spatial axes, got shape {tuple(image.shape)}"
        )
    x = image if batched else image[None]
    return x, values_per_image(image, values, name, batched=batched), batched


class IntensityTransform:
    """Base: ``sample`` draws the values, ``apply`` runs the function on them."""

    def sample(
        self,
        spatial_shape: tuple[int, ...],
        generator: torch.Generator | int,
        batch_size: int | None = None,
    ) -> Params:
        """Draw the parameters for one image, or for a batch of ``batch_size``.

        Args:
            spatial_shape: ``(H, W)`` or ``(D, H, W)`` of the images.
            generator: a ``torch.Generator`` or an int seed.
            batch_size: None for one ``(C, *spatial)`` image, ``N`` for a batch
                ``(N, C, *spatial)``. Defaults to None.

        Returns:
            The transform's record, tensors ``()`` (one image) or ``(N,)``.

        Raises:
            ValueError: if ``spatial_shape`` or ``batch_size`` is invalid.
        """
        check_spatial_shape(spatial_shape)
        g, n = as_generator(generator), parse_batch_size(batch_size)
        return self._draw(g, n, batch_size)

    def apply(
        self, params: Params, image: Tensor, mask: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Apply sampled parameters to ``image``; ``mask`` is returned as is.

        Returns:
            ``(transformed image, mask)``.
        """
        return self._function(params, image), mask

    def _draw(self, g: torch.Generator, n: int, batch_size: int | None) -> Params:
        raise NotImplementedError  # each transform draws its own record

    def _function(self, params: Params, image: Tensor) -> Tensor:
        raise NotImplementedError  # ... and applies it

    def _seeds(
        self, g: torch.Generator, n: int, batch_size: int | None
    ) -> int | tuple[int, ...]:
        seeds = torch.randint(0, 2**31 - 1, (n,), generator=g, device=g.device)
        seeds = tuple(int(s) for s in seeds.tolist())
        return seeds[0] if batch_size is None else seeds
