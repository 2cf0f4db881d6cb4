"""Device checks of medlearn.shift.

The tests draw their permutations and splits on the generator's device and
move them to the samples' device, so a fresh CPU generator on each side gives
the same p-values on the CPU and on the device (values compared), and the
device's own generator only the same shapes (``values=False``).
"""

from __future__ import annotations

import torch

from gpu_checks import ON_DEVICE, Check
from medlearn import shift

DEVICE_FREE: dict[object, str] = {
    shift.TwoSampleResult: "a NamedTuple of tensors (built by the two-sample tests)",
    shift.FeatureTests: "a NamedTuple of tensors (built by ks_test)",
    shift.Matching: "a NamedTuple of tensors (built by the matchings)",
}


def _cpu() -> torch.Generator:
    return torch.Generator().manual_seed(0)  # a fresh CPU stream for each side


def _on(device: torch.device) -> torch.Generator:
    return torch.Generator(device).manual_seed(0)  # the device's own stream


def _combat_unseen(data: torch.Tensor, site: torch.Tensor) -> torch.Tensor:
    """ComBat fitted on sites 0 and 1, applied to all three (site 2 unseen)."""
    seen = site < 2
    model = shift.ComBat().fit(data[seen], site[seen])
    return model.transform(data, site)


def checks(g: torch.Generator) -> list[Check]:
    x = torch.randn(40, 3, generator=g)  # (n, d)
    y = torch.randn(36, 3, generator=g) + torch.tensor([0.5, 0.0, 0.0])  # (m, d)
    scores = torch.rand(60, generator=g)
    labels = (torch.rand(60, generator=g) < scores).long()
    labels[:2] = torch.tensor([0, 1])  # both classes present
    p_values = torch.rand(12, generator=g)
    older = torch.randn(30, 2, generator=g) + 0.7  # covariates of the smaller site
    pool = torch.randn(80, 2, generator=g)
    images = torch.rand(3, 2, 8, 8, generator=g)  # (N, C, H, W)
    images[0, 0, :2] = 0.0  # background voxels for nonzero=True
    site = torch.arange(45) % 3
    data = torch.randn(45, 6, generator=g, dtype=torch.float64)
    data = data * (1 + site[:, None]) + site[:, None]  # (samples, features)
    age = torch.rand(45, 1, generator=g, dtype=torch.float64)
    data = data + age
    random_shape = {"values": False, "label": "(the device's own stream)"}
    return [
        Check(shift.median_bandwidth, (x, y)),
        Check(
            lambda a, b: shift.gaussian_kernel(a, b, 1.5),
            (x, y),
            covers=(shift.gaussian_kernel,),
        ),
        Check(shift.mmd2_unbiased, (x, y)),
        Check(
            lambda a, b: shift.mmd_test(a, b, 200, _cpu()),
            (x, y),
            covers=(shift.mmd_test,),
            label="(CPU stream)",
        ),
        Check(
            lambda a, b, d: shift.mmd_test(a, b, 200, _on(d)),
            (x, y, ON_DEVICE),
            covers=(shift.mmd_test,),
            **random_shape,
        ),
        Check(
            lambda a, b: shift.mmd_test_loop(a, b, 20, _cpu(), sigma=1.5),
            (x, y),
            covers=(shift.mmd_test_loop,),
        ),
        Check(shift.ks_statistic, (x, y)),
        Check(
            lambda s: shift.ks_p_value(s, 40, 36),
            (shift.ks_statistic(x, y),),
            covers=(shift.ks_p_value,),
        ),
        Check(shift.bonferroni, (p_values,)),
        Check(shift.benjamini_hochberg, (p_values,)),
        Check(
            lambda a, b: shift.ks_test(a, b, "fdr_bh"), (x, y), covers=(shift.ks_test,)
        ),
        Check(
            shift.fit_logistic_regression,
            (torch.cat([x, y]), torch.cat([torch.zeros(40), torch.ones(36)])),
        ),
        Check(shift.roc_auc, (scores, labels)),
        Check(
            lambda a, b: shift.domain_classifier_test(a, b, 0.5, 100, _cpu()),
            (x, y),
            covers=(shift.domain_classifier_test,),
            label="(CPU stream)",
        ),
        Check(
            lambda a, b, d: shift.domain_classifier_test(a, b, 0.5, 100, _on(d)),
            (x, y, ON_DEVICE),
            covers=(shift.domain_classifier_test,),
            **random_shape,
        ),
        Check(shift.standardized_mean_difference, (older, pool)),
        Check(
            lambda a, b: shift.nearest_neighbour_match(a, b, 0.5),
            (older, pool),
            covers=(shift.nearest_neighbour_match,),
        ),
        Check(
            lambda a, b: shift.nearest_neighbour_match(a, b, replace=True),
            (older, pool),
            covers=(shift.nearest_neighbour_match,),
            label="with replacement",
        ),
        Check(shift.propensity_scores, (older, pool)),
        Check(shift.propensity_score_match, (older, pool)),
        Check(shift.zscore, (images,)),
        Check(
            lambda x: shift.zscore(x, nonzero=True),
            (images,),
            covers=(shift.zscore,),
            label="nonzero",
        ),
        Check(shift.match_histograms, (images[1], images[2])),
        Check(
            lambda v, b, c: shift.combat(v, b, c),
            (data, site, age),
            covers=(shift.combat,),
        ),
        Check(
            lambda v, b: shift.combat(v, b, eb=False, mean_only=True),
            (data, site),
            covers=(shift.combat,),
            label="mean only, no EB",
        ),
        Check(
            _combat_unseen, (data, site), covers=(shift.ComBat,), label="unseen site"
        ),
    ]
