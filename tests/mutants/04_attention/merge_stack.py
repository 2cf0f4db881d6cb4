# replaces: merge_neighbours
# must pass: stack on a new axis before the channels, then flatten
"""Correct: the four neighbours stacked as whole C-channel blocks, then flattened."""


def merge_neighbours(x):
    blocks = [x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]]
    return torch.stack(blocks, dim=-2).flatten(-2)
