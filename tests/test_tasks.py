"""medlearn.tasks against torch.nn.functional: softmax, log-softmax, cross-entropy."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from medlearn import tasks


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=4),
    scale=st.sampled_from([1.0, 30.0, 1e4]),
    seed=st.integers(0, 10_000),
    data=st.data(),
)
def test_softmax_and_log_softmax_match_torch(shape, scale, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = (
        torch.randn(
            shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
        )
        * scale
    )
    torch.testing.assert_close(tasks.softmax(x, dim), torch.softmax(x, dim))
    torch.testing.assert_close(tasks.log_softmax(x, dim), torch.log_softmax(x, dim))


def test_extreme_logits_are_finite_and_exact():
    z = torch.tensor([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    p = tasks.softmax(z)
    assert torch.isfinite(p).all()
    torch.testing.assert_close(p, torch.softmax(z, 1))
    target = torch.tensor([2, 0])
    loss = tasks.cross_entropy(z, target)
    assert torch.isfinite(loss)
    torch.testing.assert_close(loss, F.cross_entropy(z, target))


@pytest.mark.parametrize(
    "shape",
    [(6, 4), (2, 3, 5, 7), (2, 3, 4, 5, 6)],  # (N, C), (N, C, H, W), (N, C, D, H, W)
)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_torch_for_indices(shape, reduction):
    logits = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    target = torch.randint(shape[1], (shape[0], *shape[2:]))
    ours = tasks.cross_entropy(logits, target, reduction)
    ref = F.cross_entropy(logits, target, reduction=reduction)
    torch.testing.assert_close(ours, ref)
    g1 = torch.autograd.grad(ours.sum(), logits)[0]
    g2 = torch.autograd.grad(ref.sum(), logits)[0]
    torch.testing.assert_close(g1, g2)


def test_cross_entropy_matches_torch_for_probabilities():
    logits = torch.randn(3, 4, 5, 5, dtype=torch.float64)
    target = torch.softmax(torch.randn(3, 4, 5, 5, dtype=torch.float64), 1)
    torch.testing.assert_close(
        tasks.cross_entropy(logits, target), F.cross_entropy(logits, target)
    )


def test_cross_entropy_worked_example():
    # two samples, logits (2, 0) and (0, 2), right class each: -log(e^2 / (e^2 + 1))
    loss = tasks.cross_entropy(
        torch.tensor([[2.0, 0.0], [0.0, 2.0]]), torch.tensor([0, 1])
    )
    expected = torch.log1p(torch.exp(torch.tensor(-2.0)))
    torch.testing.assert_close(loss, expected)


@pytest.mark.parametrize(
    "logits, target, match",
    [
        (
            torch.randn(4, 3),
            torch.randint(3, (5,)),
            "target: expected int class indices of shape",
        ),
        (
            torch.randn(4, 3),
            torch.tensor([0, 1, 2, 3]),
            r"class indices must lie in \[0, 3\)",
        ),
        (torch.randn(4, 3), torch.tensor([0, 1, 2, -1]), r"class indices must lie"),
        (
            torch.randn(4, 3),
            torch.rand(4, 2),
            "probabilities must have the logits' shape",
        ),
        (torch.tensor([[float("nan"), 0.0]]), torch.tensor([0]), "NaN"),
        (torch.randn(4), torch.tensor([0, 1, 2, 3]), r"expected \(N, C, \.\.\.\)"),
    ],
)
def test_cross_entropy_rejects_bad_input(logits, target, match):
    with pytest.raises(ValueError, match=match):
        tasks.cross_entropy(logits, target)


def test_softmax_rejects_integers_and_bad_dim():
    with pytest.raises(TypeError, match="floating-point"):
        tasks.softmax(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="dim: 3 is out of range"):
        tasks.softmax(torch.randn(2, 3), dim=3)
    with pytest.raises(ValueError, match="reduction"):
        tasks.cross_entropy(torch.randn(2, 3), torch.tensor([0, 1]), reduction="avg")


@pytest.mark.parametrize("include_background", [False, True])
@pytest.mark.parametrize("shape", [(3, 2, 8, 8), (2, 4, 5, 6, 7), (5, 3)])
def test_soft_dice_loss_matches_monai(shape, include_background):
    from monai.losses import DiceLoss

    g = torch.Generator().manual_seed(sum(shape))
    logits = torch.randn(shape, generator=g, requires_grad=True)
    target = torch.randint(shape[1], (shape[0], *shape[2:]), generator=g)
    ours = tasks.soft_dice_loss(logits, target, include_background=include_background)
    ref_target = target[:, None]  # MONAI: (N, 1, ...) class indices
    monai = DiceLoss(
        softmax=True,
        to_onehot_y=True,
        include_background=include_background,
        batch=True,
        smooth_nr=1.0,
        smooth_dr=1.0,
    )(logits, ref_target)
    torch.testing.assert_close(ours, monai)
    (g1,) = torch.autograd.grad(ours, logits)
    (g2,) = torch.autograd.grad(monai, logits)
    torch.testing.assert_close(g1, g2)


def test_soft_dice_loss_rejects_bad_targets():
    logits = torch.randn(2, 3, 4, 4)
    with pytest.raises(TypeError, match="target"):
        tasks.soft_dice_loss(logits, torch.rand(2, 4, 4))
    with pytest.raises(ValueError, match="shape"):
        tasks.soft_dice_loss(logits, torch.zeros(2, 4, 5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        tasks.soft_dice_loss(logits, torch.full((2, 4, 4), 3))
