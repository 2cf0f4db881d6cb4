# replaces: cross_slice_experiment
# must pass: counts accumulated volume by volume as floats, then divided once
"""Correct: a loop over the volumes that sums the counts before dividing."""


def cross_slice_experiment(images, labels, threshold=0.55, ks=(0, 1, 2)):
    out = torch.zeros(len(ks), 2, dtype=torch.float64)
    for row, k in enumerate(ks):
        counts = torch.zeros(4, dtype=torch.float64)
        for n in range(images.shape[0]):
            score = stack_adjacent(images[n : n + 1], k)[0].mean(dim=0)  # (D, H, W)
            tube = (score > threshold).double()
            counts += torch.stack([(tube * (labels[n] == 2)).sum(),
                                   (labels[n] == 2).double().sum(),
                                   (tube * (labels[n] == 1)).sum(),
                                   (labels[n] == 1).double().sum()])
        out[row] = torch.stack([counts[0] / counts[1], counts[2] / counts[3]])
    return out
