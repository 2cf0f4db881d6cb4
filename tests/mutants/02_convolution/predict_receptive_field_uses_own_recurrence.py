# replaces: predict_receptive_field
# must pass: builds the layer list and calls the student's own receptive_field
"""Correct: the prediction from part 3's function on the block's layers."""


def predict_receptive_field(depth, kernel_size=3, downsample=False):
    block = [(kernel_size, 1, kernel_size // 2, 1)]
    if downsample:
        block.append((2, 2, 0, 1))
    return receptive_field(block * depth)[0]
