"""Tests of medlearn.fairness against fairlearn 0.15, aif360 0.6.1 and closed forms."""

from __future__ import annotations

import inspect
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from fairlearn import metrics as flm
from fairlearn.postprocessing import ThresholdOptimizer
from fairlearn.postprocessing._tradeoff_curve_utilities import _tradeoff_curve
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import precision_score, roc_auc_score

from medlearn import fairness as fair
from medlearn.fairness import signed
from medlearn.metrics import dice, roc_auc, sensitivity

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

DIFFS = {  # ours -> fairlearn's, for functions of (y_true, y_pred, groups)
    "equalized_odds_difference": flm.equalized_odds_difference,
    "equalized_odds_ratio": flm.equalized_odds_ratio,
    "equal_opportunity_difference": flm.equal_opportunity_difference,
    "equal_opportunity_ratio": flm.equal_opportunity_ratio,
}
PARITY = {
    "demographic_parity_difference": flm.demographic_parity_difference,
    "demographic_parity_ratio": flm.demographic_parity_ratio,
}


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def cohort(seed: int, n: int = 600, n_groups: int = 3):
    """Labels, predictions, groups and scores; base and error rates differ by group."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_groups, n)
    y = (rng.random(n) < 0.2 + 0.5 * a / n_groups).astype(np.int64)
    score = np.clip(0.35 * y + 0.15 * a / n_groups + 0.6 * rng.random(n), 0, 1)
    return y, (score > 0.5).astype(np.int64), a, score


# ------------------------------------------------------ groups, inputs


def test_encode_groups_one_column_of_any_type():
    for ids in (torch.tensor([3, 1, 3, 2]), np.array([3, 1, 3, 2]), [3, 1, 3, 2]):
        g = fair.encode_groups(ids)
        assert g.labels == (1, 2, 3) and g.codes.tolist() == [2, 0, 2, 1]
        assert g.sizes.tolist() == [1, 1, 2] and len(g) == 3
    g = fair.encode_groups(np.array(["site B", "site A", "site B"]))
    assert g.labels == ("site A", "site B") and g.codes.tolist() == [1, 0, 1]


def test_intersectional_subgroups_match_fairlearn_by_group():
    rng = np.random.default_rng(0)
    n = 300
    sex = rng.choice(["F", "M"], n)
    age = rng.choice(["<40", "40-65", ">65"], n)
    site = rng.integers(0, 2, n)
    y, p = rng.integers(0, 2, n), rng.integers(0, 2, n)
    sf = pd.DataFrame({"sex": sex, "age": age, "site": site})
    ref = flm.MetricFrame(
        metrics=flm.selection_rate, y_true=y, y_pred=p, sensitive_features=sf
    ).by_group.dropna()  # fairlearn lists empty combinations as NaN
    for groups in ({"sex": sex, "age": age, "site": site}, [sex, age, site]):
        r = fair.group_rates(y, p, groups)
        assert r.labels == tuple(ref.index)  # same subgroups, same (sorted) order
        np.testing.assert_allclose(r.selection_rate.numpy(), ref.to_numpy(), atol=1e-15)
    two_d = torch.stack([torch.from_numpy(site), torch.from_numpy(y)], 1)  # (N, 2)
    assert len(fair.encode_groups(two_d)) == 4


def test_levels_order_and_empty_level_is_an_error():
    g = fair.encode_groups(["b", "a", "b"], levels=["b", "a"])
    assert g.labels == ("b", "a") and g.codes.tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match=r"\['c'\] have no samples \(size 0\)"):
        fair.encode_groups(["b", "a", "b"], levels=["a", "b", "c"])
    with pytest.raises(ValueError, match="not among the levels"):
        fair.encode_groups(["b", "a", "z"], levels=["a", "b"])
    with pytest.raises(ValueError, match="size 0"):
        fair.Groups(torch.tensor([0, 0, 2]), (0, 1, 2))


BAD_INPUTS = [
    (
        lambda: fair.group_rates([0, 2, 1], [0, 1, 1], [0, 0, 1]),
        ValueError,
        r"y_true: expected labels in \{0, 1\}, got values \[0, 1, 2\]",
    ),
    (
        lambda: fair.demographic_parity_difference([0.2, 0.9], [0, 1]),
        ValueError,
        "y_pred: expected labels in .*threshold probabilities",
    ),
    (
        lambda: fair.equalized_odds_difference([0, 1], [0, float("nan")], [0, 1]),
        ValueError,
        "y_pred: expected labels",
    ),
    (
        lambda: fair.equalized_odds_difference([0, 1, 1], [0, 1], [0, 1, 1]),
        ValueError,
        r"lengths differ: \{'y_true': 3, 'y_pred': 2",
    ),
    (
        lambda: fair.demographic_parity_difference([0, 1, 1], [0, 1]),
        ValueError,
        "lengths differ",
    ),
    (
        lambda: fair.demographic_parity_difference([], []),
        ValueError,
        "y_pred: is empty",
    ),
    (
        lambda: fair.demographic_parity_difference(torch.zeros(2, 2), [0, 1]),
        ValueError,
        r"expected a 1-D \(N,\) column, got shape \(2, 2\)",
    ),
    (
        lambda: fair.demographic_parity_difference("0101", [0, 1]),
        TypeError,
        "y_pred: expected a tensor, array or list, got str",
    ),
    (
        lambda: fair.demographic_parity_difference([0, 1], {1, 2}),
        TypeError,
        "groups: expected",
    ),
    (
        lambda: fair.demographic_parity_difference([0, 1], [0.0, float("nan")]),
        ValueError,
        "contains NaN",
    ),
    (
        lambda: fair.demographic_parity_difference([0, 1], [0, 1], method="pairwise"),
        ValueError,
        r"method: expected one of \('between_groups', 'to_overall'\), got 'pairwise'",
    ),
    (
        lambda: fair.equalized_odds_difference([0, 1], [0, 1], [0, 1], agg="max"),
        ValueError,
        "agg: expected one of",
    ),
    (
        lambda: fair.fit_group_thresholds([0.2, 1.3], [0, 1], [0, 0]),
        ValueError,
        r"probs: expected probabilities in \[0, 1\] \(apply torch.sigmoid to logits "
        r"first\), got values such as \[1.3",
    ),
    (
        lambda: fair.fit_group_thresholds([0.2, -0.1], [0, 1], [0, 0]),
        ValueError,
        "probs: expected probabilities",
    ),
    (
        lambda: fair.fit_group_thresholds([0.2, 0.7, 0.3], [0, 1, 0], [0, 0, 1]),
        ValueError,
        "group 1: y_true: both classes are needed",
    ),
    (
        lambda: fair.fit_group_thresholds(
            [0.2, 0.7], [0, 1], [0, 0], constraint="parity"
        ),
        ValueError,
        "constraint: expected one of",
    ),
    (
        lambda: fair.fit_group_thresholds([0.2, 0.7], [0, 1], [0, 0], grid_size=0),
        ValueError,
        "grid_size: expected a positive int",
    ),
    (
        lambda: fair.bootstrap_fairness([0, 1], [0, 1], [0, 0], n_boot=0),
        ValueError,
        "n_boot: expected a positive int, got 0",
    ),
    (
        lambda: fair.bootstrap_fairness([0, 1], [0, 1], [0, 0], confidence=95),
        ValueError,
        r"confidence: expected a level in \(0, 1\)",
    ),
    (
        lambda: fair.bootstrap_counts([0, 1], [0, 1], [0, 0], impl="loop"),
        ValueError,
        "impl: expected one of",
    ),
    (
        lambda: fair.permutation_test([0, 1], [0, 1], [0, 1], statistic="auc"),
        ValueError,
        "statistic: expected one of",
    ),
    (
        lambda: fair.permutation_test(
            [1, 1], [0, 1], [0, 1], "equalized_odds_difference"
        ),
        ValueError,
        r"undefined on the data \(NaN\)",
    ),
    (
        lambda: signed.statistical_parity_difference([0, 1], ["a", "b"], "c"),
        ValueError,
        r"privileged: expected group labels among \['a', 'b'\]",
    ),
    (
        lambda: signed.statistical_parity_difference([0, 1], ["a", "b"], "a", "a"),
        ValueError,
        "expected two disjoint, non-empty sets",
    ),
    (
        lambda: fair.metric_by_group(
            roc_auc,
            torch.rand(4),
            torch.tensor([0, 0, 1, 1]),
            groups=torch.tensor([0, 0, 0, 1]),
        ),
        ValueError,
        "metric failed in group 1: labels: both classes",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gives_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_predict_rejects_unknown_group_and_bad_probabilities():
    y, _, a, s = cohort(0)
    fit = fair.fit_group_thresholds(s, y, a)
    with pytest.raises(ValueError, match=r"value\(s\) \[7\] are not among the levels"):
        fit.predict_proba([0.5, 0.5], [0, 7])
    with pytest.raises(ValueError, match="probs: expected probabilities"):
        fit.predict([0.5, 2.0], [0, 1])


# ------------------------------------------------------ group metrics


@pytest.mark.parametrize("seed, n_groups", [(0, 2), (1, 3), (2, 5)])
def test_group_rates_match_fairlearn_metricframe(seed, n_groups):
    y, p, a, _ = cohort(seed, 500, n_groups)
    ref = flm.MetricFrame(
        metrics={
            "selection_rate": flm.selection_rate,
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
            "ppv": precision_score,
            "count": flm.count,
        },
        y_true=y,
        y_pred=p,
        sensitive_features=a,
    ).by_group
    r = fair.group_rates(torch.from_numpy(y), torch.from_numpy(p), torch.from_numpy(a))
    assert r.labels == tuple(ref.index)
    for name in ("selection_rate", "tpr", "fpr", "ppv"):
        np.testing.assert_allclose(getattr(r, name).numpy(), ref[name], atol=1e-15)
    np.testing.assert_array_equal(r.count.numpy(), ref["count"])
    np.testing.assert_allclose(r.base_rate.numpy(), pd.Series(y).groupby(a).mean())


def test_group_rates_by_hand():
    # group a: y (1, 1, 0, 0), ŷ (1, 0, 1, 1); group b: y (1, 0), ŷ (1, 0)
    y, p, g = [1, 1, 0, 0, 1, 0], [1, 0, 1, 1, 1, 0], list("aaaabb")
    r = fair.group_rates(y, p, g)
    assert r.counts.tolist() == [[0, 2, 1, 1], [1, 0, 0, 1]]  # (tn, fp, fn, tp)
    assert r.selection_rate.tolist() == [0.75, 0.5]
    assert r.tpr.tolist() == [0.5, 1.0] and r.fpr.tolist() == [1.0, 0.0]
    assert r.ppv.tolist() == [1 / 3, 1.0] and r.base_rate.tolist() == [0.5, 0.5]


def test_metric_by_group_takes_medlearn_metrics():
    y, p, a, s = cohort(3, 400)
    auc = fair.metric_by_group(
        roc_auc, torch.from_numpy(s), torch.from_numpy(y), groups=a
    )
    ref = flm.MetricFrame(
        metrics=roc_auc_score, y_true=y, y_pred=s, sensitive_features=a
    ).by_group
    np.testing.assert_allclose(auc.numpy(), ref.to_numpy(), atol=1e-12)
    tpr = fair.metric_by_group(
        sensitivity, torch.from_numpy(p), torch.from_numpy(y), groups=a
    )
    np.testing.assert_allclose(tpr.numpy(), fair.group_rates(y, p, a).tpr.numpy())
    masks = torch.rand(6, 8, 8, generator=gen(0)) > 0.5  # (N, H, W) predicted masks
    truth = torch.rand(6, 8, 8, generator=gen(1)) > 0.5
    d = fair.metric_by_group(dice, masks, truth, groups=[0, 1, 0, 1, 1, 0])
    assert d[0] == pytest.approx(
        dice(masks[[0, 2, 5]], truth[[0, 2, 5]])
    )  # pooled voxels


# ------------------------------------------------------ disparities vs fairlearn


def test_fairlearn_015_agg_semantics_from_its_source():
    """What we match: fairlearn 0.15 has ``agg``; "mean" is the mean of the two gaps."""
    sig = inspect.signature(flm.equalized_odds_difference).parameters
    assert (
        sig["agg"].default == "worst_case" and sig["method"].default == "between_groups"
    )
    y, p, a, _ = cohort(4)
    for method in ("between_groups", "to_overall"):
        kw = {"sensitive_features": a, "method": method}
        tpr_gap = flm.true_positive_rate_difference(y, p, **kw)
        fpr_gap = flm.false_positive_rate_difference(y, p, **kw)
        assert flm.equalized_odds_difference(y, p, **kw) == max(tpr_gap, fpr_gap)
        mean = flm.equalized_odds_difference(y, p, agg="mean", **kw)
        assert mean == pytest.approx((tpr_gap + fpr_gap) / 2, abs=1e-15)


@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
@pytest.mark.parametrize("agg", ["worst_case", "mean"])
@pytest.mark.parametrize("seed, n_groups", [(0, 2), (1, 3), (2, 4), (3, 6)])
def test_disparities_equal_fairlearn(method, agg, seed, n_groups):
    y, p, a, _ = cohort(seed, 400, n_groups)
    kw = {"sensitive_features": a, "method": method}
    for name, ref in DIFFS.items():
        extra = {"agg": agg} if "odds" in name else {}
        ours = getattr(fair, name)(
            torch.from_numpy(y), torch.from_numpy(p), a, method, **extra
        )
        assert isinstance(ours, float)
        assert ours == pytest.approx(ref(y, p, **kw, **extra), abs=1e-12), name
    for name, ref in PARITY.items():
        ours = getattr(fair, name)(list(p), torch.from_numpy(a), method)
        assert ours == pytest.approx(ref(y, p, **kw), abs=1e-12), name


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.booleans(), st.sampled_from("abc")),
        min_size=8,
        max_size=40,
    ),
    st.sampled_from(["between_groups", "to_overall"]),
    st.sampled_from(["worst_case", "mean"]),
)
def test_disparities_equal_fairlearn_on_any_data(rows, method, agg):
    """Wherever every rate is defined, all six equal fairlearn's (NaN included)."""
    y, p, g = (np.array(c) for c in zip(*rows))
    y, p = y.astype(int), p.astype(int)
    rates = fair.rates_from_counts(fair.confusion_by_group(y, p, g)[0])
    defined = not (torch.isnan(rates["tpr"]).any() or torch.isnan(rates["fpr"]).any())
    kw = {"sensitive_features": g, "method": method}
    pairs = [
        (getattr(fair, name)(p, g, method), ref(y, p, **kw))
        for name, ref in PARITY.items()
    ]
    if defined:
        for name, ref in DIFFS.items():
            extra = {"agg": agg} if "odds" in name else {}
            pairs.append(
                (
                    getattr(fair, name)(y, p, g, method, **extra),
                    ref(y, p, **kw, **extra),
                )
            )
    for ours, theirs in pairs:
        if math.isnan(ours):  # a ratio 0 / 0 (no group selects anyone, say)
            continue
        assert ours == pytest.approx(theirs, abs=1e-12)


