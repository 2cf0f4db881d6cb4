"""Tests of medlearn.shift against scipy, scikit-learn, scikit-image, MONAI and neuroCombat.

Calibration and power are tested as properties: under the null the rejection
rate at alpha = 0.05 over many seeds must fall inside a stated binomial
interval around 0.05; under a known shift the power must rise with n.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.optimize
import scipy.spatial.distance
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from neuroCombat import neuroCombat
from skimage.exposure import match_histograms as skimage_match_histograms
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from medlearn import shift

ALPHA = 0.05


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=gen(seed), dtype=torch.float64)


def binomial_interval(trials: int, p: float = ALPHA, level: float = 0.99):
    """Central ``level`` interval of the rejection *rate* of a level-p test."""
    low, high = scipy.stats.binom.interval(level, trials, p)
    return low / trials, high / trials


def rejection_rate(test, n: int, mean_shift: float, seeds: int, d: int = 3) -> float:
    """Share of seeds where ``test(x, y, generator) <= ALPHA``; y's first feature shifted."""
    rejections = 0
    for seed in range(seeds):
        g = gen(seed)
        x = torch.randn(n, d, generator=g, dtype=torch.float64)
        y = torch.randn(n, d, generator=g, dtype=torch.float64)
        y[:, 0] += mean_shift
        rejections += float(test(x, y, g)) <= ALPHA
    return rejections / seeds


# ------------------------------------------------------------------ references


