# replaces: late_fusion
# must pass: torch.lerp(p_tabular, p_image, weight), checks with min/max
"""Correct: lerp(start, end, w) = start + w (end - start)."""


def late_fusion(p_image, p_tabular, weight):
    if weight < 0 or weight > 1:
        raise ValueError(f"weight must lie in [0, 1], got {weight}")
    both = torch.stack([p_image, p_tabular])
    if both.min() < 0 or both.max() > 1:
        raise ValueError("p_image and p_tabular must be probabilities, not logits")
    return torch.lerp(p_tabular, p_image, weight)
