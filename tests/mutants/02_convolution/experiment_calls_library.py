# replaces: experiment
# feedback: your answer uses
"""measures with medlearn's empirical_receptive_field instead of its own gradient."""

import torch
from medlearn.receptive_field import empirical_receptive_field


def measure_receptive_field(net, input_shape=(1, 1, 64, 64), dtype=torch.float32):
    module = net if isinstance(net, torch.nn.Module) else torch.nn.Sequential()
    return tuple(empirical_receptive_field(module, input_shape).size)


def receptive_field_growth(depths=(1, 2, 3, 4), kernel_size=3):
    stack = [1 + d * (kernel_size - 1) for d in depths]
    down = [1 + kernel_size * (2**d - 1) for d in depths]
    return {"depth": list(depths), "stack": stack, "downsample": down}
