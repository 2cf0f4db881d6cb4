"""Device choice and seeding: the same code on CUDA, Apple MPS or the CPU.

Every chapter starts with ``device = get_device()`` and ``seed_everything(0)``,
so a notebook executed twice prints the same numbers, and moves to a GPU
without edits. See chapter 01 (tasks).
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["get_device", "seed_everything", "make_generator"]


def _check_index(device: torch.device) -> None:
    """Raise ``ValueError`` if ``device`` names an index past the devices present."""
    if device.index is None or device.type == "cpu":
        return
    count = torch.cuda.device_count() if device.type == "cuda" else 1  # one MPS
    if device.index >= count:
        raise ValueError(
            f"prefer: device {str(device)!r} is not available here; this machine "
            f"has {count} {device.type.upper()} device{'s' if count != 1 else ''} "
            f"(indices 0 to {count - 1})"
        )


def get_device(prefer: str | None = None) -> torch.device:
    """Choose the fastest available device: CUDA, then MPS, then the CPU.

    Args:
        prefer: force a device (``"cpu"``, ``"cuda"``, ``"cuda:1"``,
            ``"mps"``); the environment variable ``MEDLEARN_DEVICE`` does the
            same for a whole session. Defaults to None (automatic choice).

    Returns:
        The chosen ``torch.device``.

    Raises:
        ValueError: if ``prefer`` names a device type that is not available,
            or a device index this machine does not have.

    Example:
        >>> get_device("cpu")
        device(type='cpu')
    """
    prefer = prefer or os.environ.get("MEDLEARN_DEVICE") or None
    if prefer is not None:
        kind = torch.device(prefer).type
        available = {
            "cpu": True,
            "cuda": torch.cuda.is_available(),
            "mps": torch.backends.mps.is_available(),
        }
        if not available.get(kind, False):
            raise ValueError(
                f"prefer: device {prefer!r} is not available here; "
                f"available: {[k for k, v in available.items() if v]}"
            )
        device = torch.device(prefer)
        _check_index(device)
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (CPU and all GPUs) in one call.

    Args:
        seed: a non-negative integer. Defaults to 0.

    Returns:
        A CPU ``torch.Generator`` seeded with ``seed``, for functions that take
        an explicit generator (preferred over the global state).

    Raises:
        ValueError: if ``seed`` is negative or not an integer.

    Example:
        >>> a = torch.rand(1, generator=seed_everything(0))
        >>> b = torch.rand(1, generator=seed_everything(0))
        >>> bool(a == b)
        True
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return make_generator(seed)


def make_generator(
    seed: int = 0, device: torch.device | str = "cpu"
) -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed``.

    Args:
        seed: the seed. Defaults to 0.
        device: where random numbers are drawn. Defaults to ``"cpu"``.

    Returns:
        The seeded generator.

    Example:
        >>> make_generator(1).initial_seed()
        1
    """
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g
