# replaces: undersampling_mask
# feedback: space the other columns by the adjusted acceleration
"""equispaced columns offset::R, without the adjustment for the centre: too many."""


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
        offset = int(torch.randint(0, round(acceleration), (1,), generator=g))
        mask = torch.zeros(num_cols, dtype=torch.bool)
        mask[offset::round(acceleration)] = True
    pad = (num_cols - n_c + 1) // 2
    mask[pad : pad + n_c] = True
    return mask
