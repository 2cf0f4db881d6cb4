"""Time and memory, measured one way for chapters and benchmarks alike.

* :func:`measure`: one call timed ``repeats`` times after a warm-up; the
  :class:`Timing` keeps every run, its ``best`` (the run least disturbed by
  other work on a shared machine) and its ``median``.
* :func:`compare`: several calls timed in turns (A, B, A, B, ...), so that a
  busy machine slows every side alike and the ratios stay meaningful.
* :class:`Stopwatch`: a context manager for one run whose result is kept.
* :func:`peak_memory`: the most tensor storage a call holds at once.

On CUDA (and MPS) kernels run asynchronously: pass ``device`` and the clock
waits for the device before it starts and before it stops. See chapter 02
(convolution) and ``benchmarks/``.
"""

from __future__ import annotations

import statistics
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from medlearn._helpers import check_positive_int

__all__ = [
    "Timing",
    "synchronize",
    "measure",
    "compare",
    "Stopwatch",
    "peak_memory",
]

Device = torch.device | str | None
Clock = Callable[[], float]


@dataclass(frozen=True)
class Timing:
    """Seconds of every timed run of one call.

    Attributes:
        times: one entry per run, in the order they ran.
    """

    times: tuple[float, ...]

    @property
    def best(self) -> float:
        """The fastest run: the steadiest estimate of the call's own cost."""
        return min(self.times)

    @property
    def median(self) -> float:
        """The median run."""
        return statistics.median(self.times)


def synchronize(device: Device = None) -> None:
    """Wait until ``device`` has finished its queued work (no-op on the CPU).

    Args:
        device: a CUDA or MPS device; None or the CPU does nothing. Defaults
            to None.

    Example:
        >>> synchronize("cpu")
    """
    if device is None:
        return
    kind = torch.device(device).type
    if kind == "cuda":
        torch.cuda.synchronize(device)
    elif kind == "mps":
        torch.mps.synchronize()


def _timed(fn: Callable[[], object], device: Device, clock: Clock) -> float:
    synchronize(device)
    start = clock()
    fn()
    synchronize(device)
    return clock() - start


def compare(
    fns: Mapping[str, Callable[[], object]],
    *,
    repeats: int = 5,
    warmup: int = 1,
    device: Device = None,
    clock: Clock = time.perf_counter,
) -> dict[str, Timing]:
    """Time several calls in turns: A, B, A, B, ... after ``warmup`` calls each.

    Args:
        fns: the calls to time, by name; each takes no argument.
        repeats: timed runs of each call. Defaults to 5.
        warmup: untimed runs of each call first (allocator, caches, kernel
            selection). Defaults to 1.
        device: the device the calls run on, synchronised around every run.
            Defaults to None (no synchronisation, right for the CPU).
        clock: ``time.process_time`` counts only this process's CPU time,
            which other work on a shared machine barely disturbs. Defaults
            to ``time.perf_counter`` (wall clock).

    Returns:
        A :class:`Timing` per name, in the order of ``fns``.

    Raises:
        ValueError: if ``repeats < 1`` or ``warmup < 0``.

    Example:
        >>> t = compare({"a": lambda: sum(range(100)), "b": lambda: None}, repeats=3)
        >>> len(t["a"].times), t["b"].best < 1.0
        (3, True)
    """
    check_positive_int("repeats", repeats)
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an int >= 0, got {warmup!r}")
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    synchronize(device)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(_timed(fn, device, clock))
    return {name: Timing(tuple(ts)) for name, ts in times.items()}


def measure(
    fn: Callable[[], object],
    *,
    repeats: int = 5,
    warmup: int = 1,
    device: Device = None,
    clock: Clock = time.perf_counter,
) -> Timing:
    """Time one call ``repeats`` times after ``warmup`` untimed calls.

    Args:
        fn: the call to time; it takes no argument.
        repeats: timed runs. Defaults to 5.
        warmup: untimed runs first. Defaults to 1.
        device: the device it runs on, synchronised around every run.
            Defaults to None (no synchronisation).
        clock: as in :func:`compare`. Defaults to ``time.perf_counter``.

    Returns:
        A :class:`Timing`; ``.best`` and ``.median`` in seconds.

    Raises:
        ValueError: if ``repeats < 1`` or ``warmup < 0``.

    Example:
        >>> measure(lambda: sum(range(1000)), repeats=3).best < 1.0
        True
    """
    timings = compare(
        {"fn": fn}, repeats=repeats, warmup=warmup, device=device, clock=clock
    )
    return timings["fn"]


class Stopwatch:
    """Time one block of code that runs once (its result is kept).

    Args:
        device: the device the block runs on, synchronised at both ends.
            Defaults to None (no synchronisation).
        clock: as in :func:`compare`. Defaults to ``time.perf_counter``.

    Example:
        >>> with Stopwatch() as watch:
        ...     total = sum(range(1000))
        >>> watch.seconds >= 0.0
        True
    """

    def __init__(self, device: Device = None, clock: Clock = time.perf_counter) -> None:
        self.device, self.clock = device, clock
        self.seconds = float("nan")
        self._start = 0.0

    def __enter__(self) -> Stopwatch:
        synchronize(self.device)
        self._start = self.clock()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        synchronize(self.device)
        self.seconds = self.clock() - self._start


class _LiveStorage(TorchDispatchMode):
    """Track the bytes of tensor storage created by every op, until it is freed."""

    def __init__(self) -> None:
        super().__init__()
        self.live = self.peak = 0
        self._seen: set[int] = set()

    def _free(self, key: int, nbytes: int) -> None:
        self.live -= nbytes
        self._seen.discard(key)

    def __torch_dispatch__(
        self,
        func: Callable[..., Any],
        types: tuple[type, ...],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:  # noqa: ANN401 - whatever the intercepted op returns
        out = func(*args, **(kwargs or {}))
        inputs = {
            t.untyped_storage().data_ptr()
            for t in tree_leaves((args, kwargs))
            if isinstance(t, torch.Tensor)
        }
        for t in tree_leaves(out):
            if not isinstance(t, torch.Tensor):
                continue
            storage = t.untyped_storage()
            key, nbytes = storage.data_ptr(), storage.nbytes()
            if nbytes == 0 or key in inputs or key in self._seen:
                continue  # a view, an in-place result, or already counted
            self._seen.add(key)
            self.live += nbytes
            self.peak = max(self.peak, self.live)
            weakref.finalize(storage, self._free, key, nbytes)  # when it dies
        return out


def peak_memory(fn: Callable[[], object]) -> int:
    """Peak bytes of tensor storage that ``fn()`` holds at any one time.

    Every op's new output storage is counted from its creation until it is
    freed (a ``TorchDispatchMode`` watches the ops; views, in-place results
    and tensors that existed before the call do not count; scratch memory
    inside a kernel is not seen). Works on any device.

    Args:
        fn: the call to measure; it takes no argument.

    Returns:
        Bytes.

    Example:
        >>> peak_memory(lambda: torch.zeros(1024, 1024) + 1)  # two 4 MiB tensors
        8388608
    """
    tracker = _LiveStorage()
    with tracker:
        fn()
    return tracker.peak
