# replaces: stack_adjacent
# must pass: a Python loop over channels and offsets with clamped slice indices, torch.cat
"""Correct: channel by channel, offset by offset, clamped indices."""


def stack_adjacent(volume, k):
    D = volume.shape[2]
    pieces = []
    for c in range(volume.shape[1]):
        for j in range(-k, k + 1):
            idx = [min(max(z + j, 0), D - 1) for z in range(D)]
            pieces.append(volume[:, c : c + 1, idx])
    return torch.cat(pieces, dim=1)
