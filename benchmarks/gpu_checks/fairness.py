"""Device checks of medlearn.fairness."""

from __future__ import annotations

import torch

from gpu_checks import Check
from medlearn import fairness
from medlearn.fairness import signed

DEVICE_FREE: dict[object, str] = {
    fairness.UndefinedRateWarning: "a warning class",
    fairness.Interval: "a NamedTuple of tensors (built by percentile_interval)",
    fairness.FairnessBootstrap: "a record of intervals (built by bootstrap_fairness)",
    fairness.GroupRates: "a NamedTuple of tensors (built by group_rates)",
    fairness.Groups: "a record of codes and labels (built by encode_groups)",
    fairness.TradeoffPoints: "a NamedTuple of tensors (built by tradeoff_points)",
    fairness.PermutationTest: "a NamedTuple (built by permutation_test)",
}


def _cpu() -> torch.Generator:
    return torch.Generator().manual_seed(0)  # a fresh CPU stream for each side


def checks(g: torch.Generator) -> list[Check]:
    n = 20_000
    y = torch.randint(2, (n,), generator=g)
    a = torch.randint(4, (n,), generator=g)
    probs = (0.4 * y + 0.6 * torch.rand(n, generator=g)).clamp(0, 1)
    y_pred = (probs > 0.5).long()
    counts, _ = fairness.confusion_by_group(y, y_pred, a)
    rates = fairness.group_rates(y, y_pred, a)
    three = (y, y_pred, a)
    exact = {"rtol": 0.0, "atol": 0.0}
    out = [
        Check(fairness.encode_groups, (torch.stack([a, y], 1),), **exact),
        Check(fairness.confusion_by_group, three, **exact),
        Check(fairness.rates_from_counts, (counts,)),
        Check(
            lambda t, p, g: fairness.group_rates(t, p, g)[1:],
            three,
            covers=(fairness.group_rates,),
        ),
        Check(
            lambda s, t, g: fairness.metric_by_group(
                lambda p, q: float((p == q).float().mean()), s, t, groups=g
            ),
            three,
            covers=(fairness.metric_by_group,),
        ),
        Check(fairness.as_binary, (y, "y")),
        Check(fairness.as_probabilities, (probs, "probs")),
        Check(fairness.group_difference, (rates.tpr, rates.tpr.mean())),
        Check(fairness.group_ratio, (rates.tpr, rates.tpr.mean())),
        Check(
            lambda c: fairness.disparity_from_counts(c, "equalized_odds_difference"),
            (counts,),
            covers=(fairness.disparity_from_counts,),
        ),
        Check(fairness.demographic_parity_difference, (y_pred, a)),
        Check(fairness.demographic_parity_ratio, (y_pred, a)),
        Check(fairness.equalized_odds_difference, three),
        Check(fairness.equalized_odds_ratio, three),
        Check(fairness.equal_opportunity_difference, three),
        Check(fairness.equal_opportunity_ratio, three),
        Check(
            lambda p, g: signed.statistical_parity_difference(p, g, 0),
            (y_pred, a),
            covers=(signed.statistical_parity_difference,),
        ),
        Check(
            lambda p, g: signed.disparate_impact(p, g, 0),
            (y_pred, a),
            covers=(signed.disparate_impact,),
        ),
        Check(
            lambda t, p, g: signed.equal_opportunity_difference(t, p, g, 0),
            three,
            covers=(signed.equal_opportunity_difference,),
        ),
        Check(
            lambda t, p, g: signed.average_odds_difference(t, p, g, 0),
            three,
            covers=(signed.average_odds_difference,),
        ),
        Check(
            lambda t, p, g: fairness.bootstrap_counts(
                t, p, g, 50, _cpu(), impl="resample"
            ),
            three,
            covers=(fairness.bootstrap_counts,),
            **exact,
        ),
        Check(
            lambda g: fairness.stratified_bootstrap_indices(g, 20, _cpu()),
            (a,),
            covers=(fairness.stratified_bootstrap_indices,),
            **exact,
        ),
        Check(
            lambda r, e: fairness.percentile_interval(r, e, 0.9),
            (probs.view(100, -1), probs.view(100, -1).mean(0)),
            covers=(fairness.percentile_interval,),
        ),
        Check(
            lambda t, p, g: fairness.bootstrap_fairness(
                t, p, g, 200, generator=_cpu()
            ).rates["tpr"],
            three,
            covers=(fairness.bootstrap_fairness,),
        ),
        Check(
            lambda s, t, g: fairness.bootstrap_metric_by_group(
                lambda p, q: float((p == q).float().mean()),
                s[:2000],
                t[:2000],
                groups=g[:2000],
                n_boot=20,
                generator=_cpu(),
            ),
            three,
            covers=(fairness.bootstrap_metric_by_group,),
        ),
        Check(
            lambda s: fairness.permutations_within(s, 20, _cpu()),
            (a,),
            covers=(fairness.permutations_within,),
            **exact,
        ),
        Check(
            lambda t, p, g: fairness.permutation_test(
                t, p, g, n_perm=50, generator=_cpu()
            )[:2],
            three,
            covers=(fairness.permutation_test,),
        ),
        Check(
            lambda s, t: fairness.tradeoff_points(s, t),
            (probs[:500], y[:500]),
            covers=(fairness.tradeoff_points,),
        ),
        Check(
            fairness.upper_hull,
            (torch.linspace(0, 1, 50), torch.rand(50, generator=g).sort().values),
        ),
        Check(
            lambda s, t, g: fairness.fit_group_thresholds(s, t, g).predict_proba(s, g),
            (probs[:4000], y[:4000], a[:4000]),
            covers=(fairness.fit_group_thresholds, fairness.GroupThresholds),
            rtol=1e-9,
            atol=1e-12,
        ),
    ]
    return out
