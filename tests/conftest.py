"""Shared test set-up: one thread per worker (pytest -n 2 on 2 cores), seeded torch."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def pytest_collection_modifyitems(items):
    """Long tests first; an assignment's pipeline tests stay on one xdist worker.

    The nbgrader pipeline of an assignment is a module-scoped fixture: grouping
    its tests (``--dist loadgroup``) makes each worker build it at most once.
    """
    for item in items:
        callspec = getattr(item, "callspec", None)
        if item.module.__name__.endswith("test_assignments") and callspec is not None:
            item.add_marker(pytest.mark.xdist_group(f"nbgrader-{callspec.id}"))
        elif item.module.__name__.endswith("test_book"):
            item.add_marker(pytest.mark.xdist_group("book"))
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)


requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