def alibi_sigma_median(z: np.ndarray) -> float:
    """alibi-detect's sigma_median on the pooled sample, restated in numpy.

    Sort all N^2 squared distances of the pooled sample (the N zeros of the
    diagonal included), take entry ``N + (N^2 - N) // 2 - 1`` and return
    ``sqrt(0.5 * value)``.
    """
    N = z.shape[0]
    sq = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    return math.sqrt(0.5 * np.sort(sq.ravel())[N + (N * N - N) // 2 - 1])


def mmd2_direct(x: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """The unbiased estimator written as its three double sums, with loops."""

    def k(a, b):
        return math.exp(-float(((a - b) ** 2).sum()) / (2 * sigma**2))

    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m))
    return xx / (n * (n - 1)) + yy / (m * (m - 1)) - 2 * xy / (n * m)


# ------------------------------------------------------------------------- MMD


@pytest.mark.parametrize("n, m, d", [(2, 2, 1), (5, 8, 3), (12, 7, 4), (10, 10, 2)])
def test_median_bandwidth_is_alibi_detects_variant(n, m, d):
    x, y = randn(n, d, seed=1), randn(m, d, seed=2) + 0.5  # (n, d), (m, d)
    z = np.concatenate([x.numpy(), y.numpy()])
    sigma = shift.median_bandwidth(x, y)
    assert float(sigma) == pytest.approx(alibi_sigma_median(z), rel=1e-12)
    pairs = scipy.spatial.distance.pdist(z, "sqeuclidean")  # i < j only
    lower_median = np.sort(pairs)[(len(pairs) - 1) // 2]
    assert float(sigma) == pytest.approx(math.sqrt(lower_median / 2), rel=1e-12)


@pytest.mark.parametrize("sigma", [None, 0.7, 3.0])
@pytest.mark.parametrize("n, m, d", [(2, 3, 1), (6, 9, 3), (11, 5, 2)])
def test_mmd2_unbiased_equals_the_direct_double_sums(n, m, d, sigma):
    x, y = randn(n, d, seed=3), randn(m, d, seed=4) * 1.5
    z = np.concatenate([x.numpy(), y.numpy()])
    s = alibi_sigma_median(z) if sigma is None else sigma
    expected = mmd2_direct(x.numpy(), y.numpy(), s)
    assert float(shift.mmd2_unbiased(x, y, sigma)) == pytest.approx(expected, abs=1e-13)


def test_gaussian_kernel_equals_scipy_distances():
    a, b = randn(5, 3, seed=44), randn(7, 3, seed=45) * 3
    expected = np.exp(-scipy.spatial.distance.cdist(a, b, "sqeuclidean") / (2 * 1.7**2))
    np.testing.assert_allclose(
        shift.gaussian_kernel(a, b, 1.7).numpy(), expected, rtol=1e-12
    )
    with pytest.raises(ValueError, match="sigma"):
        shift.gaussian_kernel(a, b, 0.0)


def test_mmd2_unbiased_keeps_float32_and_flattens_images():
    x, y = randn(4, 1, 3, 3).float(), randn(5, 1, 3, 3, seed=1).float()  # images
    out = shift.mmd2_unbiased(x, y)
    assert out.dtype == torch.float32 and out.shape == ()
    assert float(out) == pytest.approx(
        float(shift.mmd2_unbiased(x.flatten(1), y.flatten(1)))
    )


def test_mmd2_unbiased_is_unbiased_and_the_biased_one_is_not():
    """Mean over 300 null draws: MMD^2_u within 4 standard errors of 0; the
    biased version (diagonals kept) is positive by far more."""
    n, sigma = 8, 1.0
    unbiased, biased = [], []
    for seed in range(300):
        x, y = randn(n, 2, seed=2 * seed), randn(n, 2, seed=2 * seed + 1)
        u = float(shift.mmd2_unbiased(x, y, sigma))
        unbiased.append(u)
        biased.append(u * (n - 1) / n + 2 / n)  # add the diagonals k(x, x) = 1 back
    u = np.array(unbiased)
    assert abs(u.mean()) < 4 * u.std(ddof=1) / math.sqrt(len(u))
    assert np.mean(biased) > 10 * u.std(ddof=1) / math.sqrt(len(u))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale=st.floats(0.01, 100.0),
    offset=st.floats(-50.0, 50.0),
)
def test_median_heuristic_mmd_is_invariant_to_scale_shift_and_order(
    seed, scale, offset
):
    """With the pooled median bandwidth, MMD^2_u is unchanged by a common affine
    change of units and by reordering rows (not true of Failing Loudly's 1/median)."""
    x, y = randn(7, 3, seed=seed), randn(9, 3, seed=seed + 1) + 0.3
    base = shift.mmd2_unbiased(x, y)
    moved = shift.mmd2_unbiased(scale * x + offset, scale * y + offset)
    shuffled = shift.mmd2_unbiased(x.flip(0), y[torch.randperm(9, generator=gen(seed))])
    assert float(moved) == pytest.approx(float(base), abs=1e-9)
    assert float(shuffled) == pytest.approx(float(base), abs=1e-12)
    assert float(shift.mmd2_unbiased(y, x)) == pytest.approx(float(base), abs=1e-12)


@pytest.mark.parametrize("sigma", [None, 1.3])
def test_vectorised_permutation_test_equals_the_loop(sigma):
    x, y = randn(9, 3, seed=5), randn(11, 3, seed=6) + 0.4
    fast = shift.mmd_test(x, y, 200, generator=gen(7), sigma=sigma)
    slow = shift.mmd_test_loop(x, y, 200, generator=gen(7), sigma=sigma)
    assert float(fast.statistic) == pytest.approx(float(slow.statistic), abs=1e-13)
    assert float(fast.statistic) == pytest.approx(
        float(shift.mmd2_unbiased(x, y, sigma))
    )
    assert float(fast.p_value) == float(slow.p_value)


def test_mmd_p_value_approaches_the_exact_permutation_p_value():
    """n = m = 3: all C(6, 3) = 20 relabellings enumerated give the exact p-value;
    the Monte Carlo p-value must lie within 4.5 standard errors of it."""
    x, y = randn(3, 2, seed=8), randn(3, 2, seed=9) + 1.0
    z = torch.cat([x, y])
    sigma = float(shift.median_bandwidth(x, y))
    observed = mmd2_direct(x.numpy(), y.numpy(), sigma)
    stats = []
    for rows in itertools.combinations(range(6), 3):
        rest = [i for i in range(6) if i not in rows]
        stats.append(mmd2_direct(z[list(rows)].numpy(), z[rest].numpy(), sigma))
    exact = np.mean(np.array(stats) >= observed - 1e-12)
    P = 4000
    p = float(shift.mmd_test(x, y, P, generator=gen(10)).p_value)
    assert abs(p - exact) < 4.5 * math.sqrt(exact * (1 - exact) / P) + 1 / P


def test_mmd_p_value_counts_the_observed_labelling():
    """p = (1 + #{perm >= obs}) / (1 + P): never 0, 1 / (1 + P) for a huge shift."""
    x, y = randn(10, 2, seed=11), randn(10, 2, seed=12) + 20.0
    result = shift.mmd_test(x, y, 99, generator=gen(0))
    assert float(result.p_value) == pytest.approx(1 / 100)
    same = shift.mmd_test(x, x.clone(), 50, generator=gen(0))  # every perm >= obs
    assert float(same.p_value) == pytest.approx(1.0)


def test_mmd_test_is_reproducible_with_a_generator():
    x, y = randn(15, 2, seed=13), randn(15, 2, seed=14) + 0.5
    a = shift.mmd_test(x, y, 300, generator=gen(3))
    b = shift.mmd_test(x, y, 300, generator=gen(3))
    assert float(a.p_value) == float(b.p_value)


def test_mmd_test_is_calibrated_under_the_null():
    """1000 seeds, n = m = 20, P = 99: the level is exactly 5/100 for continuous
    data; the false-positive rate must lie in the 99 % binomial interval."""
    low, high = binomial_interval(1000)  # about [0.033, 0.068]
    rate = rejection_rate(
        lambda x, y, g: shift.mmd_test(x, y, 99, generator=g).p_value, 20, 0.0, 1000
    )
    assert low <= rate <= high, f"false-positive rate {rate} outside [{low}, {high}]"


def test_mmd_power_rises_with_sample_size():
    power = [
        rejection_rate(
            lambda x, y, g: shift.mmd_test(x, y, 99, generator=g).p_value, n, 0.8, 100
        )
        for n in (10, 20, 40)
    ]
    assert power[0] < power[1] < power[2], power
    assert power[2] - power[0] > 0.3 and power[2] > 0.6, power


# -------------------------------------------------------------------------- KS


@pytest.mark.parametrize(
    "n, m, discrete",
    [(2, 2, False), (7, 13, False), (30, 30, False), (40, 25, True), (120, 90, False)],
)
def test_ks_test_equals_scipy_ks_2samp(n, m, discrete):
    x, y = randn(n, 6, seed=15), randn(m, 6, seed=16) * 1.2 + 0.3
    if discrete:  # ties inside and across the samples
        x, y = x.round(), y.round()
    result = shift.ks_test(x, y)
    for j in range(6):
        ref = scipy.stats.ks_2samp(x[:, j].numpy(), y[:, j].numpy())
        assert float(result.statistic[j]) == pytest.approx(ref.statistic, abs=1e-15)
        assert float(result.p_value[j]) == pytest.approx(
            ref.pvalue, rel=1e-9, abs=1e-300
        )


def test_ks_p_value_uses_the_asymptotic_formula_beyond_10000():
    x, y = randn(10_001, 2, seed=17), randn(300, 2, seed=18) + 0.15
    result = shift.ks_test(x, y)
    for j in range(2):
        ref = scipy.stats.ks_2samp(x[:, j].numpy(), y[:, j].numpy())
        assert float(result.statistic[j]) == pytest.approx(ref.statistic, abs=1e-12)
        assert float(result.p_value[j]) == pytest.approx(ref.pvalue, rel=1e-9)


def test_tiny_p_values_keep_their_digits():
    x, y = randn(200, 1, seed=19), randn(200, 1, seed=20) + 3.0
    p = float(shift.ks_test(x, y).p_value[0])
    ref = scipy.stats.ks_2samp(x[:, 0].numpy(), y[:, 0].numpy()).pvalue
    assert 0 < ref < 1e-60 and p == pytest.approx(ref, rel=1e-8)


def test_corrections_bonferroni_by_hand_and_bh_equal_scipy():
    p = torch.tensor([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.3, 0.9])
    d = len(p)
    expected = [min(1.0, d * float(v)) for v in p]
    assert shift.bonferroni(p).tolist() == pytest.approx(expected)
    bh = scipy.stats.false_discovery_control(p.numpy(), method="bh")
    assert shift.benjamini_hochberg(p).numpy() == pytest.approx(bh, rel=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_bh_equals_scipy_and_lies_between_p_and_bonferroni(values):
    p = torch.tensor(values, dtype=torch.float64)
    bh = shift.benjamini_hochberg(p)
    ref = scipy.stats.false_discovery_control(p.numpy(), method="bh")
    assert bh.numpy() == pytest.approx(ref, rel=1e-12, abs=1e-300)
    assert (bh >= p - 1e-15).all() and (bh <= shift.bonferroni(p) + 1e-15).all()


def test_ks_test_reject_and_global_p_value():
    x, y = randn(60, 5, seed=21), randn(60, 5, seed=22)
    y[:, 2] += 1.5  # one feature shifted
    for correction in ("bonferroni", "fdr_bh"):
        result = shift.ks_test(x, y, correction=correction)
        assert result.reject.tolist() == [False, False, True, False, False]
        assert float(result.p_global) == float(result.p_adjusted.min())
    bonf = shift.ks_test(x, y)
    assert float(bonf.p_global) == pytest.approx(
        min(1.0, 5 * float(bonf.p_value.min()))
    )


def test_ks_with_bonferroni_is_calibrated_and_gains_power():
    """Bonferroni over 3 features bounds the family-wise error by 0.05 (here
    1 - (1 - 0.05/3)^3 = 0.0492 for independent features): 400 seeds, 99 %
    binomial interval; power rises with n under a shift of one feature."""
    low, high = binomial_interval(400, 1 - (1 - ALPHA / 3) ** 3)
    ks = lambda x, y, g: shift.ks_test(x, y).p_global  # noqa: E731
    rate = rejection_rate(ks, 30, 0.0, 400)
    # the exact KS test is discrete, so its size may sit below the nominal one
    assert rate <= high, f"family-wise error {rate} above {high}"
    power = [rejection_rate(ks, n, 0.8, 100) for n in (10, 20, 40)]
    assert power[0] < power[1] < power[2] and power[2] > 0.6, power


# ------------------------------------------------------------ domain classifier


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
def test_logistic_regression_equals_sklearn(C):
    x = randn(80, 4, seed=23)
    labels = (x[:, 0] + 0.5 * x[:, 1] + randn(80, seed=24) > 0).long()
    coef, intercept = shift.fit_logistic_regression(x, labels, C=C)
    ref = LogisticRegression(C=C, tol=1e-12, max_iter=10_000, solver="newton-cholesky")
    ref.fit(x.numpy(), labels.numpy())
    assert coef.numpy() == pytest.approx(ref.coef_[0], abs=1e-7)
    assert float(intercept) == pytest.approx(ref.intercept_[0], abs=1e-7)


def test_roc_auc_equals_sklearn_with_ties():
    scores = randn(50, seed=25).round(decimals=1)  # many ties
    labels = (randn(50, seed=26) + scores > 0).long()
    ref = roc_auc_score(labels.numpy(), scores.numpy())
    assert float(shift.roc_auc(scores, labels)) == pytest.approx(ref, abs=1e-14)


def test_domain_classifier_is_calibrated_under_the_null():
    """400 seeds, n = m = 30 (15 held out each), P = 99. Ties of the AUC count
    as >= (conservative); the rate must lie in the 99 % binomial interval."""
    low, high = binomial_interval(400)
    rate = rejection_rate(
        lambda x, y, g: shift.domain_classifier_test(x, y, 0.5, 99, g).p_value,
        30,
        0.0,
        400,
    )
    assert low <= rate <= high, f"false-positive rate {rate} outside [{low}, {high}]"


def test_domain_classifier_power_rises_with_sample_size():
    test = lambda x, y, g: shift.domain_classifier_test(x, y, 0.5, 99, g).p_value  # noqa: E731
    power = [rejection_rate(test, n, 0.8, 100) for n in (10, 40, 80)]
    assert power[0] < power[1] < power[2] and power[2] > 0.8, power


def test_domain_classifier_auc_is_near_one_for_separated_sites():
    x, y = randn(40, 3, seed=27), randn(40, 3, seed=28) + 4.0
    auc, p = shift.domain_classifier_test(x, y, generator=gen(1), n_permutations=199)
    assert float(auc) > 0.99 and float(p) == pytest.approx(1 / 200)


# --------------------------------------------------------------------- matching


def smd_by_hand(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pooled = np.sqrt((x.var(0, ddof=1) + y.var(0, ddof=1)) / 2)
    return (x.mean(0) - y.mean(0)) / pooled


def test_standardized_mean_difference_uses_the_pooled_sd():
    x, y = randn(30, 3, seed=29) * 2 + 1, randn(50, 3, seed=30)
    smd = shift.standardized_mean_difference(x, y)
    assert smd.numpy() == pytest.approx(smd_by_hand(x.numpy(), y.numpy()), rel=1e-12)
    # a hand-worked case: means 2 and 1, variances 2 and 0 -> 1 / sqrt(1) = 1
    a, b = torch.tensor([[1.0], [3.0]]), torch.tensor([[1.0], [1.0]])
    assert float(shift.standardized_mean_difference(a, b)[0]) == pytest.approx(1.0)


def test_smd_of_constant_covariates_is_zero_or_infinite_never_nan():
    x = torch.tensor([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    y = torch.tensor([[1.0, 3.0], [1.0, 3.0]])
    smd = shift.standardized_mean_difference(x, y)
    assert smd.tolist() == [0.0, -math.inf]


def greedy_by_hand(distance: np.ndarray, caliper: float | None):
    """Repeatedly take the closest pair among rows and columns still free."""
    D = distance.copy()
    pairs = []
    while np.isfinite(D).any():
        i, j = np.unravel_index(np.argmin(D), D.shape)
        if caliper is not None and D[i, j] > caliper:
            break
        pairs.append((int(i), int(j)))
        D[i, :], D[:, j] = np.inf, np.inf
    return sorted(pairs)


def scaled(x: torch.Tensor, y: torch.Tensor):
    sd = np.sqrt((x.numpy().var(0, ddof=1) + y.numpy().var(0, ddof=1)) / 2)
    return x.numpy() / sd, y.numpy() / sd


@pytest.mark.parametrize("caliper", [None, 0.5])
def test_matching_without_replacement_is_greedy_closest_pair_first(caliper):
    x, y = randn(25, 3, seed=31) + 0.5, randn(60, 3, seed=32)
    matched = shift.nearest_neighbour_match(x, y, caliper=caliper)
    sx, sy = scaled(x, y)
    distance = scipy.spatial.distance.cdist(sx, sy)
    pairs = sorted(zip(matched.x_index.tolist(), matched.y_index.tolist()))
    assert pairs == greedy_by_hand(distance, caliper)
    assert len(set(matched.y_index.tolist())) == len(matched.y_index)  # each once
    if caliper is None:  # greedy cannot beat the optimal assignment
        rows, cols = scipy.optimize.linear_sum_assignment(distance)
        assert matched.distance.sum() >= distance[rows, cols].sum() - 1e-9
    else:
        assert (matched.distance <= caliper).all() and len(pairs) < 25


def test_matching_with_replacement_is_each_rows_nearest_neighbour():
    x, y = randn(40, 2, seed=33) + 1.0, randn(30, 2, seed=34)
    matched = shift.nearest_neighbour_match(x, y, replace=True)
    sx, sy = scaled(x, y)
    _, nearest = NearestNeighbors(n_neighbors=1).fit(sy).kneighbors(sx)
    order = matched.x_index.argsort()
    assert matched.x_index[order].tolist() == list(range(40))
    assert matched.y_index[order].tolist() == nearest[:, 0].tolist()
    assert len(set(matched.y_index.tolist())) < 40  # some partners reused


def test_propensity_scores_equal_sklearn():
    x, y = randn(70, 3, seed=35) + 0.4, randn(90, 3, seed=36)
    px, py = shift.propensity_scores(x, y)
    z = StandardScaler().fit_transform(np.concatenate([x.numpy(), y.numpy()]))
    labels = np.r_[np.zeros(70), np.ones(90)]
    model = LogisticRegression(
        C=1.0, tol=1e-12, max_iter=10_000, solver="newton-cholesky"
    )
    ref = model.fit(z, labels).predict_proba(z)[:, 1]
    assert torch.cat([px, py]).numpy() == pytest.approx(ref, abs=1e-8)


def confounded_cohorts(seed: int = 0):
    """Site B sees older patients: covariates (age in decades, sex)."""
    g = gen(seed)
    age_a = torch.randn(300, generator=g, dtype=torch.float64) + 5.0
    age_b = torch.randn(100, generator=g, dtype=torch.float64) * 0.8 + 6.0
    sex_a = (torch.rand(300, generator=g) < 0.5).double()
    sex_b = (torch.rand(100, generator=g) < 0.6).double()
    return torch.stack([age_b, sex_b], 1), torch.stack([age_a, sex_a], 1)


@pytest.mark.parametrize("method", ["nearest", "propensity"])
def test_matching_balances_confounded_cohorts(method):
    site_b, site_a = confounded_cohorts()
    if method == "nearest":
        matched = shift.nearest_neighbour_match(site_b, site_a, caliper=0.2)
    else:
        matched = shift.propensity_score_match(site_b, site_a)  # caliper 0.2 SD
    assert matched.smd_before[0] > 0.8  # age clearly unbalanced before
    assert (matched.smd_after.abs() < 0.1).all(), matched.smd_after  # balanced
    assert len(matched.x_index) >= 50
    recomputed = smd_by_hand(
        site_b[matched.x_index].numpy(), site_a[matched.y_index].numpy()
    )
    assert matched.smd_after.numpy() == pytest.approx(recomputed, rel=1e-12)


def test_propensity_caliper_is_in_pooled_sds_of_the_logit():
    site_b, site_a = confounded_cohorts(1)
    px, py = shift.propensity_scores(site_b, site_a)
    lx, ly = torch.logit(px), torch.logit(py)
    width = 0.3 * math.sqrt((float(lx.var()) + float(ly.var())) / 2)
    matched = shift.propensity_score_match(site_b, site_a, caliper=0.3)
    assert (matched.distance <= width + 1e-12).all()
    pairs = sorted(zip(matched.x_index.tolist(), matched.y_index.tolist()))
    distance = np.abs(lx.numpy()[:, None] - ly.numpy()[None, :])
    assert pairs == greedy_by_hand(distance, width)


# -------------------------------------------------------------------- intensity


@pytest.mark.parametrize("nonzero", [False, True])
@pytest.mark.parametrize("shape", [(3, 2, 8, 9), (2, 1, 4, 5, 6)])
def test_zscore_equals_monai_normalize_intensity(shape, nonzero):
    from monai.transforms import NormalizeIntensity

    image = (randn(*shape, seed=37) * 50 + 100).float()
    image[..., :2] = 0.0  # background
    image[0, 0] = 7.0  # a constant image: SD 0, only centred
    reference = NormalizeIntensity(nonzero=nonzero, channel_wise=True)
    expected = torch.stack([torch.as_tensor(reference(img)) for img in image])
    out = shift.zscore(image, nonzero=nonzero)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "dtype, src_shape, ref_shape",
    [
        (torch.float64, (20, 30), (25, 25)),
        (torch.float32, (8, 9, 10), (10, 12, 7)),
        (torch.uint8, (16, 16), (20, 10)),
    ],
)
def test_match_histograms_equals_skimage(dtype, src_shape, ref_shape):
    image = randn(*src_shape, seed=38) * 30 + 100
    reference = randn(*ref_shape, seed=39).exp() * 40
    image, reference = image.round().clamp(0, 255), reference.round().clamp(0, 255)
    image, reference = image.to(dtype), reference.to(dtype)  # ties in both
    expected = skimage_match_histograms(image.numpy(), reference.numpy())
    out = shift.match_histograms(image, reference)
    assert out.numpy().dtype == expected.dtype
    np.testing.assert_allclose(
        out.numpy(), expected, rtol=1e-6 if dtype == torch.float32 else 1e-12
    )


def test_match_histograms_copies_the_reference_distribution():
    image, reference = randn(1000, seed=40), randn(1000, seed=41).exp()
    out = shift.match_histograms(image, reference)
    assert out.sort().values.tolist() == pytest.approx(reference.sort().values.tolist())
    assert (out.argsort() == image.argsort()).all()  # the order of voxels is kept


# ----------------------------------------------------------------------- ComBat


def multisite(n_per_site=(25, 20, 15), p=12, seed=0):
    """ComBat's model: age and sex effects, plus each site's offset and noise gain."""
    g = gen(seed)
    batch = np.repeat(["a", "b", "c"], n_per_site).astype(object)
    n = len(batch)
    age = (torch.randn(n, generator=g) * 10 + 50).float().double()  # float32-exact
    sex = (torch.rand(n, generator=g) > 0.5).double()
    data = 0.05 * age[:, None] + sex[:, None] * torch.linspace(0, 1, p)  # (n, p)
    noise = torch.randn(n, p, generator=g, dtype=torch.float64)
    for i, site in enumerate("abc"):
        rows = torch.from_numpy(batch == site)
        gain = 1 + 0.5 * i + 0.2 * torch.rand(p, generator=g, dtype=torch.float64)
        offset = 2 * i + torch.randn(p, generator=g, dtype=torch.float64)
        data[rows] += noise[rows] * gain + offset
    return data, batch, age, sex


def neurocombat(data, batch, age=None, sex=None, **kwargs):
    covars = pd.DataFrame({"batch": batch})
    if age is not None:
        covars["age"], covars["sex"] = age.numpy(), sex.numpy().astype(int)
        kwargs.update(categorical_cols=["sex"], continuous_cols=["age"])
    with contextlib.redirect_stdout(io.StringIO()):  # neuroCombat prints progress
        out = neuroCombat(data.numpy().T.copy(), covars, "batch", **kwargs)
    return out["data"].T, out["estimates"]


@pytest.mark.parametrize("mean_only", [False, True])
@pytest.mark.parametrize("with_covariates", [False, True])
@pytest.mark.parametrize("eb", [True, False])
def test_combat_equals_neurocombat(eb, with_covariates, mean_only):
    data, batch, age, sex = multisite()
    covariates = torch.stack([sex, age], 1) if with_covariates else None
    out = shift.combat(data, batch, covariates, eb=eb, mean_only=mean_only)
    cov = (age, sex) if with_covariates else ()
    expected, _ = neurocombat(data, batch, *cov, eb=eb, mean_only=mean_only)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)


def test_combat_removes_the_site_effect_but_keeps_the_covariate_effect():
    data, batch, age, sex = multisite(n_per_site=(60, 60, 60), seed=1)
    out = shift.combat(data, batch, torch.stack([sex, age], 1))
    means = torch.stack([out[torch.from_numpy(batch == s)].mean(0) for s in "abc"])
    raw = torch.stack([data[torch.from_numpy(batch == s)].mean(0) for s in "abc"])
    assert (means.std(0) < 0.2 * raw.std(0)).all()
    slope = np.polyfit(age.numpy(), out[:, 0].numpy(), 1)[0]
    assert slope == pytest.approx(0.05, abs=0.02)  # age effect preserved


def test_transform_of_the_training_data_equals_fit_transform():
    data, batch, age, sex = multisite(seed=2)
    cov = torch.stack([sex, age], 1)
    model = shift.ComBat().fit(data, batch, cov)
    torch.testing.assert_close(
        model.transform(data, batch, cov), shift.combat(data, batch, cov)
    )
    part = torch.from_numpy(batch != "b")  # a subset, seen sites only
    torch.testing.assert_close(
        model.transform(data[part], batch[part.numpy()], cov[part]),
        shift.combat(data, batch, cov)[part],
    )


@pytest.mark.parametrize("eb", [True, False])
def test_an_unseen_site_copy_of_a_fitted_site_gets_that_sites_output(eb):
    data, batch, age, sex = multisite(seed=4)
    cov = torch.stack([sex, age], 1)
    model = shift.ComBat(eb=eb).fit(data, batch, cov)
    rows = torch.from_numpy(batch == "b")
    as_new = model.transform(data[rows], ["new"] * int(rows.sum()), cov[rows])
    torch.testing.assert_close(as_new, model.transform(data, batch, cov)[rows])


def test_an_unseen_scanner_is_harmonised_to_the_fitted_sites():
    """Site d: fresh patients of the same population through a new scanner
    (offset 8, noise gain 2.5): after transform its feature means and SDs
    match those of the harmonised training sites."""
    data, batch, age, sex = multisite(n_per_site=(60, 60, 60), seed=5)
    cov = torch.stack([sex, age], 1)
    model = shift.ComBat().fit(data, batch, cov)
    reference = model.transform(data, batch, cov)
    g = gen(6)
    new_age = (torch.randn(80, generator=g) * 10 + 50).double()
    new_sex = (torch.rand(80, generator=g) > 0.5).double()
    bio = 0.05 * new_age[:, None] + new_sex[:, None] * torch.linspace(0, 1, 12)
    new_site = bio + 2.5 * torch.randn(80, 12, generator=g, dtype=torch.float64) + 8.0
    new_cov = torch.stack([new_sex, new_age], 1)
    out = model.transform(new_site, ["d"] * 80, new_cov)
    smd = shift.standardized_mean_difference(out, reference)
    assert (smd.abs() < 0.2).all(), smd
    sd_ratio = out.std(0) / reference.std(0)
    assert ((sd_ratio > 0.8) & (sd_ratio < 1.25)).all(), sd_ratio
    raw = shift.standardized_mean_difference(new_site, reference)
    assert (raw.abs() > 1.0).all(), raw  # the control: before, far apart


def test_combat_one_scan_batch_is_a_clear_error_or_location_only():
    data, batch, _, _ = multisite(seed=7)
    batch = batch.copy()
    batch[0] = "solo"  # a batch of one scan
    with pytest.raises(ValueError, match="batch 'solo' has 1 sample"):
        shift.combat(data, batch)
    out = shift.combat(data, batch, mean_only=True)
    expected, _ = neurocombat(data, batch, mean_only=True)
    assert torch.isfinite(out).all()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-10)
    model = shift.ComBat().fit(data[1:], batch[1:])
    with pytest.raises(ValueError, match="batch 'new' has 1 sample"):
        model.transform(data[:1], ["new"])


@pytest.mark.parametrize("eb", [True, False])
def test_combat_feature_constant_within_one_batch_gets_scale_one_never_nan(eb):
    """Zero variance of feature 3 at site c: delta_hat^2 = 1 there (neuroCombat's
    convert_zeroes). Sites a and b do not depend on site c's estimates, so their
    rows equal neuroCombat's; without EB the other features of site c do too."""
    data, batch, _, _ = multisite(seed=8)
    at_c = torch.from_numpy(batch == "c")
    data[at_c, 3] = 1.5
    out = shift.combat(data, batch, eb=eb)
    expected, _ = neurocombat(data, batch, eb=eb)
    assert torch.isfinite(out).all()
    assert out[at_c, 3].std() < 1e-12  # constant in, constant out
    np.testing.assert_allclose(out[~at_c].numpy(), expected[~at_c.numpy()], rtol=1e-10)
    if not eb:  # the feature goes to the fitted mean; the others are unaffected
        model = shift.ComBat(eb=False).fit(data, batch)
        torch.testing.assert_close(out[at_c, 3], model.grand_mean_[3].expand(15))
        others = [j for j in range(12) if j != 3]
        np.testing.assert_allclose(
            out[at_c][:, others].numpy(), expected[at_c.numpy()][:, others], rtol=1e-10
        )


def test_combat_constant_feature_stays_constant_and_changes_nothing_else():
    data, batch, age, sex = multisite(seed=9)
    cov = torch.stack([sex, age], 1)
    with_constant = torch.cat([data, torch.full_like(data[:, :1], 3.0)], dim=1)
    out = shift.combat(with_constant, batch, cov)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out[:, -1], torch.full_like(out[:, -1], 3.0))
    torch.testing.assert_close(out[:, :-1], shift.combat(data, batch, cov))


def test_combat_covariate_collinear_with_site_is_an_error():
    data, batch, _, _ = multisite(seed=10)
    disease = torch.from_numpy(batch == "a").double()[:, None]  # only site a is sick
    with pytest.raises(ValueError, match="collinear with the batches"):
        shift.combat(data, batch, disease)


def test_combat_keeps_dtype_and_accepts_integer_site_labels():
    data, batch, _, _ = multisite(seed=11)
    site = torch.as_tensor([{"a": 0, "b": 1, "c": 2}[b] for b in batch])
    out = shift.combat(data.float(), site)
    assert out.dtype == torch.float32
    torch.testing.assert_close(
        out.double(), shift.combat(data, batch), rtol=1e-4, atol=1e-4
    )


# -------------------------------------------------------------------- bad input

TWO_SAMPLE = {
    "mmd2_unbiased": lambda x, y: shift.mmd2_unbiased(x, y),
    "mmd_test": lambda x, y: shift.mmd_test(x, y, 10),
    "ks_test": lambda x, y: shift.ks_test(x, y),
    "domain_classifier_test": lambda x, y: shift.domain_classifier_test(x, y),
    "standardized_mean_difference": shift.standardized_mean_difference,
    "nearest_neighbour_match": shift.nearest_neighbour_match,
    "propensity_score_match": shift.propensity_score_match,
}


@pytest.mark.parametrize("name", sorted(TWO_SAMPLE))
def test_two_sample_functions_refuse_bad_input(name):
    fn = TWO_SAMPLE[name]
    x = randn(6, 3)
    with pytest.raises(ValueError, match=r"same feature shape.*\(6, 3\).*\(6, 4\)"):
        fn(x, randn(6, 4))
    with pytest.raises(ValueError, match="y needs at least 2 samples"):
        fn(x, randn(1, 3))
    bad = x.clone()
    bad[2, 1] = float("nan")
    with pytest.raises(ValueError, match="x contains NaN"):
        fn(bad, x)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        fn(x.numpy(), x)
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        fn(x[:, 0], x[:, 0])


def test_bad_arguments_name_themselves():
    x, y = randn(6, 2), randn(6, 2, seed=1)
    with pytest.raises(ValueError, match="n_permutations"):
        shift.mmd_test(x, y, 0)
    with pytest.raises(ValueError, match="sigma"):
        shift.mmd2_unbiased(x, y, sigma=-1.0)
    with pytest.raises(ValueError, match="sigma = 0"):
        shift.mmd2_unbiased(torch.zeros(4, 2), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="correction"):
        shift.ks_test(x, y, correction="holm")
    with pytest.raises(ValueError, match="test_fraction"):
        shift.domain_classifier_test(x, y, test_fraction=1.0)
    with pytest.raises(ValueError, match="caliper"):
        shift.nearest_neighbour_match(x, y, caliper=-0.1)
    with pytest.raises(ValueError, match="p_values must lie in"):
        shift.benjamini_hochberg(torch.tensor([0.1, float("nan")]))
    with pytest.raises(ValueError, match="batch must hold one label per sample"):
        shift.combat(x, ["a", "b"])
    with pytest.raises(ValueError, match="data contains NaN"):
        shift.combat(torch.full((4, 2), float("nan")), ["a", "a", "b", "b"])
    model = shift.ComBat().fit(randn(8, 3), ["a"] * 4 + ["b"] * 4)
    with pytest.raises(ValueError, match="fitted with 3 features, got 2"):
        model.transform(x, ["a"] * 6)
    with pytest.raises(ValueError, match="covariates: fitted with 0 columns"):
        model.transform(randn(6, 3), ["a"] * 6, randn(6, 1))
    with pytest.raises(RuntimeError, match="call fit first"):
        shift.ComBat().transform(x, ["a"] * 6)


# ------------------------------------------------------------------------- CUDA

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@cuda
@pytest.mark.cuda
def test_cuda_results_equal_cpu():
    x, y = randn(40, 5, seed=42), randn(30, 5, seed=43) + 0.3
    xc, yc = x.to("cuda"), y.to("cuda")
    cpu, gpu = shift.mmd_test(x, y, 200, gen(0)), shift.mmd_test(xc, yc, 200, gen(0))
    assert float(gpu.p_value) == float(cpu.p_value)
    assert float(gpu.statistic) == pytest.approx(float(cpu.statistic), abs=1e-12)
    torch.testing.assert_close(
        shift.ks_test(xc, yc).p_value.cpu(), shift.ks_test(x, y).p_value
    )
    data, batch, _, _ = multisite()
    torch.testing.assert_close(
        shift.combat(data.to("cuda"), batch).cpu(), shift.combat(data, batch)
    )
