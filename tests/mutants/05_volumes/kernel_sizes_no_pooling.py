# replaces: kernel_sizes
# feedback: the spacing never changes
"""forgets that pooling doubles the spacing: every stage gets the first stage's kernel."""


def kernel_sizes(spacing, n_stages):
    finest = min(spacing)
    kernel = tuple(3 if s / finest < 2 else 1 for s in spacing)
    return [kernel] * n_stages