def test_ratio_of_zero_rates_is_nan_where_fairlearn_picks_by_order():
    """No false positive anywhere: the FPR ratio is 0 / 0."""
    y, p, g = [1, 1, 0, 0, 1, 1, 0, 0], [1, 0, 0, 0, 1, 1, 0, 0], [0] * 4 + [1] * 4
    assert math.isnan(fair.equalized_odds_ratio(y, p, g))
    # fairlearn's built-in min([tpr_ratio, nan]) returns the TPR ratio
    assert flm.equalized_odds_ratio(y, p, sensitive_features=g) == 0.5


def test_differences_by_hand():
    # selection rates 0.5 (a), 0.25 (b), 1.0 (c); overall 0.5
    p, g = [1, 0, 1, 0, 0, 0, 1, 1], list("aabbbbcc")
    assert fair.demographic_parity_difference(p, g) == 0.75
    assert fair.demographic_parity_difference(p, g, "to_overall") == 0.5
    assert fair.demographic_parity_ratio(p, g) == 0.25
    assert fair.demographic_parity_ratio(p, g, "to_overall") == 0.5
    # TPR gap 0.5, FPR gap 0.0 -> worst case 0.5, mean 0.25
    y, p, g = [1, 1, 0, 1, 1, 0], [1, 1, 0, 1, 0, 0], list("aaabbb")
    assert fair.equalized_odds_difference(y, p, g) == 0.5
    assert fair.equalized_odds_difference(y, p, g, agg="mean") == 0.25
    assert fair.equal_opportunity_difference(y, p, g) == 0.5


