# replaces: merge_neighbours
# feedback: right before below
"""concatenates the neighbours in the order (0,0), (0,1), (1,0), (1,1): right before below."""
import torch


def merge_neighbours(x):
    offsets = [(0, 0), (0, 1), (1, 0), (1, 1)]
    return torch.cat([x[:, dy::2, dx::2] for dy, dx in offsets], dim=-1)
