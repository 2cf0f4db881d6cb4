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
