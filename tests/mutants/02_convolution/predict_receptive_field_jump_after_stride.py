# replaces: predict_receptive_field
# feedback: uses the jump before it
"""grows the field by the pooling with the jump after its own stride: 1 + (k + 1)(2^L - 1)."""


def predict_receptive_field(depth, kernel_size=3, downsample=False):
    if downsample:
        return 1 + (kernel_size + 1) * (2**depth - 1)
    return 1 + depth * (kernel_size - 1)
