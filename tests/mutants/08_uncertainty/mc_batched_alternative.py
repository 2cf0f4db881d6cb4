# replaces: mc_dropout_predict
# must pass: one pass over the batch repeated T times, modes set flag by flag
"""Correct: repeat the batch T times along N (sample-major), one forward pass, then view."""

import torch
from torch import nn


def mc_dropout_predict(model, x, n_samples):
    before = [m.training for m in model.modules()]

    for m in model.modules():  # not m.train(): that would recurse into the children
        m.training = isinstance(m, nn.modules.dropout._DropoutNd)
    try:
        with torch.no_grad():
            rows = x.repeat(n_samples, *([1] * (x.dim() - 1)))  # (T * N, ...)
            out = model(rows)
        return out.view(n_samples, x.shape[0], *out.shape[1:])
    finally:
        for m, flag in zip(model.modules(), before):
            m.training = flag
