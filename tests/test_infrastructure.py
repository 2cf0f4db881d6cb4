"""Shared infrastructure: device choice, seeding, the training loop, viz, offline guard."""

from __future__ import annotations

import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
from conftest import requires_cuda  # noqa: E402
from torch import nn  # noqa: E402

from medlearn import data, device, train, viz  # noqa: E402


def test_get_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("MEDLEARN_DEVICE", raising=False)
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert device.get_device().type == expected
    assert device.get_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("MEDLEARN_DEVICE", "cpu")
    assert device.get_device().type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="not available"):
            device.get_device("cuda")


def test_seed_everything_makes_runs_repeatable():
    g1 = device.seed_everything(5)
    a = (torch.rand(3), torch.rand(2, generator=g1))
    g2 = device.seed_everything(5)
    b = (torch.rand(3), torch.rand(2, generator=g2))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    with pytest.raises(ValueError, match="seed"):
        device.seed_everything(-1)


def test_fit_learns_and_is_seeded():
    x, y = data.batch(32, seed=0, size=16)
    target = (y == 2).float()[:, None]

    def run():
        torch.manual_seed(0)
        net = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1)
        )
        hist = train.fit(
            net,
            (x, target),
            nn.functional.binary_cross_entropy_with_logits,
            steps=60,
            batch_size=8,
            lr=1e-2,
            progress=False,
        )
        return net, hist["loss"]

    net, losses = run()
    _, losses2 = run()
    assert losses == losses2
    assert sum(losses[-10:]) / 10 < 0.5 * sum(losses[:5]) / 5
    out = train.predict(net, x, batch_size=5)
    assert out.shape == (32, 1, 16, 16) and out.device.type == "cpu"
    scores = train.evaluate(
        net, x, target, lambda o, t: ((o > 0) == (t > 0.5)).float().mean()
    )
    assert len(scores) == 32 and sum(scores) / 32 > 0.8


def test_fit_reports_divergence():
    net = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="loss became"):
        train.fit(
            net,
            (torch.ones(4, 1), torch.ones(4, 1)),
            lambda o, t: (o * float("nan")).sum(),
            steps=3,
            progress=False,
        )


@requires_cuda
@pytest.mark.cuda
def test_fit_on_cuda_matches_cpu_shapes():
    net = nn.Linear(3, 1)
    hist = train.fit(
        net,
        (torch.randn(16, 3), torch.randn(16, 1)),
        nn.functional.mse_loss,
        steps=5,
        device="cuda",
        progress=False,
    )
    assert len(hist["loss"]) == 5 and next(net.parameters()).device.type == "cuda"


def test_viz_draws_and_the_slice_viewer_responds():
    p = data.phantom_3d((8, 24, 24), seed=0, n_lesions=1)
    fig = viz.show_slices(p.image, p.mask, n=3, spacing=p.spacing)
    assert len(fig.axes) == 3
    ax = viz.show_overlay(p.image[:, 4], p.mask[4], p.mask[4] == 2)
    assert ax.images
    ax = viz.show_boxes(
        torch.rand(1, 20, 20), torch.tensor([[2.0, 2, 8, 8]]), torch.tensor([0.9])
    )
    assert ax.patches
    viewer = viz.slice_viewer(p.image, p.mask)
    before = viewer.image.value
    viewer.slider.value = 1
    assert viewer.image.value != before and viewer.image.value[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="volume"):
        viz.slice_viewer(torch.rand(4, 4))


def test_offline_guard_refuses_and_logs(tmp_path):
    log = tmp_path / "net.log"
    code = (
        "import socket\n"
        "try:\n    socket.create_connection(('203.0.113.5', 80), timeout=1)\nexcept OSError as e:\n    print(e)\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); c = socket.create_connection(s.getsockname())\n"
        "print('loopback ok')\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.path.join(os.path.dirname(__file__), "offline"),
        "MEDLEARN_NETLOG": str(log),
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "refused network access" in out and "loopback ok" in out
    assert "203.0.113.5" in log.read_text()


def test_fit_progress_bar_and_its_switch(monkeypatch, capsys):
    net = nn.Linear(1, 1)
    batch = (torch.ones(4, 1), torch.ones(4, 1))
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    train.fit(net, batch, nn.functional.mse_loss, steps=3, desc="warming up")
    assert "warming up" in capsys.readouterr().err
    monkeypatch.setenv("TQDM_DISABLE", "1")  # as `make book` sets it
    train.fit(net, batch, nn.functional.mse_loss, steps=3, desc="warming up")
    assert "warming up" not in capsys.readouterr().err


def test_get_device_checks_the_cuda_index(monkeypatch):
    monkeypatch.delenv("MEDLEARN_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert device.get_device("cuda:1") == torch.device("cuda:1")
    assert device.get_device("cuda") == torch.device("cuda")
    with pytest.raises(ValueError, match=r"cuda:3.*2 CUDA devices"):
        device.get_device("cuda:3")
    monkeypatch.setenv("MEDLEARN_DEVICE", "cuda:2")
    with pytest.raises(ValueError, match="cuda:2"):
        device.get_device()