def test_group_without_positives_is_nan_with_warning_where_fairlearn_says_0():
    y, p, a, _ = cohort(5, 300)
    y[a == 2] = 0  # group 2 has no positives: its TPR is 0 / 0
    with pytest.warns(
        fair.UndefinedRateWarning,
        match=r"tpr is undefined .* group\(s\) \[2\]: no positives",
    ):
        ours = fair.equalized_odds_difference(y, p, a)
    assert math.isnan(ours)
    with pytest.warns(fair.UndefinedRateWarning):
        assert math.isnan(fair.equal_opportunity_difference(y, p, a))
    with pytest.warns(fair.UndefinedRateWarning):
        assert math.isnan(fair.group_rates(y, p, a).tpr[2])
    # fairlearn 0.15: the same TPR is silently 0, and the gap is computed with it
    by_group = flm.MetricFrame(
        metrics=flm.true_positive_rate, y_true=y, y_pred=p, sensitive_features=a
    ).by_group
    assert by_group[2] == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fair.UndefinedRateWarning)
        r = fair.group_rates(y, p, a)
    tpr_as_0 = torch.nan_to_num(r.tpr, nan=0.0)
    silent = max(
        float(tpr_as_0.max() - tpr_as_0.min()), float(r.fpr.max() - r.fpr.min())
    )
    assert flm.equalized_odds_difference(y, p, sensitive_features=a) == pytest.approx(
        silent
    )
    assert silent > 0.3  # not a small matter: the made-up 0 is the largest gap


