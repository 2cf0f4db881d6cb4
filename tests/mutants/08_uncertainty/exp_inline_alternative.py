# replaces: learned_noise_sd
# must pass: .float() and view, a while loop, the mean of the variances without decompose_variance
"""Correct: the same experiment written differently (aleatoric part computed inline)."""

import torch


def learned_noise_sd(model, x, y, x_query, *, steps=120, lr=2e-2, n_samples=100, seed=0):
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"x and y must be 1-D of equal length: {tuple(x.shape)}, {tuple(y.shape)}")
    torch.manual_seed(seed)
    inputs = x.float().view(-1, 1)
    targets = y.float()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train(True)
    step = 0
    while step < steps:
        opt.zero_grad(set_to_none=True)
        mean, log_var = model(inputs).unbind(dim=1)
        heteroscedastic_loss(mean, log_var, targets).backward()
        opt.step()
        step += 1
    model.train(False)
    with torch.no_grad():
        samples = mc_dropout_predict(model, x_query.float().reshape(-1, 1), n_samples)
    return samples[:, :, 1].exp().mean(dim=0).sqrt()
