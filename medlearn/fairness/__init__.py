"""Fairness: demographic parity, equalized odds, and how sure we are (chapter 09).

One module per concept, read in this order:

* :mod:`~medlearn.fairness.inputs`: checks of labels, probabilities, lengths;
* :mod:`~medlearn.fairness.groups`: groups (intersectional subgroups from
  several columns) and per-group rates: selection rate, TPR, FPR, PPV, or any
  metric of :mod:`medlearn.metrics`;
* :mod:`~medlearn.fairness.disparity`: demographic parity, equalized odds and
  equal opportunity differences and ratios, on fairlearn 0.15's conventions;
* :mod:`~medlearn.fairness.signed`: aif360's signed "unprivileged −
  privileged" forms (import the module: its names overlap fairlearn's);
* :mod:`~medlearn.fairness.resampling`: stratified bootstrap replicates of the
  per-group counts (resampled rows, or multinomial draws);
* :mod:`~medlearn.fairness.bootstrap`: bootstrap intervals for every rate and
  disparity, vectorised over replicates;
* :mod:`~medlearn.fairness.permutation`: permutation test of "no difference";
* :mod:`~medlearn.fairness.curves`: ROC-type points of a score and their hull;
* :mod:`~medlearn.fairness.thresholds`: Hardt et al.'s group-specific
  randomised thresholds (fairlearn's ``ThresholdOptimizer``).

Inputs are 1-D ``(N,)`` tensors, arrays or lists: 0/1 (or bool) labels and
predictions, probabilities in [0, 1] where scores are needed, and group ids
(or several columns of them). Disparities return Python floats.

See chapter 09 (fairness).
"""

from __future__ import annotations

from medlearn.fairness import signed
from medlearn.fairness.bootstrap import (
    FairnessBootstrap,
    Interval,
    bootstrap_fairness,
    bootstrap_metric_by_group,
    percentile_interval,
)
from medlearn.fairness.curves import TradeoffPoints, tradeoff_points, upper_hull
from medlearn.fairness.disparity import (
    DISPARITIES,
    demographic_parity_difference,
    demographic_parity_ratio,
    disparity_from_counts,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    group_difference,
    group_ratio,
)
from medlearn.fairness.groups import (
    GroupRates,
    Groups,
    UndefinedRateWarning,
    confusion_by_group,
    encode_groups,
    group_rates,
    metric_by_group,
    rates_from_counts,
)
from medlearn.fairness.inputs import as_binary, as_probabilities
from medlearn.fairness.permutation import (
    PermutationTest,
    permutation_test,
    permutations_within,
)
from medlearn.fairness.resampling import bootstrap_counts, stratified_bootstrap_indices
from medlearn.fairness.thresholds import (
    CONSTRAINTS,
    OBJECTIVES,
    GroupThresholds,
    fit_group_thresholds,
)

__all__ = [
    "UndefinedRateWarning",
    "Groups",
    "encode_groups",
    "as_binary",
    "as_probabilities",
    "confusion_by_group",
    "rates_from_counts",
    "GroupRates",
    "group_rates",
    "metric_by_group",
    "DISPARITIES",
    "group_difference",
    "group_ratio",
    "disparity_from_counts",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "signed",
    "Interval",
    "stratified_bootstrap_indices",
    "bootstrap_counts",
    "percentile_interval",
    "FairnessBootstrap",
    "bootstrap_fairness",
    "bootstrap_metric_by_group",
    "PermutationTest",
    "permutations_within",
    "permutation_test",
    "CONSTRAINTS",
    "OBJECTIVES",
    "TradeoffPoints",
    "tradeoff_points",
    "upper_hull",
    "GroupThresholds",
    "fit_group_thresholds",
]
