"""medlearn.timing: runs alternate, the clock waits for the device, statistics are right.

A fake clock makes every timing exact, so the tests assert numbers, not speed.
"""

from __future__ import annotations

import time

import pytest
import torch

from medlearn import timing


class FakeClock:
    """A clock that only moves when a timed call says how long it took."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def call(self, seconds: float, log: list[str], name: str):
        def fn() -> None:
            log.append(name)
            self.now += seconds

        return fn


def test_compare_takes_turns_after_the_warm_up():
    clock, log = FakeClock(), []
    fns = {"a": clock.call(1.0, log, "a"), "b": clock.call(3.0, log, "b")}
    result = timing.compare(fns, repeats=3, warmup=2, clock=clock)
    assert log == ["a", "a", "b", "b"] + ["a", "b"] * 3
    assert result["a"].times == (1.0, 1.0, 1.0) and result["b"].times == (3.0,) * 3


def test_timing_best_and_median():
    t = timing.Timing((0.5, 0.2, 0.9, 0.4))
    assert t.best == 0.2 and t.median == pytest.approx(0.45)


def test_measure_and_stopwatch_use_the_clock():
    clock, log = FakeClock(), []
    t = timing.measure(clock.call(0.25, log, "f"), repeats=4, warmup=0, clock=clock)
    assert log == ["f"] * 4 and t.times == (0.25,) * 4
    with timing.Stopwatch(clock=clock) as watch:
        clock.now += 2.5
    assert watch.seconds == 2.5
    with timing.Stopwatch() as wall:  # the default clock is the wall clock
        time.sleep(0.01)
    assert 0.01 <= wall.seconds < 1.0


def test_cuda_device_is_synchronised_around_every_run(monkeypatch):
    events = []
    monkeypatch.setattr(
        torch.cuda, "synchronize", lambda device=None: events.append("sync")
    )
    timing.measure(lambda: events.append("run"), repeats=2, warmup=1, device="cuda")
    # warm-up, then sync, and each timed run between two syncs
    assert events == ["run", "sync"] + ["sync", "run", "sync"] * 2
    events.clear()
    with timing.Stopwatch("cuda:0"):
        events.append("run")
    assert events == ["sync", "run", "sync"]
    events.clear()
    timing.measure(lambda: events.append("run"), repeats=1, warmup=0, device="cpu")
    assert events == ["run"]  # nothing to wait for on the CPU


@pytest.mark.parametrize("kwargs", [{"repeats": 0}, {"warmup": -1}, {"repeats": 1.5}])
def test_bad_counts_are_rejected(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        timing.measure(lambda: None, **kwargs)


def test_peak_memory_counts_live_storage():
    x = torch.zeros(256)
    assert timing.peak_memory(lambda: torch.zeros(1000) + 1) == 8000  # two 4000-byte
    assert timing.peak_memory(lambda: x.mul_(2)) == 0  # in place: nothing new
    assert timing.peak_memory(lambda: x.view(16, 16)) == 0  # a view: nothing new


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_timing_and_memory():
    a = torch.randn(512, 512, device="cuda")
    t = timing.measure(lambda: a @ a, repeats=3, device=a.device)
    assert 0 < t.best <= t.median
    assert timing.peak_memory(lambda: a @ a) == 512 * 512 * 4
