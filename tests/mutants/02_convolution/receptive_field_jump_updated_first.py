# replaces: receptive_field
# feedback: previous jump
"""multiplies by the wrong stride product: updates the jump before using it."""


def receptive_field(layers):
    size, jump, padding = 1, 1, 0
    for kernel, stride, pad, dilation in layers:
        jump *= stride
        size += dilation * (kernel - 1) * jump
        padding += pad * jump
    return size, jump, padding
