# replaces: mc_dropout_predict
# feedback: the modes were not restored
"""samples correctly but leaves the model in MC-dropout mode afterwards."""

import torch
from torch import nn


def mc_dropout_predict(model, x, n_samples):
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.modules.dropout._DropoutNd):
            m.train()
    with torch.no_grad():
        return torch.stack([model(x) for _ in range(n_samples)])
