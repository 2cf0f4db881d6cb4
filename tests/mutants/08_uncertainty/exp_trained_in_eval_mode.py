# replaces: learned_noise_sd
# feedback: call model.train() before the training loop
"""forgets model.train(): a model that arrives in eval mode is trained with dropout off."""

import torch


def learned_noise_sd(model, x, y, x_query, *, steps=120, lr=2e-2, n_samples=100, seed=0):
    if x.dim() != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D of the same length, got {x.shape} and {y.shape}")
    torch.manual_seed(seed)
    dtype = next(model.parameters()).dtype
    inputs, targets = x.to(dtype)[:, None], y.to(dtype)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        out = model(inputs)
        loss = heteroscedastic_loss(out[:, 0], out[:, 1], targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    samples = mc_dropout_predict(model, x_query.to(dtype)[:, None], n_samples)
    _, aleatoric, _ = decompose_variance(samples[..., 0], samples[..., 1].exp())
    return aleatoric.sqrt()
