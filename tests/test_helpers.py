"""medlearn._helpers: the shared argument checks, reductions and mode keeping."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from medlearn import _helpers


@pytest.mark.parametrize(
    "value, n, minimum, expected",
    [(3, 2, 1, (3, 3)), ((1, 2, 3), 3, 1, (1, 2, 3)), ((0, 4), 2, 0, (0, 4))],
)
def test_ntuple_broadcasts(value, n, minimum, expected):
    assert _helpers.ntuple(value, n, "size", minimum) == expected


@pytest.mark.parametrize("value", [0, (1, 2), (2, 2, True), 2.0, (2, -1, 2)])
def test_ntuple_names_the_argument(value):
    with pytest.raises(ValueError, match=r"stride must be an int >= 1 or a tuple of 3"):
        _helpers.ntuple(value, 3, "stride")


@pytest.mark.parametrize(
    "reduction, expected",
    [("mean", torch.tensor(2.0)), ("sum", torch.tensor(6.0))],
)
def test_reduce(reduction, expected):
    loss = torch.tensor([1.0, 2.0, 3.0])
    assert torch.equal(_helpers.reduce(loss, reduction), expected)
    assert torch.equal(_helpers.reduce(loss, "none"), loss)
    with pytest.raises(ValueError, match="reduction: expected 'mean', 'sum' or 'none'"):
        _helpers.reduce(loss, "max")


def test_check_choice():
    _helpers.check_choice("norm", None, (None, "batch"))
    with pytest.raises(
        ValueError, match=r"norm: expected one of \(None, 'batch'\), got 'bn'"
    ):
        _helpers.check_choice("norm", "bn", (None, "batch"))


def _frozen_bn_net() -> nn.Module:
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.1)).train()
    net[1].eval()  # a frozen BatchNorm inside a training model
    return net


def test_preserve_modes_restores_every_submodule_even_on_error():
    net = _frozen_bn_net()
    before = [m.training for m in net.modules()]
    with _helpers.preserve_modes(net) as same:
        assert same is net
        net.eval()
    assert [m.training for m in net.modules()] == before == [True, True, False, True]
    with pytest.raises(RuntimeError, match="boom"), _helpers.preserve_modes(net):
        net.eval()
        raise RuntimeError("boom")
    assert [m.training for m in net.modules()] == before


def test_per_axis_broadcasts_without_judging_the_values():
    assert _helpers.per_axis(0.5, 3, "overlap") == (0.5, 0.5, 0.5)
    assert _helpers.per_axis([4, None], 2, "roi_size") == (4, None)
    with pytest.raises(ValueError, match=r"roi_size: expected one value or 3"):
        _helpers.per_axis((4, 4), 3, "roi_size")
