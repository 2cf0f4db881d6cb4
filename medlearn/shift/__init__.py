"""Scanners, sites and covariate shift; matched cohorts (chapter 07).

A scanner changes how anatomy becomes pixels: ``P(X)`` shifts between sites
while ``P(Y | X)`` stays. This package detects the shift, separates it from
differences between the patients, and corrects it. One module per concept,
read in this order:

* :mod:`~medlearn.shift.mmd`: the kernel two-sample test (unbiased MMD^2,
  median-heuristic bandwidth, vectorised permutation p-value);
* :mod:`~medlearn.shift.univariate`: per-feature Kolmogorov-Smirnov tests,
  Bonferroni and Benjamini-Hochberg corrections;
* :mod:`~medlearn.shift.classifier`: the domain-classifier test (held-out AUC
  of a logistic regression);
* :mod:`~medlearn.shift.matching`: standardized mean differences,
  nearest-neighbour and propensity-score matching with a caliper;
* :mod:`~medlearn.shift.intensity`: per-image z-score and histogram matching;
* :mod:`~medlearn.shift.combat`: ComBat harmonisation of features, with a
  fit/transform split that handles sites not seen when fitting.

Samples are ``(n, d)`` tensors, one row per image or patient (trailing dims
are flattened); two samples must share ``d``, have at least 2 rows each and
hold no NaN. Statistics are computed in float64 (float32 on Apple MPS), on
the inputs' device; every random step takes a ``torch.Generator``.

See chapter 07 (shift).
"""

from __future__ import annotations

from medlearn.shift.classifier import (
    domain_classifier_test,
    fit_logistic_regression,
    roc_auc,
)
from medlearn.shift.combat import ComBat, combat
from medlearn.shift.intensity import match_histograms, zscore
from medlearn.shift.matching import (
    Matching,
    nearest_neighbour_match,
    propensity_score_match,
    propensity_scores,
    standardized_mean_difference,
)
from medlearn.shift.mmd import (
    TwoSampleResult,
    gaussian_kernel,
    median_bandwidth,
    mmd2_unbiased,
    mmd_test,
    mmd_test_loop,
)
from medlearn.shift.univariate import (
    FeatureTests,
    benjamini_hochberg,
    bonferroni,
    ks_p_value,
    ks_statistic,
    ks_test,
)

__all__ = [
    "TwoSampleResult",
    "median_bandwidth",
    "gaussian_kernel",
    "mmd2_unbiased",
    "mmd_test",
    "mmd_test_loop",
    "FeatureTests",
    "ks_statistic",
    "ks_p_value",
    "bonferroni",
    "benjamini_hochberg",
    "ks_test",
    "fit_logistic_regression",
    "roc_auc",
    "domain_classifier_test",
    "Matching",
    "standardized_mean_difference",
    "nearest_neighbour_match",
    "propensity_scores",
    "propensity_score_match",
    "zscore",
    "match_histograms",
    "ComBat",
    "combat",
]
