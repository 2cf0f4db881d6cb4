"""The registry of device checks that ``benchmarks/gpu_check.py`` runs.

One file per medlearn module (``tasks.py``, ``conv.py``, ...), each with

* ``checks(g)``: a list of :class:`Check` built from the CPU generator ``g``;
  a check runs ``fn(*inputs)`` on the CPU and again with every tensor, module
  and :data:`ON_DEVICE` marker in ``inputs`` moved to the device, and passes
  when the results agree within its tolerance;
* ``DEVICE_FREE``: the public functions that need no check, each with the
  reason (they take no tensor, or work on the CPU by design).

A new chapter module adds one file here. ``tests/test_gpu_check.py`` fails
while any public function or class of medlearn is in neither list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ON_DEVICE", "Check", "collect"]


class _OnDevice:
    """Stands for the device under test in a check's inputs (``device=`` args)."""

    def __repr__(self) -> str:
        return "ON_DEVICE"


ON_DEVICE = _OnDevice()


@dataclass
class Check:
    """One comparison of a call on the CPU and on the device.

    Attributes:
        fn: the call; a public medlearn function or class, or a lambda.
        inputs: its positional arguments, built on the CPU.
        covers: the public functions and classes it exercises. Defaults to
            ``(fn,)``; a lambda must name them.
        rtol: relative tolerance of ``torch.allclose``. Defaults to 1e-4.
        atol: absolute tolerance. Defaults to 1e-5; 0 with ``rtol=0`` asks
            for equality (indices, masks, counts).
        values: compare the values; False compares only the structure and
            shapes (results that depend on the device's random stream or
            clock). Defaults to True.
        label: a note printed after the name. Defaults to "".
    """

    fn: Callable[..., object]
    inputs: tuple = ()
    covers: tuple[object, ...] = ()
    rtol: float = 1e-4
    atol: float = 1e-5
    values: bool = True
    label: str = ""

    def __post_init__(self) -> None:
        if not self.covers:
            if not getattr(self.fn, "__module__", "").startswith("medlearn"):
                raise ValueError(f"a check of {self.fn!r} must say what it covers")
            self.covers = (self.fn,)

    @property
    def name(self) -> str:
        first = self.covers[0]  # by its public path: medlearn.<module>.<name>
        module = first.__module__.split(".")[1]
        return f"{module}.{first.__qualname__} {self.label}".strip()


def collect(
    g_seed: int = 0,
) -> tuple[list[Check], dict[object, str]]:
    """Every registered check and every device-free exemption, module by module."""
    import torch

    checks: list[Check] = []
    device_free: dict[object, str] = {}
    folder = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        checks += module.checks(torch.Generator().manual_seed(g_seed))
        device_free.update(module.DEVICE_FREE)
    return checks, device_free
