# replaces: predict_receptive_field
# must pass: a loop over the blocks (the recurrence) instead of the closed form
"""Correct: runs the recurrence block by block, in integers."""


def predict_receptive_field(depth, kernel_size=3, downsample=False):
    size, jump = 1, 1
    for _ in range(depth):
        size += (kernel_size - 1) * jump
        if downsample:
            size += jump  # the 2x2 pooling: (2 - 1) times the jump before it
            jump *= 2
    return size
