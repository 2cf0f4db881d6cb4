# replaces: receptive_field
# feedback: scaled by the jump
"""adds each layer's padding in its own units, not scaled by the jump into input pixels."""


def receptive_field(layers):
    size, jump, padding = 1, 1, 0
    for kernel, stride, pad, dilation in layers:
        size += dilation * (kernel - 1) * jump
        padding += pad
        jump *= stride
    return size, jump, padding
