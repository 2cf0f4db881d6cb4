# replaces: receptive_field
# feedback: forgets the dilation
"""forgets the dilation: grows the field by (k - 1) * j instead of d (k - 1) * j."""


def receptive_field(layers):
    size, jump, padding = 1, 1, 0
    for kernel, stride, pad, _dilation in layers:
        size += (kernel - 1) * jump
        padding += pad * jump
        jump *= stride
    return size, jump, padding