def test_group_without_negatives_makes_fpr_nan():
    y, p, a, _ = cohort(6, 300)
    y[a == 0] = 1
    with pytest.warns(
        fair.UndefinedRateWarning, match=r"fpr is undefined .* no negatives"
    ):
        assert math.isnan(fair.equalized_odds_difference(y, p, a))
    assert flm.false_positive_rate(y[a == 0], p[a == 0]) == 0.0  # fairlearn: silent 0


# ------------------------------------------------------ signed forms vs aif360


def _aif360(y, p, a, privileged, unprivileged):
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric

    df = pd.DataFrame({"a": a.astype(float), "y": y.astype(float)})
    truth = BinaryLabelDataset(
        df=df, label_names=["y"], protected_attribute_names=["a"]
    )
    pred = truth.copy()
    pred.labels = p.astype(float).reshape(-1, 1)
    return ClassificationMetric(
        truth,
        pred,
        unprivileged_groups=[{"a": u} for u in unprivileged],
        privileged_groups=[{"a": v} for v in privileged],
    )


@pytest.mark.parametrize(
    "seed, n_groups, privileged, unprivileged",
    [
        (0, 2, 1, None),
        (1, 2, 0, None),
        (2, 3, 2, None),
        (3, 4, [0, 3], None),
        (4, 4, 1, [0, 2]),
    ],
)
def test_signed_forms_equal_aif360(seed, n_groups, privileged, unprivileged):
    y, p, a, _ = cohort(seed, 500, n_groups)
    priv = privileged if isinstance(privileged, list) else [privileged]
    unpriv = unprivileged or [k for k in range(n_groups) if k not in priv]
    ref = _aif360(y, p, a, priv, unpriv)
    args = (privileged, unprivileged)
    assert signed.statistical_parity_difference(p, a, *args) == pytest.approx(
        ref.statistical_parity_difference(), abs=1e-12
    )
    assert signed.disparate_impact(p, a, *args) == pytest.approx(
        ref.disparate_impact(), abs=1e-12
    )
    assert signed.equal_opportunity_difference(y, p, a, *args) == pytest.approx(
        ref.equal_opportunity_difference(), abs=1e-12
    )
    assert signed.average_odds_difference(y, p, a, *args) == pytest.approx(
        ref.average_odds_difference(), abs=1e-12
    )


