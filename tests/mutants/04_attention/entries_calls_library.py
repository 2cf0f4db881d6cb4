# replaces: score_entries
# feedback: your answer uses
"""derives the count from the library's FLOP formula instead of working it out."""
from medlearn.attention import attention_flops


def score_entries(image_size, patch_size, window_size=None):
    n = (image_size[0] // patch_size) * (image_size[1] // patch_size)
    return (attention_flops(n, 1, window_size) - 4 * n) // 2
