# replaces: merge_neighbours
# feedback: a plain reshape merges runs of tokens
"""a plain reshape: merges runs of tokens along a row, not 2 x 2 blocks."""


def merge_neighbours(x):
    N, H, W, C = x.shape
    return x.reshape(N, H // 2, W // 2, 4 * C)
