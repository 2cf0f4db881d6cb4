# replaces: undersampling_mask
# must pass: Python loops and round() instead of tensor indexing
"""Correct: the same draws, the columns chosen in plain Python loops."""


def undersampling_mask(num_cols, acceleration, center_fraction, kind="random", seed=0):
    n_c = round(num_cols * center_fraction)
    if n_c * acceleration > num_cols:
        raise ValueError(f"{n_c} centre columns exceed num_cols / acceleration")
    keep = [False] * num_cols
    if n_c == num_cols:
        return torch.tensor([True] * num_cols)
    g = torch.Generator().manual_seed(seed)
    if kind == "random":
        prob = (num_cols / acceleration - n_c) / (num_cols - n_c)
        keep = (torch.rand(num_cols, generator=g) < prob).tolist()
    else:
        a = acceleration * (n_c - num_cols) / (n_c * acceleration - num_cols)
        offset = int(torch.randint(0, round(a), (1,), generator=g))
        i = 0
        while offset + i * a < num_cols - 1:
            keep[round(offset + i * a)] = True
            i += 1
    start = (num_cols - n_c + 1) // 2
    for j in range(start, start + n_c):
        keep[j] = True
    return torch.tensor(keep, dtype=torch.bool)
