# replaces: predict_receptive_field
# feedback: kernel_size is ignored
"""derives the formulas for 3x3 kernels and ignores the kernel_size argument."""


def predict_receptive_field(depth, kernel_size=3, downsample=False):
    if downsample:
        return 3 * 2**depth - 2
    return 2 * depth + 1
