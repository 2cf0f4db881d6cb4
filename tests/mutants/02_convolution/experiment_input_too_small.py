# replaces: experiment
# feedback: is the input large enough
"""measures every network on a fixed 32 x 32 input, which cuts the deeper fields."""

import torch


def measure_receptive_field(net, input_shape=(1, 1, 64, 64), dtype=torch.float32):
    """(rows, cols): extent of the input pixels that the centre output unit depends on."""
    x = torch.zeros(input_shape, dtype=dtype, requires_grad=True)
    y = net(x)  # (N, C', H', W')
    H, W = y.shape[-2:]
    y[0, :, H // 2, W // 2].sum().backward()
    seen = x.grad[0].ne(0).any(dim=0)  # (H, W): True where the gradient is non-zero
    rows = seen.any(dim=1).nonzero()
    cols = seen.any(dim=0).nonzero()
    return int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1


def receptive_field_growth(depths=(1, 2, 3, 4), kernel_size=3):
    """Measured receptive field (rows) of the stack and the downsampling net, per depth."""
    kernel = torch.ones(1, 1, kernel_size, kernel_size)
    mean = torch.full((1, 1, 2, 2), 0.25)

    def network(depth, downsample):
        def forward(x):
            for _ in range(depth):
                x = unfold_conv2d(x, kernel, padding=kernel_size // 2)
                if downsample:
                    x = unfold_conv2d(x, mean, stride=2)
            return x

        return forward

    out = {"depth": list(depths), "stack": [], "downsample": []}
    for depth in depths:
        for name, downsample in (("stack", False), ("downsample", True)):
            side = 2 * predict_receptive_field(depth, kernel_size, downsample) + 2**depth
            rows, _ = measure_receptive_field(network(depth, downsample), (1, 1, 32, 32))
            out[name].append(rows)
    return out
