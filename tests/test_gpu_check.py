"""benchmarks/gpu_check.py covers the whole public API of medlearn.

Every public function and class is either exercised by a registered device
check (benchmarks/gpu_checks/<module>.py) or listed there as device-free with
its reason; a new public name without either fails here. The checks
themselves run CPU-vs-CPU in tests/test_benchmarks.py and on CUDA by hand.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest

import medlearn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from gpu_checks import Check, collect  # noqa: E402

# course infrastructure with its own tests, moving out of the teaching library
OUTSIDE = ("medlearn.grading",)


def public_api() -> dict[object, str]:
    """Every public callable of medlearn (from the modules' ``__all__``), by object."""
    api: dict[object, str] = {}
    for info in pkgutil.walk_packages(medlearn.__path__, "medlearn."):
        private = any(part.startswith("_") for part in info.name.split("."))
        if private or info.name.startswith(OUTSIDE):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if callable(obj) and getattr(obj, "__module__", "").startswith("medlearn"):
                api.setdefault(obj, f"{info.name}.{name}")
    return api


@pytest.fixture(scope="module")
def registry():
    return collect()


def test_every_public_function_has_a_device_check(registry):
    checks, device_free = registry
    covered = {obj for check in checks for obj in check.covers} | set(device_free)
    missing = sorted(name for obj, name in public_api().items() if obj not in covered)
    assert missing == [], (
        "no device check for these public names: add a Check to "
        f"benchmarks/gpu_checks/<module>.py, or a DEVICE_FREE reason: {missing}"
    )


def test_the_registry_names_only_public_api(registry):
    checks, device_free = registry
    api = public_api()
    stale = [o for c in checks for o in c.covers if o not in api]
    stale += [o for o in device_free if o not in api]
    assert stale == [], f"checks or exemptions for names that are not public: {stale}"
    assert all(reason.strip() for reason in device_free.values())
    both = [api[o] for o in device_free if any(o in c.covers for c in checks)]
    assert both == [], f"both checked and exempt: {both}"


def test_a_lambda_check_must_say_what_it_covers():
    with pytest.raises(ValueError, match="covers"):
        Check(lambda x: x, ())
    from medlearn import tasks

    check = Check(tasks.softmax, ())
    assert check.covers == (tasks.softmax,) and check.name == "tasks.softmax"


def test_every_check_module_has_both_lists():
    folder = ROOT / "benchmarks" / "gpu_checks"
    for info in pkgutil.iter_modules([str(folder)]):
        module = importlib.import_module(f"gpu_checks.{info.name}")
        assert inspect.isfunction(module.checks), info.name
        assert isinstance(module.DEVICE_FREE, dict), info.name
