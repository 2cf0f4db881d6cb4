# replaces: mc_dropout_predict
# feedback: dropout is switched off
"""puts the whole model in eval mode: dropout is off and every sample is the same."""

import torch


def mc_dropout_predict(model, x, n_samples):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = torch.stack([model(x) for _ in range(n_samples)])
    model.train(was_training)
    return out
