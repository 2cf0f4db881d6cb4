"""medlearn.train: what the loop trains on, and the modes it leaves behind."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from medlearn import train


def _frozen_bn_net() -> nn.Module:
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2)).train()
    net[1].eval()  # a frozen BatchNorm inside a training model
    return net


def test_predict_keeps_a_frozen_batchnorm_frozen():
    net = _frozen_bn_net()
    out = train.predict(net, torch.randn(5, 1, 6, 6), batch_size=2)
    assert out.shape == (5, 2, 6, 6)
    assert net.training and not net[1].training


def test_predict_restores_modes_when_the_model_fails():
    net = _frozen_bn_net()
    with pytest.raises(RuntimeError):
        train.predict(net, torch.randn(2, 3, 6, 6))  # 3 channels for a 1-channel conv
    assert net.training and not net[1].training


def _fit(data: object) -> list[float]:
    torch.manual_seed(0)
    net = nn.Linear(3, 1)
    hist = train.fit(
        net, data, nn.functional.mse_loss, steps=4, batch_size=8, progress=False
    )
    return hist["loss"]


def test_fit_takes_a_list_pair_as_the_tuple_pair():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 3, generator=g), torch.randn(32, 1, generator=g)
    assert _fit([x, y]) == _fit((x, y))


def test_fit_rejects_batches_that_are_not_pairs():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, generator=g)
    with pytest.raises(TypeError, match="data"):
        _fit([x, x, x])  # three tensors: neither a pair nor a list of pairs


def _conv_data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 1, 12, 12, generator=g)  # (N, 1, H, W)
    return x, 0.5 * x + 0.1


def _conv_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 1, 1))


def test_bf16_mixed_precision_trains_close_to_fp32():
    x, y = _conv_data()
    kw = {"steps": 30, "lr": 1e-2, "progress": False}
    fp32 = train.fit(_conv_net(), (x, y), nn.functional.mse_loss, **kw)["loss"]
    bf16 = train.fit(
        _conv_net(), (x, y), nn.functional.mse_loss, precision="bf16", **kw
    )
    bf16 = bf16["loss"]
    assert bf16[-1] < 0.5 * bf16[0], "bf16 training does not learn"
    assert bf16 != fp32, "bf16 should compute in lower precision than fp32"
    assert abs(bf16[-1] - fp32[-1]) < 0.1 * fp32[0]


def test_precision_must_suit_the_device():
    x, y = _conv_data()
    with pytest.raises(ValueError, match="fp16.*CUDA"):
        train.fit(
            _conv_net(), (x, y), nn.functional.mse_loss, precision="fp16", steps=1
        )
    with pytest.raises(ValueError, match="precision"):
        train.fit(_conv_net(), (x, y), nn.functional.mse_loss, precision="fp8", steps=1)


def test_channels_last_gives_the_same_training():
    x, y = _conv_data()
    kw = {"steps": 10, "progress": False}
    plain = train.fit(_conv_net(), (x, y), nn.functional.mse_loss, **kw)["loss"]
    last = train.fit(
        _conv_net(), (x, y), nn.functional.mse_loss, channels_last=True, **kw
    )
    assert torch.allclose(torch.tensor(plain), torch.tensor(last["loss"]), atol=1e-5)


def test_augment_runs_inside_the_step_with_a_seeded_generator():
    x, y = _conv_data()
    seen = []

    def augment(xb, yb, g):
        seen.append((xb.device, g.device))
        noise = torch.randn(xb.shape, generator=g, device=g.device)
        return xb + 0.01 * noise, yb

    runs = [
        train.fit(
            _conv_net(),
            (x, y),
            nn.functional.mse_loss,
            steps=4,
            progress=False,
            augment=augment,
        )["loss"]
        for _ in range(2)
    ]
    assert len(seen) == 8 and all(d == torch.device("cpu") for d, _ in seen)
    assert runs[0] == runs[1], "the same seed must give the same augmented training"
    plain = train.fit(
        _conv_net(), (x, y), nn.functional.mse_loss, steps=4, progress=False
    )
    assert plain["loss"] != runs[0], "the augmentation changed nothing"


def test_the_loop_reads_the_loss_once_per_chunk(monkeypatch):
    """No device synchronisation per step: losses are read every `sync_every` steps."""
    x, y = _conv_data()
    reads, losses = [], set()
    real_tolist, real_item = torch.Tensor.tolist, torch.Tensor.item

    def loss_fn(out, target):
        value = nn.functional.mse_loss(out, target)
        losses.add(value.data_ptr())
        return value

    def item(t):  # the optimiser may read its own step counters; never the loss
        if t.data_ptr() in losses:
            pytest.fail("the loss was read with item() inside the loop")
        return real_item(t)

    monkeypatch.setattr(
        torch.Tensor, "tolist", lambda t: reads.append(1) or real_tolist(t)
    )
    monkeypatch.setattr(torch.Tensor, "item", item)
    hist = train.fit(
        _conv_net(), (x, y), loss_fn, steps=25, sync_every=10, progress=False
    )
    assert len(hist["loss"]) == 25 and len(reads) == 3


def test_a_nan_is_reported_at_its_step_even_between_reads():
    x, y = _conv_data()
    calls = []

    def loss(out, target):
        calls.append(1)
        value = nn.functional.mse_loss(out, target)
        return value * float("nan") if len(calls) == 7 else value

    with pytest.raises(ValueError, match="at step 6"):
        train.fit(_conv_net(), (x, y), loss, steps=20, sync_every=10, progress=False)