def test_signed_form_is_the_absolute_gap_with_a_sign():
    y, p, a, _ = cohort(7, 500, 2)
    spd = signed.statistical_parity_difference(p, a, privileged=1)
    assert signed.statistical_parity_difference(p, a, privileged=0) == pytest.approx(
        -spd
    )
    assert abs(spd) == pytest.approx(fair.demographic_parity_difference(p, a))
    eod = signed.equal_opportunity_difference(y, p, a, privileged=1)
    assert abs(eod) == pytest.approx(fair.equal_opportunity_difference(y, p, a))
    assert spd < 0  # group 0 (lower base rate and scores) is selected less often


def test_signed_forms_take_subgroup_tuples():
    sex, site = ["F", "F", "M", "M", "M", "F"], [0, 1, 0, 1, 0, 1]
    p = [1, 0, 1, 1, 1, 0]
    d = signed.statistical_parity_difference(p, {"sex": sex, "site": site}, ("M", 0))
    assert d == pytest.approx(2 / 4 - 1.0)  # ("M", 0) selects 2/2; the rest 2/4


# ------------------------------------------------------ bootstrap


def test_stratified_indices_keep_every_group_and_are_seeded():
    a = torch.tensor([0] * 50 + [1] * 3 + [2] * 7)
    idx = fair.stratified_bootstrap_indices(a, 200, gen(0))  # (B, N)
    assert idx.shape == (200, 60) and bool((a[idx] == a).all())
    assert torch.equal(idx, fair.stratified_bootstrap_indices(a, 200, gen(0)))
    assert not torch.equal(idx, fair.stratified_bootstrap_indices(a, 200, gen(1)))
    # within a group the draws are uniform over its members
    hits = torch.bincount(idx[:, 50:53].flatten(), minlength=60)[50:53]
    assert hits.min() > 150 and hits.max() < 250  # expected 200 each


@pytest.mark.parametrize("impl", ["multinomial", "resample"])
def test_bootstrap_counts_have_multinomial_moments(impl):
    """Both implementations draw a group's counts from Multinomial(n_a, p_a)."""
    y, p, a, _ = cohort(8, 300, 3)
    counts, g = fair.confusion_by_group(y, p, a)  # (G, 4)
    B = 4000
    reps = fair.bootstrap_counts(y, p, a, B, gen(1), impl=impl).double()  # (B, G, 4)
    assert bool((reps.sum(-1) == counts.sum(-1)).all())  # every group keeps its size
    n = counts.sum(-1, keepdim=True).double()
    prob = counts / n
    mean, var = n * prob, n * prob * (1 - prob)
    z = (reps.mean(0) - mean) / (var / B).sqrt().clamp(min=1e-9)
    assert z.abs().max() < 4.5
    assert torch.allclose(reps.var(0), var, rtol=0.15, atol=0.05)
    cov = ((reps[..., 1] - mean[:, 1]) * (reps[..., 3] - mean[:, 3])).mean(0)
    assert torch.allclose(cov, -n[:, 0] * prob[:, 1] * prob[:, 3], rtol=0.2, atol=0.1)


def test_bootstrap_estimates_equal_the_point_functions():
    y, p, a, _ = cohort(9, 500, 3)
    res = fair.bootstrap_fairness(y, p, a, 300, generator=gen(0))
    rates = fair.group_rates(y, p, a)
    for name in ("selection_rate", "tpr", "fpr", "ppv", "base_rate"):
        assert torch.equal(res.rates[name].estimate, getattr(rates, name))
        iv = res.rates[name]
        assert bool((iv.lower <= iv.estimate).all() and (iv.estimate <= iv.upper).all())
    assert float(
        res.disparities["equalized_odds_difference"].estimate
    ) == pytest.approx(fair.equalized_odds_difference(y, p, a))
    again = fair.bootstrap_fairness(y, p, a, 300, generator=gen(0))
    assert torch.equal(again.counts, res.counts)


def test_bootstrap_interval_matches_the_binomial_width():
    n, q = 2000, 0.3
    y = torch.arange(n) % 2
    p = (torch.arange(n) % 10 < 3).long()  # selection rate exactly 0.3
    for impl in ("multinomial", "resample"):
        iv = fair.bootstrap_fairness(
            y, p, torch.zeros(n), 4000, generator=gen(2), impl=impl
        )
        width = float(
            iv.rates["selection_rate"].upper - iv.rates["selection_rate"].lower
        )
        assert width == pytest.approx(2 * 1.96 * math.sqrt(q * (1 - q) / n), rel=0.08)


