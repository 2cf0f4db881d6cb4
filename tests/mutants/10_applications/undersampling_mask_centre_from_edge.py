# replaces: undersampling_mask
# feedback: not counted from the edge of the array
"""the centre lines counted from the edge, as in uncentred k-space: columns 0..n_c-1."""


def undersampling_mask(num_cols, acceleration, center_fraction, kind="random", seed=0):
    n_c = round(num_cols * center_fraction)
    if n_c > num_cols / acceleration:
        raise ValueError("too many centre columns")
    if n_c == num_cols:
        return torch.ones(num_cols, dtype=torch.bool)
    g = torch.Generator().manual_seed(seed)
    if kind == "random":
        prob = (num_cols / acceleration - n_c) / (num_cols - n_c)
        mask = torch.rand(num_cols, generator=g) < prob
    else:
        a = acceleration * (n_c - num_cols) / (n_c * acceleration - num_cols)
        offset = int(torch.randint(0, round(a), (1,), generator=g))
        mask = torch.zeros(num_cols, dtype=torch.bool)
        i = torch.arange(math.ceil((num_cols - 1 - offset) / a), dtype=torch.float64)
        mask[(offset + i * a).round().long()] = True
    mask[:n_c] = True
    return mask
