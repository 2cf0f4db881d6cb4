"""Tests of medlearn.uncertainty against torch, torchmetrics, scipy and closed forms."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torchmetrics.functional.classification import (
    binary_calibration_error,
    multiclass_calibration_error,
)

from medlearn.uncertainty import (
    HeteroscedasticHead,
    decompose_entropy,
    decompose_variance,
    ensemble_predict,
    expected_calibration_error,
    heteroscedastic_loss,
    heteroscedastic_segmentation_loss,
    mc_dropout_loop,
    mc_dropout_mode,
    mc_dropout_predict,
    reliability_diagram,
    sample_logits,
)
from medlearn.viz import plot_reliability_diagram

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


class TinyNet(nn.Module):
    """Conv -> batch norm -> ReLU -> dropout -> conv: the smallest MC-dropout net."""

    def __init__(self, p: float = 0.3, heteroscedastic: bool = False) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout(p)
        )
        self.head = (
            HeteroscedasticHead(2, 4, 2) if heteroscedastic else nn.Conv2d(4, 2, 1)
        )

    def forward(self, x):
        return self.head(self.body(x))


def tiny_net(p: float = 0.3, heteroscedastic: bool = False) -> TinyNet:
    torch.manual_seed(0)
    net = TinyNet(p, heteroscedastic)
    with torch.no_grad():  # non-trivial running statistics
        net.body[1].running_mean.uniform_(-1, 1)
        net.body[1].running_var.uniform_(0.5, 2)
    return net


# ---------------------------------------------------------------- aleatoric


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_heteroscedastic_loss_is_gaussian_nll(reduction):
    g = gen(1)
    mean, target = torch.randn(2, 4, 3, 5, generator=g)  # (4, 3, 5) each
    log_var = torch.randn(4, 3, 5, generator=g)
    ours = heteroscedastic_loss(mean, log_var, target, reduction=reduction)
    nll = nn.GaussianNLLLoss(full=False, eps=1e-12, reduction=reduction)
    torch.testing.assert_close(ours, nll(mean, target, log_var.exp()))
    full = nn.GaussianNLLLoss(full=True, eps=1e-12, reduction=reduction)
    constant = 0.5 * math.log(2 * math.pi) * (mean.numel() if reduction == "sum" else 1)
    torch.testing.assert_close(ours + constant, full(mean, target, log_var.exp()))


@settings(max_examples=20, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
)
def test_heteroscedastic_loss_random_and_broadcast(shape, seed):
    g = gen(seed)
    mean, target = torch.randn(2, *shape, generator=g, dtype=torch.float64)
    log_var = torch.randn(*shape[:-1], 1, generator=g, dtype=torch.float64)
    nll = nn.GaussianNLLLoss(eps=1e-12, reduction="none")
    expected = nll(mean, target, log_var.exp().expand_as(mean))
    torch.testing.assert_close(
        heteroscedastic_loss(mean, log_var, target, reduction="none"), expected
    )


def test_heteroscedastic_loss_learns_the_squared_residual():
    # d/ds [0.5 exp(-s) r^2 + 0.5 s] = 0  at  s = log r^2
    residual = torch.tensor([0.5, 1.0, 3.0])
    log_var = torch.log(residual**2).requires_grad_()
    heteroscedastic_loss(torch.zeros(3), log_var, residual, reduction="sum").backward()
    torch.testing.assert_close(log_var.grad, torch.zeros(3))


def test_heteroscedastic_loss_validation():
    x = torch.zeros(3, 2)
    with pytest.raises(ValueError, match="reduction"):
        heteroscedastic_loss(x, x, x, reduction="avg")
    with pytest.raises(ValueError, match="mean and target"):
        heteroscedastic_loss(x, x, torch.zeros(3))
    with pytest.raises(ValueError, match="log_var must broadcast"):
        heteroscedastic_loss(x, torch.zeros(2, 2), x)
    with pytest.raises(TypeError, match="log_var"):
        heteroscedastic_loss(x, torch.zeros(3, 2, dtype=torch.long), x)


@pytest.mark.parametrize("spatial_dims", [0, 1, 2, 3])
def test_heteroscedastic_head_shapes(spatial_dims):
    head = HeteroscedasticHead(spatial_dims, 5, 3)
    x = torch.randn(2, 5, *[4] * spatial_dims)  # (N, C_in, *S)
    mean, log_var = head(x)
    assert mean.shape == log_var.shape == (2, 3, *[4] * spatial_dims)
    with pytest.raises(ValueError, match="dims"):
        head(torch.randn(2, 5, *[4] * (spatial_dims + 1)))
    with pytest.raises(ValueError, match="spatial_dims"):
        HeteroscedasticHead(4, 5, 3)


def test_sample_logits_statistics_and_reproducibility():
    logits = torch.tensor([[1.0, -2.0]])  # (N=1, C=2)
    log_var = torch.tensor([[0.0, math.log(4.0)]])  # sigma = 1, 2
    samples = sample_logits(logits, log_var, 20000, generator=gen(0))  # (T, 1, 2)
    assert samples.shape == (20000, 1, 2)
    torch.testing.assert_close(samples.mean(0), logits, atol=0.05, rtol=0)
    torch.testing.assert_close(
        samples.std(0), torch.tensor([[1.0, 2.0]]), rtol=0.03, atol=0
    )
    again = sample_logits(logits, log_var, 20000, generator=gen(0))
    torch.testing.assert_close(samples, again, rtol=0, atol=0)
    with pytest.raises(ValueError, match="n_samples"):
        sample_logits(logits, log_var, 0)


def test_segmentation_loss_without_noise_is_cross_entropy():
    g = gen(2)
    logits = torch.randn(2, 3, 5, 6, generator=g)  # (N, C, H, W)
    target = torch.randint(0, 3, (2, 5, 6), generator=g)  # (N, H, W)
    silent = torch.full((2, 1, 5, 6), -60.0)  # sigma = exp(-30)
    for reduction in ("mean", "none"):
        ours = heteroscedastic_segmentation_loss(
            logits, silent, target, 7, generator=g, reduction=reduction
        )
        torch.testing.assert_close(
            ours, F.cross_entropy(logits, target, reduction=reduction)
        )


def test_segmentation_loss_matches_a_loop_over_cross_entropy():
    g = gen(3)
    logits = torch.randn(2, 3, 4, 4, generator=g, dtype=torch.float64)
    log_var = torch.randn(2, 3, 4, 4, generator=g, dtype=torch.float64)
    target = torch.randint(0, 3, (2, 4, 4), generator=g)
    T = 6
    ours = heteroscedastic_segmentation_loss(
        logits, log_var, target, T, generator=gen(9), reduction="none"
    )
    samples = sample_logits(logits, log_var, T, generator=gen(9))  # same noise
    likelihood = sum(
        torch.exp(-F.cross_entropy(samples[t], target, reduction="none"))
        for t in range(T)
    )
    torch.testing.assert_close(ours, -torch.log(likelihood / T))


def test_segmentation_loss_validation():
    logits, target = torch.zeros(1, 2, 3, 3), torch.zeros(1, 3, 3, dtype=torch.long)
    with pytest.raises(TypeError, match="target"):
        heteroscedastic_segmentation_loss(logits, logits, target.float())
    with pytest.raises(ValueError, match="target must have shape"):
        heteroscedastic_segmentation_loss(logits, logits, target[0])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        heteroscedastic_segmentation_loss(logits, logits, target + 2)


# ---------------------------------------------------------------- MC dropout


@pytest.mark.parametrize("predict", [mc_dropout_loop, mc_dropout_predict])
@pytest.mark.parametrize("start_training", [True, False])
def test_modes_restored_and_batch_norm_frozen(predict, start_training):
    net = tiny_net()
    net.train(start_training)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    modes = [m.training for m in net.modules()]
    predict(net, torch.randn(3, 1, 6, 6), 5, seed=0)
    assert [m.training for m in net.modules()] == modes
    for key, value in net.state_dict().items():  # running stats untouched
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)


def test_mc_dropout_mode_switches_only_dropout():
    net = tiny_net().train()
    with mc_dropout_mode(net):
        assert [type(m).__name__ for m in net.modules() if m.training] == ["Dropout"]
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="dropout layer"):
        with mc_dropout_mode(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))):
            pass


@pytest.mark.parametrize("chunk_size", [None, 1, 3, 7])
def test_without_dropout_noise_every_sample_is_the_eval_output(chunk_size):
    net = tiny_net(p=0.0).train()  # batch norm would use batch stats if left on
    x = torch.randn(3, 1, 6, 6, generator=gen(4))
    expected = net.eval()(x).detach()
    net.train()
    for samples in (
        mc_dropout_loop(net, x, 7),
        mc_dropout_predict(net, x, 7, chunk_size=chunk_size),
    ):
        assert samples.shape == (7, 3, 2, 6, 6)
        torch.testing.assert_close(samples, expected.expand(7, *expected.shape))


@pytest.mark.parametrize("predict", [mc_dropout_loop, mc_dropout_predict])
def test_dropout_statistics_match_the_closed_form(predict):
    # y = w . dropout(x): E[y] = w . x and Var[y] = p / (1 - p) * sum_i (w_i x_i)^2
    p, T = 0.3, 3000
    linear = nn.Linear(6, 1, bias=False)
    net = nn.Sequential(nn.Dropout(p), linear)
    x = torch.randn(3, 6, generator=gen(5))  # (N, D)
    samples = predict(net, x, T, seed=1)[..., 0].double()  # (T, N)
    w = linear.weight.detach()[0].double()
    mean, var = x.double() @ w, p / (1 - p) * ((x.double() * w) ** 2).sum(1)
    se_mean, se_var = (var / T).sqrt(), var * math.sqrt(2 / T) * 3  # loose for kurtosis
    assert ((samples.mean(0) - mean).abs() < 4 * se_mean).all()
    assert ((samples.var(0) - var).abs() < 4 * se_var).all()


@pytest.mark.parametrize("chunk_size", [None, 4])
def test_vectorised_and_loop_share_the_per_sample_mask_statistics(chunk_size):
    p, T = 0.25, 40
    net = nn.Sequential(nn.Dropout(p))
    x = torch.ones(5, 400)  # (N, D)
    for samples in (
        mc_dropout_loop(net, x, T, seed=2),
        mc_dropout_predict(net, x, T, chunk_size=chunk_size, seed=2),
    ):
        dropped = samples == 0  # (T, N, D)
        rate = dropped.double().mean()
        assert abs(rate - p) < 4 * math.sqrt(p * (1 - p) / dropped.numel())
        kept = samples[~dropped]
        torch.testing.assert_close(kept, torch.full_like(kept, 1 / (1 - p)))
        # every copy draws its own mask: masks of different (t, n) are independent
        flat = dropped.reshape(T * 5, 400).double()
        agreement = (flat[:, None] == flat[None]).double().mean(-1)  # (TN, TN)
        off_diagonal = agreement[~torch.eye(T * 5, dtype=torch.bool)]
        expected = p**2 + (1 - p) ** 2
        assert abs(off_diagonal.mean() - expected) < 0.01
        assert off_diagonal.max() < 0.9


@pytest.mark.parametrize("predict", [mc_dropout_loop, mc_dropout_predict])
def test_seed_reproducible_and_global_rng_untouched(predict):
    net, x = tiny_net(), torch.randn(2, 1, 6, 6, generator=gen(6))
    state = torch.get_rng_state()
    a = predict(net, x, 4, seed=3)
    b = predict(net, x, 4, seed=3)
    c = predict(net, x, 4, generator=gen(3))
    d = predict(net, x, 4, generator=gen(3))
    assert torch.equal(torch.get_rng_state(), state)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(c, d, rtol=0, atol=0)
    assert not torch.equal(a, predict(net, x, 4, seed=4))
    assert not torch.equal(a[0], a[1])


def test_tuple_outputs_and_validation():
    net = tiny_net(heteroscedastic=True)
    x = torch.randn(2, 1, 5, 5)
    for out in (
        mc_dropout_loop(net, x, 3),
        mc_dropout_predict(net, x, 3, chunk_size=2),
    ):
        assert (
            isinstance(out, tuple) and [o.shape for o in out] == [(3, 2, 2, 5, 5)] * 2
        )
    with pytest.raises(ValueError, match="n_samples"):
        mc_dropout_predict(net, x, 0)
    with pytest.raises(ValueError, match="chunk_size"):
        mc_dropout_predict(net, x, 2, chunk_size=0)
    with pytest.raises(TypeError, match="model"):
        mc_dropout_predict(lambda t: t, x, 2)
    with pytest.raises(ValueError, match="dropout layer"):
        mc_dropout_predict(nn.Conv2d(1, 1, 1), x, 2)


def test_ensemble_predict():
    torch.manual_seed(0)
    members = [tiny_net(p=0.5) for _ in range(3)]
    for m in members[1:]:
        nn.init.normal_(m.head.weight)
    members[0].train()
    members[1].eval()
    x = torch.randn(2, 1, 5, 5)
    out = ensemble_predict(members, x)  # (M, N, C, H, W)
    assert out.shape == (3, 2, 2, 5, 5)
    assert members[0].training and not members[1].training
    for m, sample in zip(members, out, strict=True):
        torch.testing.assert_close(sample, m.eval()(x).detach())
    with pytest.raises(ValueError, match="at least one"):
        ensemble_predict([], x)
    with pytest.raises(TypeError, match=r"models\[1\]"):
        ensemble_predict([members[0], "net"], x)


# ---------------------------------------------------------------- decompositions


def test_variance_decomposition_by_hand():
    means = torch.tensor([[0.0, 1.0], [2.0, 1.0]])  # (T=2, N=2)
    variances = torch.tensor([[1.0, 0.5], [3.0, 0.5]])
    total, aleatoric, epistemic = decompose_variance(means, variances)
    torch.testing.assert_close(aleatoric, torch.tensor([2.0, 0.5]))
    torch.testing.assert_close(epistemic, torch.tensor([1.0, 0.0]))  # population var
    torch.testing.assert_close(total, torch.tensor([3.0, 0.5]))
    assert decompose_variance(means).aleatoric.eq(0).all()


@settings(max_examples=25, deadline=None)
@given(
    T=st.integers(1, 6),
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    seed=st.integers(0, 2**16),
)
def test_variance_decomposition_random(T, shape, seed):
    g = gen(seed)
    means = torch.randn(T, *shape, generator=g, dtype=torch.float64)
    variances = torch.rand(T, *shape, generator=g, dtype=torch.float64) * 3
    total, aleatoric, epistemic = decompose_variance(means, variances)
    assert total.shape == tuple(shape)
    assert torch.equal(total, aleatoric + epistemic)
    np.testing.assert_allclose(epistemic, np.var(means.numpy(), axis=0, ddof=0))
    mixture = (means**2 + variances).mean(0) - means.mean(0) ** 2  # E[y^2] - E[y]^2
    torch.testing.assert_close(total, mixture)


def test_total_variance_is_the_variance_of_the_mixture():
    g = gen(7)
    means, stds = (
        torch.tensor([[-1.0], [0.5], [3.0]]),
        torch.tensor([[0.5], [1.0], [0.2]]),
    )
    pick = torch.randint(0, 3, (200_000,), generator=g)
    y = means[pick, 0] + stds[pick, 0] * torch.randn(200_000, generator=g)
    total = decompose_variance(means, stds**2).total
    torch.testing.assert_close(total, y.var().reshape(1), rtol=0.02, atol=0)


def test_bayesian_linear_regression_posterior_predictive():
    """Posterior predictive variance = 1 / beta + x^T S x, recovered by sampling w."""
    g = gen(8)
    alpha, beta, D = 2.0, 25.0, 3
    X = torch.randn(12, D, generator=g, dtype=torch.float64)
    w_true = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    y = X @ w_true + torch.randn(12, generator=g, dtype=torch.float64) / math.sqrt(beta)
    S = torch.linalg.inv(alpha * torch.eye(D, dtype=torch.float64) + beta * X.T @ X)
    m = beta * S @ X.T @ y
    T = 40_000
    eps = torch.randn(T, D, generator=g, dtype=torch.float64)
    w = m + eps @ torch.linalg.cholesky(S).T  # (T, D) posterior samples
    x_new = torch.cat([X[:2], 10 * X[2:5]])  # (N=5, D): 2 seen inputs, 3 far away
    means = w @ x_new.T  # (T, N)
    total, aleatoric, epistemic = decompose_variance(
        means, torch.full_like(means, 1 / beta)
    )
    parameter = torch.einsum("nd,de,ne->n", x_new, S, x_new)  # x^T S x
    torch.testing.assert_close(aleatoric, torch.full_like(parameter, 1 / beta))
    torch.testing.assert_close(epistemic, parameter, rtol=0.05, atol=0)
    torch.testing.assert_close(total, 1 / beta + parameter, rtol=0.05, atol=0)
    assert (
        epistemic[2:].min() > epistemic[:2].max()
    )  # far from the data: more ignorance


def test_variance_decomposition_validation():
    with pytest.raises(ValueError, match="samples first"):
        decompose_variance(torch.zeros(3))
    with pytest.raises(ValueError, match="shape of means"):
        decompose_variance(torch.zeros(3, 2), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="log-variance"):
        decompose_variance(torch.zeros(3, 2), torch.full((3, 2), -1.0))
    with pytest.raises(TypeError, match="means"):
        decompose_variance(torch.zeros(3, 2, dtype=torch.long))


def test_entropy_decomposition_by_hand():
    sure_and_disagree = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # (T=2, N=1, C=2)
    total, aleatoric, epistemic = decompose_entropy(sure_and_disagree)
    torch.testing.assert_close(total, torch.tensor([math.log(2)]))
    torch.testing.assert_close(aleatoric, torch.tensor([0.0]))
    torch.testing.assert_close(epistemic, torch.tensor([math.log(2)]))
    unsure_and_agree = torch.full((4, 1, 3), 1 / 3)  # (T=4, N=1, C=3)
    total, aleatoric, epistemic = decompose_entropy(unsure_and_agree)
    torch.testing.assert_close(total, torch.tensor([math.log(3)]))
    torch.testing.assert_close(aleatoric, torch.tensor([math.log(3)]))
    torch.testing.assert_close(epistemic, torch.tensor([0.0]), atol=1e-6, rtol=0)


@settings(max_examples=25, deadline=None)
@given(
    T=st.integers(1, 5),
    C=st.integers(2, 4),
    spatial=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    sharpness=st.floats(0.1, 10.0),
    seed=st.integers(0, 2**16),
)
def test_entropy_decomposition_random(T, C, spatial, sharpness, seed):
    g = gen(seed)
    logits = sharpness * torch.randn(
        T, 2, C, *spatial, generator=g, dtype=torch.float64
    )
    probs = logits.softmax(dim=2)  # (T, N, C, *S)
    total, aleatoric, epistemic = decompose_entropy(probs)
    assert total.shape == (2, *spatial)
    p = probs.numpy()
    np.testing.assert_allclose(
        total, scipy.stats.entropy(p.mean(0), axis=1), atol=1e-10
    )
    np.testing.assert_allclose(
        aleatoric, scipy.stats.entropy(p, axis=2).mean(0), atol=1e-10
    )
    torch.testing.assert_close(total, aleatoric + epistemic)
    assert (epistemic > -1e-10).all() and (total <= math.log(C) + 1e-10).all()
    if T == 1:
        torch.testing.assert_close(epistemic, torch.zeros_like(epistemic))


def test_entropy_decomposition_validation():
    with pytest.raises(ValueError, match="softmax"):
        decompose_entropy(torch.randn(2, 3, 4))
    with pytest.raises(ValueError, match="C >= 2"):
        decompose_entropy(torch.ones(2, 3, 1))
    with pytest.raises(ValueError, match="samples first"):
        decompose_entropy(torch.full((3, 2), 0.5))


# ---------------------------------------------------------------- calibration


@settings(max_examples=20, deadline=None)
@given(
    C=st.integers(2, 5),
    n_bins=st.integers(1, 20),
    spatial=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    seed=st.integers(0, 2**16),
)
def test_ece_matches_torchmetrics_multiclass(C, n_bins, spatial, seed):
    g = gen(seed)
    probs = (2 * torch.randn(16, C, *spatial, generator=g)).softmax(1)  # (N, C, *S)
    labels = torch.randint(0, C, (16, *spatial), generator=g)  # (N, *S)
    expected = multiclass_calibration_error(probs, labels, C, n_bins=n_bins, norm="l1")
    torch.testing.assert_close(
        expected_calibration_error(probs, labels, n_bins), expected
    )


@settings(max_examples=15, deadline=None)
@given(n_bins=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_ece_matches_torchmetrics_binary(n_bins, seed):
    g = gen(seed)
    probs = torch.rand(4, 8, 8, generator=g) * 0.999  # (N, H, W), never exactly 1.0
    labels = (torch.rand(4, 8, 8, generator=g) < probs**2).long()
    expected = binary_calibration_error(probs, labels, n_bins=n_bins, norm="l1")
    torch.testing.assert_close(
        expected_calibration_error(probs, labels, n_bins), expected
    )


def test_reliability_diagram_by_hand():
    probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])  # (N=4, C=2)
    labels = torch.tensor([0, 1, 1, 1])
    d = reliability_diagram(probs, labels, n_bins=5)  # bins of width 0.2
    assert d.count.tolist() == [0, 0, 0, 2, 2]
    torch.testing.assert_close(d.confidence[3:], torch.tensor([0.65, 0.85]))
    torch.testing.assert_close(d.accuracy[3:], torch.tensor([1.0, 0.5]))
    assert d.confidence[:3].isnan().all() and d.edges.shape == (6,)
    ece = expected_calibration_error(probs, labels, n_bins=5)
    torch.testing.assert_close(ece, torch.tensor(0.5 * 0.35 + 0.5 * 0.35))
    sure = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert expected_calibration_error(sure, torch.tensor([0, 1])) == 0
    assert ax_ok(plot_reliability_diagram(d, title="t"))


def ax_ok(ax) -> bool:
    import matplotlib.pyplot as plt

    ok = isinstance(ax, matplotlib.axes.Axes) and ax.get_title() == "t"
    plt.close(ax.figure)
    return ok


def test_calibration_validation():
    with pytest.raises(ValueError, match="softmax"):
        expected_calibration_error(
            torch.randn(4, 3) * 5, torch.zeros(4, dtype=torch.long)
        )
    with pytest.raises(ValueError, match="probs must be"):
        reliability_diagram(torch.rand(4, 3), torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="0 or 1"):
        reliability_diagram(torch.rand(4), torch.full((4,), 2))
    with pytest.raises(ValueError, match="n_bins"):
        reliability_diagram(torch.rand(4), torch.zeros(4, dtype=torch.long), n_bins=0)
    with pytest.raises(TypeError, match="labels"):
        reliability_diagram(torch.rand(4), torch.zeros(4))


# ---------------------------------------------------------------- CUDA


@pytest.mark.cuda
@cuda
def test_cuda_matches_cpu():
    g = gen(11)
    means = torch.randn(5, 2, 3, generator=g)
    variances = torch.rand(5, 2, 3, generator=g)
    probs = torch.randn(5, 2, 3, 4, 4, generator=g).softmax(2)
    labels = torch.randint(0, 3, (2, 4, 4), generator=g)
    for cpu, gpu in zip(
        decompose_variance(means, variances),
        decompose_variance(means.cuda(), variances.cuda()),
        strict=True,
    ):
        torch.testing.assert_close(gpu.cpu(), cpu)
    for cpu, gpu in zip(
        decompose_entropy(probs), decompose_entropy(probs.cuda()), strict=True
    ):
        torch.testing.assert_close(gpu.cpu(), cpu)
    torch.testing.assert_close(
        expected_calibration_error(probs[0].cuda(), labels.cuda()).cpu(),
        expected_calibration_error(probs[0], labels),
    )
    logits, log_var = probs[0].log(), torch.randn(2, 1, 4, 4, generator=g)
    cpu_loss = heteroscedastic_segmentation_loss(
        logits, log_var, labels, 4, generator=gen(1)
    )
    gpu_loss = heteroscedastic_segmentation_loss(
        logits.cuda(), log_var.cuda(), labels.cuda(), 4, generator=gen(1)
    )
    torch.testing.assert_close(gpu_loss.cpu(), cpu_loss)


@pytest.mark.cuda
@cuda
def test_cuda_mc_dropout():
    net, x = tiny_net(p=0.0), torch.randn(3, 1, 6, 6)
    expected = net.eval()(x).detach()
    gpu_net, gpu_x = tiny_net(p=0.0).cuda(), x.cuda()
    samples = mc_dropout_predict(gpu_net, gpu_x, 5, chunk_size=2)
    assert samples.device.type == "cuda" and samples.shape == (5, 3, 2, 6, 6)
    torch.testing.assert_close(samples.cpu(), expected.expand(5, *expected.shape))
    noisy = tiny_net(p=0.5).cuda()
    state = torch.cuda.get_rng_state()
    a = mc_dropout_predict(noisy, gpu_x, 4, seed=0)
    assert torch.equal(a, mc_dropout_predict(noisy, gpu_x, 4, seed=0))
    assert torch.equal(torch.cuda.get_rng_state(), state)
    assert mc_dropout_loop(noisy, gpu_x, 4, seed=0).shape == a.shape