def test_bootstrap_intervals_cover_the_population_rate():
    """The 90 % interval of a TPR covers the true value in about 90 % of cohorts."""
    rng, covered, trials = np.random.default_rng(0), 0, 200
    for t in range(trials):
        y = (rng.random(400) < 0.4).astype(int)
        p = np.where(y == 1, rng.random(400) < 0.7, rng.random(400) < 0.2).astype(int)
        res = fair.bootstrap_fairness(y, p, np.zeros(400), 400, 0.9, generator=gen(t))
        iv = res.rates["tpr"]
        covered += float(iv.lower) <= 0.7 <= float(iv.upper)
    assert 0.83 <= covered / trials <= 0.96


def test_stratified_bootstrap_keeps_a_small_group_fairlearn_does_not():
    """fairlearn resamples all rows: a group of 5 appears 0 to 12 times a replicate."""
    rng = np.random.default_rng(1)
    a = np.array([0] * 995 + [1] * 5)
    y, p = rng.integers(0, 2, 1000), rng.integers(0, 2, 1000)
    ref = flm.MetricFrame(
        metrics=flm.count,
        y_true=y,
        y_pred=p,
        sensitive_features=a,
        n_boot=100,
        ci_quantiles=[0.025, 0.5, 0.975],
        random_state=0,
    )
    low, _, high = (ci[1] for ci in ref.by_group_ci)  # size of the small group
    assert low <= 3 and high >= 8  # the group's size varies across replicates
    ours = fair.bootstrap_counts(y, p, a, 400, gen(0), impl="resample").sum(-1)
    assert bool((ours[:, 1] == 5).all()) and bool((ours[:, 0] == 995).all())


def test_undefined_rate_in_some_replicates_warns_and_is_skipped():
    y = np.array([0] * 200 + [1, 0, 0, 0])
    p = np.array([0] * 200 + [1, 0, 1, 0])
    a = np.array([0] * 200 + [1] * 4)  # group 1: one positive in four
    y[:100], p[50:150] = 1, 1  # group 0 has all four cells
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fair.bootstrap_fairness(y, p, a, 500, generator=gen(3))
    said = [str(w.message) for w in caught if w.category is fair.UndefinedRateWarning]
    assert any(re.match(r"tpr of group 1 is undefined in \d+ of 500", m) for m in said)
    k = int(res.undefined["tpr"][1])
    assert 0.2 * 500 < k < 0.4 * 500  # P(no positive in 4 draws) = (3/4)^4 = 0.32
    assert res.rates["tpr"].lower[1] == 1.0  # the defined replicates all have TPR 1


def test_bootstrap_metric_by_group_with_roc_auc():
    y, _, a, s = cohort(10, 400)
    s_t, y_t = torch.from_numpy(s), torch.from_numpy(y)
    iv = fair.bootstrap_metric_by_group(
        roc_auc, s_t, y_t, groups=a, n_boot=60, generator=gen(0)
    )
    assert torch.equal(iv.estimate, fair.metric_by_group(roc_auc, s_t, y_t, groups=a))
    assert bool((iv.lower < iv.estimate).all() and (iv.estimate < iv.upper).all())
    again = fair.bootstrap_metric_by_group(
        roc_auc, s_t, y_t, groups=a, n_boot=60, generator=gen(0)
    )
    assert torch.equal(again.lower, iv.lower)


# ------------------------------------------------------ permutation test


def test_permutations_stay_within_strata():
    strata = torch.tensor([0, 1, 1, 0, 2, 1, 0])
    perm = fair.permutations_within(strata, 50, gen(0))
    assert bool((strata[perm] == strata).all())
    assert torch.equal(perm.sort(1).values, torch.arange(7).expand(50, 7))
    assert len({tuple(r) for r in perm.tolist()}) > 10  # really random


def test_permutation_test_detects_a_real_gap():
    y, p, a, _ = cohort(11, 600, 2)
    res = fair.permutation_test(
        y, p, a, "demographic_parity_difference", 199, generator=gen(0)
    )
    assert res.p_value == 1 / 200 and res.null.shape == (199,)
    assert res.statistic == pytest.approx(fair.demographic_parity_difference(p, a))


def test_permutation_p_values_are_uniform_under_the_null():
    rng, small = np.random.default_rng(2), 0
    for t in range(100):
        y = (rng.random(200) < 0.4).astype(int)
        p = (rng.random(200) < 0.3).astype(int)
        res = fair.permutation_test(
            y,
            p,
            rng.integers(0, 3, 200),
            "demographic_parity_difference",
            99,
            generator=gen(t),
        )
        small += res.p_value <= 0.05
    assert small <= 12  # about 5 expected


