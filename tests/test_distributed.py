"""fit(distributed=True): two processes (torchrun, gloo on the CPU) equal one.

Each process computes half of every minibatch and DistributedDataParallel
averages the gradients, so two processes with an effective batch of 8 must
end with the parameters of one process with a batch of 8, and not those of
one process with a batch of 4 (the control: the comparison can fail).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

from medlearn.train import fit

SCRIPT = textwrap.dedent(
    """
    import sys
    import torch
    from torch import nn
    import torch.distributed as dist
    sys.path.insert(0, {tests!r})
    from test_distributed import problem
    from medlearn.train import fit

    model, x, y = problem()
    history = fit(model, (x, y), nn.functional.mse_loss, steps=25, batch_size=8,
                  lr=0.05, seed=3, progress=False, sync_every=4, distributed=True)
    if dist.get_rank() == 0:
        torch.save({{"state": model.state_dict(), "loss": history["loss"],
                    "world": dist.get_world_size()}}, sys.argv[1])
    dist.destroy_process_group()
    """
)


def problem() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A small regression net and data, the same in every process."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
    g = torch.Generator().manual_seed(1)
    x = torch.randn(64, 4, generator=g)
    y = x.sum(1, keepdim=True).sin() + 0.1 * torch.randn(64, 1, generator=g)
    return model, x, y


def one_process(batch_size: int) -> tuple[dict, list[float]]:
    model, x, y = problem()
    history = fit(
        model,
        (x, y),
        nn.functional.mse_loss,
        steps=25,
        batch_size=batch_size,
        lr=0.05,
        seed=3,
        progress=False,
    )
    return model.state_dict(), history["loss"]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    script, out = folder / "train.py", folder / "result.pt"
    script.write_text(SCRIPT.format(tests=os.path.dirname(__file__)))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            str(script),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return torch.load(out)


def test_two_processes_equal_one_with_the_same_effective_batch(two_processes):
    assert two_processes["world"] == 2
    state, loss = one_process(batch_size=8)
    for name, value in state.items():
        torch.testing.assert_close(
            two_processes["state"][name], value, rtol=1e-5, atol=1e-6
        )
    torch.testing.assert_close(
        torch.tensor(two_processes["loss"]), torch.tensor(loss), rtol=1e-5, atol=1e-6
    )


def test_control_half_the_batch_in_one_process_differs(two_processes):
    state, _ = one_process(batch_size=4)
    gap = max(
        (two_processes["state"][k] - v).abs().max().item() for k, v in state.items()
    )
    assert gap > 1e-3


def test_distributed_without_a_process_group_says_how_to_launch(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    model, x, y = problem()
    with pytest.raises(ValueError, match="torchrun"):
        fit(
            model,
            (x, y),
            nn.functional.mse_loss,
            steps=1,
            progress=False,
            distributed=True,
        )
