"""Input checks shared by the two-sample tests, matching and harmonisation.

Every public function of :mod:`medlearn.shift` calls one of these at its
boundary, so bad input fails with a message that names the argument, the
expected and the received shape or value (never a silent NaN).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__: list[str] = []


def work_dtype(device: torch.device) -> torch.dtype:
    """float64 where the device has it (CPU, CUDA); float32 on Apple MPS."""
    return torch.float32 if device.type == "mps" else torch.float64


def as_features(x: object, name: str, min_rows: int = 2) -> Tensor:
    """Check one sample and return it as ``(n, d)`` in the working dtype.

    A sample is a real tensor ``(n, *)``: one row per patient or image; any
    trailing dims (an image's ``(C, H, W)``) are flattened into ``d`` features.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (n, d), got {type(x).__name__}")
    if x.is_complex():
        raise TypeError(f"{name} must be real, got dtype {x.dtype}")
    if x.dim() < 2:
        raise ValueError(
            f"{name} must be (n, d) with one row per sample, got shape "
            f"{tuple(x.shape)} (use x[:, None] for a single feature)"
        )
    if x.shape[0] < min_rows:
        raise ValueError(
            f"{name} needs at least {min_rows} samples (rows), got {x.shape[0]}"
        )
    if x[0].numel() == 0:
        raise ValueError(f"{name} has no features: shape {tuple(x.shape)}")
    flat = x.flatten(1).to(work_dtype(x.device))
    if not torch.isfinite(flat).all():
        bad = int((~torch.isfinite(flat)).any(dim=1).sum())
        raise ValueError(f"{name} contains NaN or inf (in {bad} of {x.shape[0]} rows)")
    return flat


def two_samples(
    x: object, y: object, names: tuple[str, str] = ("x", "y"), min_rows: int = 2
) -> tuple[Tensor, Tensor]:
    """Check two samples of the same feature shape on the same device."""
    a, b = as_features(x, names[0], min_rows), as_features(y, names[1], min_rows)
    if x.shape[1:] != y.shape[1:]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same feature shape, got "
            f"{tuple(x.shape)} and {tuple(y.shape)}"
        )
    if a.device != b.device:
        raise ValueError(
            f"{names[0]} and {names[1]} must be on one device, got {a.device} and "
            f"{b.device}"
        )
    return a, b


def positive_int(value: object, name: str, minimum: int = 1) -> int:
    """An integer >= ``minimum`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def probability(value: object, name: str) -> float:
    """A float strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must lie in (0, 1), got {value!r}")
    return float(value)
