# replaces: dc_experiment
# feedback: your answer uses
"""uses medlearn.physics for the transforms and the data-consistency step."""

from medlearn import physics


def dc_experiment(image, estimate, mask):
    k_true = physics.fft2c(image)
    x_after = physics.data_consistency(estimate, k_true, mask)
    rows = []
    for x in (estimate, x_after):
        err = (physics.fft2c(x) - k_true).abs() ** 2
        rows.append([err[:, mask].mean().sqrt(), err[:, ~mask].mean().sqrt(),
                     ((x - image).abs() ** 2).mean().sqrt()])
    return torch.tensor([[float(v) for v in row] for row in rows], dtype=torch.float64)
