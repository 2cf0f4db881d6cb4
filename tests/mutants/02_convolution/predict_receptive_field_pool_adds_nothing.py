# replaces: predict_receptive_field
# feedback: the pooling window adds nothing
"""counts the pooling's stride but not its 2x2 window: r = 1 + (k - 1)(2^L - 1)."""


def predict_receptive_field(depth, kernel_size=3, downsample=False):
    if downsample:
        return 1 + (kernel_size - 1) * (2**depth - 1)
    return 1 + depth * (kernel_size - 1)