def test_equalized_odds_permutation_conditions_on_the_truth():
    """Base rates differ, error rates do not: parity fails, equalized odds holds."""
    rng = np.random.default_rng(3)
    n = 800
    a = rng.integers(0, 2, n)
    y = (rng.random(n) < np.where(a == 1, 0.6, 0.2)).astype(int)
    p = np.where(y == 1, rng.random(n) < 0.8, rng.random(n) < 0.1).astype(
        int
    )  # ŷ ⟂ A | Y
    dp = fair.permutation_test(
        y, p, a, "demographic_parity_difference", 199, generator=gen(0)
    )
    eo = fair.permutation_test(
        y, p, a, "equalized_odds_difference", 199, generator=gen(0)
    )
    assert dp.p_value <= 0.01 and eo.p_value > 0.05
    ratio = fair.permutation_test(
        y, p, a, "equalized_odds_ratio", 199, generator=gen(0)
    )
    assert ratio.p_value > 0.05


# ------------------------------------------------------ thresholds vs fairlearn


class _Scores(ClassifierMixin, BaseEstimator):
    """A fitted "model" predicting the score column: fairlearn sees our scores."""

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict(self, X):
        return np.asarray(X)[:, 0]


FAIRLEARN_CONSTRAINT = {
    "equalized_odds": "equalized_odds",
    "equal_opportunity": "true_positive_rate_parity",
    "demographic_parity": "demographic_parity",
}


def _fairlearn_thresholds(s, y, a, constraint, objective, grid_size, flip):
    to = ThresholdOptimizer(
        estimator=_Scores().fit(None, None),
        constraints=FAIRLEARN_CONSTRAINT[constraint],
        objective=objective + "_score",
        grid_size=grid_size,
        flip=flip,
        prefit=True,
        predict_method="predict",
    )
    return to.fit(s[:, None], y, sensitive_features=a)


@pytest.mark.parametrize("constraint", list(fair.CONSTRAINTS))
@pytest.mark.parametrize("objective", ["accuracy", "balanced_accuracy"])
@pytest.mark.parametrize(
    "flip, ties, n_groups, grid_size",
    [
        (False, False, 3, 1000),
        (True, False, 2, 1000),
        (False, True, 4, 1000),
        (True, True, 3, 37),
    ],
)
def test_thresholds_equal_fairlearn_threshold_optimizer(
    constraint, objective, flip, ties, n_groups, grid_size
):
    y, _, a, s = cohort(12 + n_groups, 500, n_groups)
    if ties:
        s = np.round(s, 1)  # many equal scores
    ref = _fairlearn_thresholds(s, y, a, constraint, objective, grid_size, flip)
    ours = fair.fit_group_thresholds(
        torch.from_numpy(s), y, a, constraint, objective, grid_size, flip=flip
    )
    s_new = np.random.default_rng(0).random(300)
    a_new = np.random.default_rng(1).integers(0, n_groups, 300)
    for scores, groups in ((s, a), (s_new, a_new)):
        want = ref._pmf_predict(scores[:, None], sensitive_features=groups)[:, 1]
        got = ours.predict_proba(torch.from_numpy(scores), torch.from_numpy(groups))
        np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    if constraint == "equalized_odds":
        assert ours.rate == ref._x_best and ours.constant == ref._x_best


def test_thresholds_with_string_groups_equal_fairlearn():
    y, _, a, s = cohort(20, 400, 3)
    names = np.array(["site A", "site B", "site C"])[a]
    ref = _fairlearn_thresholds(s, y, names, "equalized_odds", "accuracy", 1000, False)
    ours = fair.fit_group_thresholds(s, y, names)
    want = ref._pmf_predict(s[:, None], sensitive_features=names)[:, 1]
    np.testing.assert_allclose(ours.predict_proba(s, names).numpy(), want, atol=1e-12)


def test_thresholds_for_intersectional_subgroups_equal_fairlearn():
    y, _, a, s = cohort(25, 800, 2)
    site = np.random.default_rng(5).integers(0, 2, 800)
    sf = pd.DataFrame({"sex": np.array(["F", "M"])[a], "site": site})
    ref = _fairlearn_thresholds(s, y, sf, "equalized_odds", "accuracy", 1000, False)
    ours = fair.fit_group_thresholds(s, y, {"sex": sf["sex"].to_numpy(), "site": site})
    assert ours.labels == (("F", 0), ("F", 1), ("M", 0), ("M", 1))
    want = ref._pmf_predict(s[:, None], sensitive_features=sf)[:, 1]
    got = ours.predict_proba(s, {"sex": sf["sex"].to_numpy(), "site": site})
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)


@pytest.mark.parametrize("flip", [False, True])
def test_tradeoff_points_and_hull_equal_fairlearn(flip):
    y, _, _, s = cohort(21, 200, 2)
    s = np.round(s, 2)
    ref = _tradeoff_curve(pd.DataFrame({"score": s, "label": y}), "g", flip=flip)
    pts = fair.tradeoff_points(s, y, flip=flip)
    hull = fair.upper_hull(pts.x, pts.y)
    np.testing.assert_array_equal(pts.x[hull].numpy(), ref["x"].to_numpy())
    np.testing.assert_array_equal(pts.y[hull].numpy(), ref["y"].to_numpy())
    ops = ref["operation"]
    np.testing.assert_array_equal(
        pts.threshold[hull].numpy(), [o.threshold for o in ops]
    )
    assert pts.greater[hull].tolist() == [o.operator == ">" for o in ops]


