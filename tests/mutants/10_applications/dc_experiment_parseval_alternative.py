# replaces: dc_experiment
# must pass: the image error from the k-space error by Parseval, errors per column
"""Correct: per-column sums of squared k-space errors; the image RMSE by Parseval."""


def dc_experiment(image, estimate, mask):
    H, W = image.shape
    k_true = fft2c(image)
    k_measured = k_true * mask
    k_before = fft2c(estimate)
    table = torch.zeros(2, 3, dtype=torch.float64)
    for row, k in enumerate((k_before, data_consistency(k_before, k_measured, mask))):
        per_column = ((k - k_true).abs().double() ** 2).sum(0)  # (W,)
        n_in = int(mask.sum())
        table[row, 0] = (per_column[mask].sum() / (H * n_in)).sqrt()
        table[row, 1] = (per_column[~mask].sum() / (H * (W - n_in))).sqrt()
        table[row, 2] = (per_column.sum() / (H * W)).sqrt()  # Parseval: = image RMSE
    return table
