# replaces: data_consistency
# must pass: M * k_measured + (1 - M) * k_pred with a float mask
"""Correct: the formula written with a 0/1 mask, on a copy of the inputs."""


def data_consistency(k_pred, k_measured, mask):
    m = mask.to(k_pred.real.dtype)  # (W,), broadcast over (..., H, W)
    return m * k_measured + (1 - m) * k_pred