def test_upper_hull_by_hand():
    x = torch.tensor([0.0, 0.0, 0.25, 0.5, 0.5, 0.75, 1.0])
    y = torch.tensor([0.0, 0.5, 0.5, 0.8, 0.8, 0.5, 1.0])
    # (0.25, 0.5) is below the segment (0, .5)-(.5, .8); the duplicate (.5, .8)
    # replaces the first; (.75, .5) is below (.5, .8)-(1, 1)
    assert fair.upper_hull(x, y).tolist() == [0, 1, 4, 6]
    y[3:5] = 0.75  # now on the segment (0, .5)-(1, 1): collinear points are dropped
    assert fair.upper_hull(x, y).tolist() == [0, 1, 6]
    collinear = torch.tensor([0.0, 0.5, 1.0])
    assert fair.upper_hull(collinear, collinear).tolist() == [0, 2]


def test_grid_is_numpy_linspace():
    from medlearn.fairness.thresholds import _grid

    for k in (1, 7, 1000):
        np.testing.assert_array_equal(_grid(k).numpy(), np.linspace(0, 1, k + 1))


@pytest.mark.parametrize(
    "constraint, rates",
    [
        ("equalized_odds", ("tpr", "fpr")),
        ("equal_opportunity", ("tpr",)),
        ("demographic_parity", ("selection_rate",)),
    ],
)
def test_thresholds_equalise_the_constrained_rates(constraint, rates):
    y, p, a, s = cohort(22, 2000, 3)
    fit = fair.fit_group_thresholds(s, y, a, constraint)
    q = fit.predict_proba(s, a).numpy()  # expected decisions
    expected = {
        "tpr": [q[(a == k) & (y == 1)].mean() for k in range(3)],
        "fpr": [q[(a == k) & (y == 0)].mean() for k in range(3)],
        "selection_rate": [q[a == k].mean() for k in range(3)],
    }
    for r in rates:
        assert np.ptp(expected[r]) < 1e-9, (r, expected[r])
    before = fair.group_rates(y, p, a)
    assert max(np.ptp(getattr(before, r).numpy()) for r in rates) > 0.05  # was unfair
    if constraint == "equalized_odds":
        assert expected["fpr"][0] == pytest.approx(fit.rate)
    accuracy = (q * y + (1 - q) * (1 - y)).mean()
    assert accuracy == pytest.approx(fit.objective_value, abs=1e-9)


def test_predict_is_seeded_and_draws_the_probabilities():
    y, _, a, s = cohort(23, 1000, 2)
    fit = fair.fit_group_thresholds(s, y, a)
    assert bool((fit.p_ignore > 0).any())  # a group is mixed with a coin flip
    first = fit.predict(s, a, generator=gen(0))
    assert first.dtype == torch.long and set(first.unique().tolist()) <= {0, 1}
    assert torch.equal(first, fit.predict(s, a, generator=gen(0)))
    assert not torch.equal(first, fit.predict(s, a, generator=gen(1)))
    s_rep, a_rep = np.tile(s, 200), np.tile(a, 200)
    draws = fit.predict(s_rep, a_rep, generator=gen(2)).double().reshape(200, -1)
    q = fit.predict_proba(s, a)
    se = (q * (1 - q) / 200).sqrt().clamp(min=1e-3)
    assert ((draws.mean(0) - q).abs() / se).max() < 5


# ------------------------------------------------------ CUDA


@cuda
def test_cuda_matches_cpu():
    y, p, a, s = cohort(24, 2000, 4)
    dev = torch.device("cuda")
    yt, pt, at = (torch.from_numpy(v).to(dev) for v in (y, p, a))
    assert fair.equalized_odds_difference(yt, pt, at) == fair.equalized_odds_difference(
        y, p, a
    )
    assert fair.group_rates(yt, pt, at).tpr.device.type == "cuda"
    res = fair.bootstrap_fairness(
        yt, pt, at, 200, generator=torch.Generator(dev).manual_seed(0)
    )
    assert res.counts.device.type == "cuda"
    ref = fair.bootstrap_fairness(y, p, a, 200, generator=gen(0)).rates["tpr"]
    assert torch.allclose(res.rates["tpr"].estimate.cpu(), ref.estimate)
    fit = fair.fit_group_thresholds(torch.from_numpy(s).to(dev), yt, at)
    assert torch.allclose(
        fit.predict_proba(torch.from_numpy(s).to(dev), at).cpu(),
        fair.fit_group_thresholds(s, y, a).predict_proba(s, a),
    )
    perm = fair.permutation_test(
        yt, pt, at, n_perm=99, generator=torch.Generator(dev).manual_seed(0)
    )
    assert 0 < perm.p_value <= 1
