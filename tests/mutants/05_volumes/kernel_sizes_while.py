# replaces: kernel_sizes
# must pass: a while loop, comparisons as s < 2 * finest, pooled axes as an index list
"""Correct: the same rule written with index lists."""


def kernel_sizes(spacing, n_stages):
    current = [float(s) for s in spacing]
    out = []
    while len(out) < n_stages:
        finest = min(current)
        pooled = [a for a, s in enumerate(current) if s < 2 * finest]
        out.append(tuple(3 if a in pooled else 1 for a in range(len(current))))
        for a in pooled:
            current[a] *= 2
    return out
