"""Device checks of medlearn.uncertainty."""

from __future__ import annotations

import torch
from torch import nn

from gpu_checks import Check
from medlearn import uncertainty as unc

DEVICE_FREE: dict[object, str] = {
    unc.VarianceDecomposition: "a NamedTuple of tensors (built by decompose_variance)",
    unc.EntropyDecomposition: "a NamedTuple of tensors (built by decompose_entropy)",
}


def _generator() -> torch.Generator:
    return torch.Generator().manual_seed(0)  # a fresh CPU stream for each side


def _in_mc_mode(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad(), unc.mc_dropout_mode(model):
        return model(x)


def checks(g: torch.Generator) -> list[Check]:
    torch.manual_seed(0)
    # p = 0 dropout: a dropout layer whose masks keep everything, so the CUDA
    # and CPU runs agree although their random streams differ
    net = nn.Sequential(
        nn.Conv2d(2, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Dropout(0.0)
    )
    net = nn.Sequential(*net, nn.Conv2d(8, 3, 1)).eval()
    x = torch.randn(2, 2, 12, 12, generator=g)
    head = unc.HeteroscedasticHead(2, 2, 3).eval()
    mean, log_var = (
        torch.randn(6, 3, 8, 8, generator=g),
        torch.randn(6, 3, 8, 8, generator=g),
    )
    target = torch.randn(6, 3, 8, 8, generator=g)
    classes = torch.randint(3, (6, 8, 8), generator=g)
    means, variances = (
        torch.randn(10, 4, 16, generator=g),
        torch.rand(10, 4, 16, generator=g),
    )
    probs = torch.softmax(torch.randn(10, 4, 3, 8, generator=g), 2)
    members = [nn.Linear(5, 2) for _ in range(3)]
    return [
        Check(
            lambda m, x: m(x),
            (head, torch.randn(2, 2, 6, 6, generator=g)),
            covers=(unc.HeteroscedasticHead,),
        ),
        Check(unc.heteroscedastic_loss, (mean, log_var, target)),
        Check(
            lambda z, v: unc.sample_logits(z, v, 4, generator=_generator()),
            (mean, log_var),
            covers=(unc.sample_logits,),
        ),
        Check(
            lambda z, v, y: unc.heteroscedastic_segmentation_loss(
                z, v, y, 4, generator=_generator()
            ),
            (mean, log_var, classes),
            covers=(unc.heteroscedastic_segmentation_loss,),
        ),
        Check(_in_mc_mode, (net, x), covers=(unc.mc_dropout_mode,)),
        Check(
            lambda m, x: unc.mc_dropout_loop(m, x, 3, seed=0),
            (net, x),
            covers=(unc.mc_dropout_loop,),
        ),
        Check(
            lambda m, x: unc.mc_dropout_predict(m, x, 4, chunk_size=3, seed=0),
            (net, x),
            covers=(unc.mc_dropout_predict,),
        ),
        Check(unc.ensemble_predict, (members, torch.randn(7, 5, generator=g))),
        Check(unc.decompose_variance, (means, variances)),
        Check(unc.decompose_entropy, (probs,)),
    ]
