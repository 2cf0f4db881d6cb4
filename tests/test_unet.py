"""Tests for medlearn.sampling and medlearn.unet (chapter 03)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from medlearn.sampling import (
    BlurPool,
    avg_pool,
    binomial_kernel,
    blur,
    blur_pool,
    downsample,
    max_blur_pool,
    max_pool,
    shift_consistency,
    spectrum,
    subsample,
    zone_plate,
)
from medlearn.unet import (
    ConvBlock,
    UNet,
    UpBlock,
    center_crop,
    crop_and_concat,
    nearest_valid_input_size,
    valid_output_size,
)

TINY = (4, 8, 16)


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- sampling


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 7])
def test_binomial_kernel_is_pascal_row(k):
    row = np.array([math.comb(k - 1, i) for i in range(k)], dtype=float)
    np.testing.assert_allclose(binomial_kernel(k, 1).numpy(), row / row.sum())
    kernel = binomial_kernel(k, 3, dtype=torch.float64)  # (k, k, k)
    expected = np.einsum("i,j,l->ijl", row, row, row) / row.sum() ** 3
    np.testing.assert_allclose(kernel.numpy(), expected)
    assert kernel.sum().item() == pytest.approx(1.0)


def test_binomial_kernel_by_hand():
    # [1, 2, 1] / 4 outer itself: corners 1/16, edges 2/16, centre 4/16
    expected = torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16
    torch.testing.assert_close(binomial_kernel(3), expected)


@pytest.mark.parametrize("shape", [(2, 3, 17), (2, 3, 12, 9), (1, 2, 6, 7, 8)])
@pytest.mark.parametrize("k", [3, 5])
def test_blur_matches_scipy(shape, k):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    kernel = binomial_kernel(k, len(shape) - 2, dtype=torch.float64).numpy()
    # torch "reflect" (edge not repeated) is scipy "mirror"; depthwise = per channel
    expected = np.stack(
        [
            np.stack([ndimage.convolve(c.double().numpy(), kernel, mode="mirror")])
            for sample in x
            for c in sample
        ]
    ).reshape(shape)
    np.testing.assert_allclose(blur(x, k).numpy(), expected, atol=1e-5)
    zero = ndimage.convolve(x[0, 0].double().numpy(), kernel, mode="constant")
    got = blur(x, k, padding_mode="zeros")[0, 0]
    np.testing.assert_allclose(got.numpy(), zero, atol=1e-5)


@settings(max_examples=20, deadline=None)
@given(
    dims=st.integers(1, 3),
    size=st.integers(5, 11),
    k=st.integers(1, 5),
    factor=st.integers(1, 3),
    mode=st.sampled_from(["reflect", "replicate", "circular", "zeros"]),
)
def test_blur_pool_is_blur_then_subsample(dims, size, k, factor, mode):
    x = torch.randn((2, 3) + (size,) * dims, dtype=torch.float64)
    fused = blur_pool(x, factor, k, mode)  # one strided depthwise conv
    torch.testing.assert_close(fused, subsample(blur(x, k, mode), factor))
    assert fused.shape[2:] == (math.ceil(size / factor),) * dims


def test_blur_pool_matches_grouped_torch_conv():
    x = torch.randn(2, 3, 10, 12)
    w = binomial_kernel(4).expand(3, 1, 4, 4)  # even kernel: pad 1 before, 2 after
    ref = F.conv2d(F.pad(x, (1, 2, 1, 2), mode="reflect"), w, stride=2, groups=3)
    torch.testing.assert_close(blur_pool(x, 2, 4), ref)


def test_pools_match_torch():
    x = torch.randn(2, 3, 8, 6, 4)
    torch.testing.assert_close(max_pool(x), F.max_pool3d(x, 2))
    torch.testing.assert_close(avg_pool(x), F.avg_pool3d(x, 2))
    torch.testing.assert_close(subsample(x), x[:, :, ::2, ::2, ::2])
    ref = blur_pool(F.max_pool3d(x, 2, stride=1))
    torch.testing.assert_close(max_blur_pool(x), ref)
    for method in ["stride", "max", "avg", "blur", "maxblur"]:
        assert downsample(x, method).shape[:2] == (2, 3)


def test_blur_keeps_constants_and_is_depthwise():
    x = torch.full((1, 2, 8, 8), 3.0)
    torch.testing.assert_close(blur_pool(x), torch.full((1, 2, 4, 4), 3.0))
    y = torch.zeros(1, 3, 8, 8)
    y[:, 1, 4, 4] = 1.0  # an impulse in channel 1 stays in channel 1
    out = blur(y)
    assert out[:, [0, 2]].abs().sum() == 0 and out[:, 1].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_blurpool_module(dims):
    pool = BlurPool(spatial_dims=dims, kernel_size=5)
    x = torch.randn((1, 4) + (9,) * dims)
    torch.testing.assert_close(pool(x), blur_pool(x, 2, 5))
    assert pool.state_dict() == {} and n_params(pool) == 0
    with pytest.raises(ValueError, match="spatial axes"):
        pool(torch.randn((1, 4) + (9,) * (dims % 3 + 1)))


def alias_energy(image: torch.Tensor) -> float:
    """Energy of a 2x-downsampled zone plate where the true signal is above Nyquist.

    The zone plate's local frequency at radius r is r / size (cycles/pixel at
    the full rate); after halving, everything beyond r = size / 4 is above the
    new limit (0.25 of the original rate) and ideally vanishes, so whatever
    remains there is alias (minus the low-pass's mean, ~0 for a cosine).
    """
    n = image.shape[-1]
    c = torch.arange(n, dtype=torch.float32) - (n - 1) / 2
    r = torch.sqrt(c[:, None] ** 2 + c[None, :] ** 2) * 2  # radius, full-rate pixels
    ring = (r > 0.3 * 2 * n) & (r < 0.45 * 2 * n)  # well above the new Nyquist
    return image[..., ring].pow(2).mean().item()


def test_blur_pool_reduces_aliasing_on_a_chirp():
    x = zone_plate(128)[None, None]  # (1, 1, 128, 128)
    strided = alias_energy(subsample(x))
    blurred = alias_energy(blur_pool(x, kernel_size=5))
    assert strided > 0.3  # striding turns the fine rings into coarse moire
    assert blurred < 0.2 * strided


def test_spectrum_centres_zero_frequency():
    x = torch.ones(2, 8, 8)
    s = spectrum(x, log=False)
    assert s[0, 4, 4] == 64 and s.sum() == 2 * 64
    wave = torch.cos(2 * math.pi * 2 * torch.arange(16.0) / 16)  # 2 cycles
    s1 = spectrum(wave, spatial_dims=1, log=False)
    assert set(torch.nonzero(s1 > 1).flatten().tolist()) == {8 - 2, 8 + 2}
    ref = torch.log1p(torch.fft.fftshift(torch.fft.fft2(x)).abs())
    torch.testing.assert_close(spectrum(x), ref)


def test_shift_consistency():
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    assert shift_consistency(lambda t: t, x) == 1.0

    def circular_conv(t):  # stride-1, circular padding: exactly shift-equivariant
        return F.conv2d(F.pad(t, (1, 1, 1, 1), mode="circular"), torch.ones(3, 3, 3, 3))

    assert shift_consistency(circular_conv, x) == 1.0

    def strided(t):  # keep even pixels, repeat them: a one-pixel shift breaks it
        return subsample(t).repeat_interleave(2, -1).repeat_interleave(2, -2)

    assert shift_consistency(strided, x, dim=-2) < 0.8
    assert shift_consistency(lambda t: t.mean((2, 3)), x) == 1.0  # (B, K) invariant
    with pytest.raises(ValueError, match="dim"):
        shift_consistency(strided, x, dim=1)


def test_sampling_errors():
    with pytest.raises(ValueError, match="kernel_size"):
        binomial_kernel(0)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        blur_pool(torch.randn(4, 4))
    with pytest.raises(TypeError, match="Tensor"):
        blur_pool(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="factor"):
        subsample(torch.randn(1, 1, 4), 0)
    with pytest.raises(ValueError, match="padding_mode"):
        blur(torch.randn(1, 1, 8), padding_mode="mirror")
    with pytest.raises(ValueError, match="reflect"):
        blur(torch.randn(1, 1, 2, 2), kernel_size=5)
    with pytest.raises(ValueError, match="method"):
        downsample(torch.randn(1, 1, 8), "nearest")


# ---------------------------------------------------------------- size arithmetic


def simulate(size: int, depth: int) -> int | None:
    """Push a size through the paper's layer list, step by step."""
    enc = []
    for level in range(depth):
        size = size - 2 - 2
        if size < 1:
            return None
        enc.append(size)
        if level < depth - 1:
            if size % 2:
                return None
            size //= 2
    for _ in range(depth - 1):
        size = size * 2 - 2 - 2
        if size < 1:
            return None
    return size


def test_paper_sizes():
    # Ronneberger et al. 2015, figure 1: 572 -> 388; 568 -> 284 ... 32 -> 28
    assert valid_output_size(572, depth=5) == 388
    assert valid_output_size(572) == 388
    assert nearest_valid_input_size(572, 5) == 572
    assert nearest_valid_input_size(571, 5) == 572
    assert nearest_valid_input_size(565, 5) == 572  # 556 and 572 are the neighbours
    assert nearest_valid_input_size(563, 5) == 556


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 400), depth=st.integers(1, 5))
def test_size_helpers_agree_with_layer_list(size, depth):
    expected = simulate(size, depth)
    if expected is None:
        with pytest.raises(ValueError, match="nearest size"):
            valid_output_size(size, depth)
    else:
        assert valid_output_size(size, depth) == expected
    near = nearest_valid_input_size(size, depth)
    assert simulate(near, depth) is not None
    # no valid size is strictly closer
    for other in range(max(1, size - abs(near - size)), size + abs(near - size)):
        if abs(other - size) < abs(near - size):
            assert simulate(other, depth) is None


@pytest.mark.parametrize(
    "depth, size", [(5, (188, 204)), (5, (572, 188)), (4, (124, 100))]
)
def test_valid_unet_output_matches_helper(depth, size):
    net = UNet(2, 1, 2, channels=(2,) * depth, padding="valid")
    with torch.no_grad():
        out = net(torch.zeros(1, 1, *size))  # (1, 2, H_out, W_out)
    assert out.shape[2:] == tuple(valid_output_size(n, depth) for n in size)
    assert net.output_size(size) == out.shape[2:]


# ---------------------------------------------------------------- crop and concat


def test_center_crop_by_hand():
    x = torch.arange(36.0).view(1, 1, 6, 6)
    assert center_crop(x, (2, 2)).flatten().tolist() == [14.0, 15.0, 20.0, 21.0]
    y = torch.randn(2, 3, 64, 10, 7)
    # the paper's last skip: 64 -> 56 drops 4 pixels on each side
    torch.testing.assert_close(center_crop(y, (56, 10, 7)), y[:, :, 4:60])
    torch.testing.assert_close(center_crop(y, (64, 4, 3)), y[..., 3:7, 2:5])
    with pytest.raises(ValueError, match="entries"):
        center_crop(y, (4, 4))


def test_crop_and_concat_puts_skip_first():
    skip = torch.arange(64.0).view(1, 1, 8, 8)
    up = torch.full((1, 2, 4, 4), -1.0)
    out = crop_and_concat(skip, up)  # (1, 3, 4, 4)
    torch.testing.assert_close(out[:, :1], skip[:, :, 2:6, 2:6])
    torch.testing.assert_close(out[:, 1:], up)
    with pytest.raises(ValueError, match="size"):
        crop_and_concat(up, skip)


# ---------------------------------------------------------------- the U-Net


def paper_parameter_count(in_channels, out_channels, channels, spatial_dims=2):
    """The layer list of Ronneberger et al. 2015, counted conv by conv."""

    def conv(c_in, c_out, k):
        return c_in * c_out * k**spatial_dims + c_out  # weights + biases

    total, c_prev = 0, in_channels
    for c in channels:  # contracting path: two 3x3 convs per level
        total += conv(c_prev, c, 3) + conv(c, c, 3)
        c_prev = c
    for c_low, c in zip(channels[:0:-1], channels[-2::-1], strict=True):
        total += conv(c_low, c, 2)  # 2x2 up-convolution halves the channels
        total += conv(2 * c, c, 3) + conv(c, c, 3)  # after concatenation
    return total + conv(channels[0], out_channels, 1)


def test_paper_architecture():
    net = UNet(
        2, 1, 2, padding="valid", norm=None
    )  # the defaults are the paper's widths
    # by hand: encoder 18,842,048 + decoder 12,188,480 + head 130
    assert paper_parameter_count(1, 2, (64, 128, 256, 512, 1024)) == 31_030_658
    assert n_params(net) == 31_030_658
    kinds = (torch.nn.Conv2d, torch.nn.ConvTranspose2d)
    convs = [m for m in net.modules() if isinstance(m, kinds)]
    assert len(convs) == 23  # "In total the network has 23 convolutional layers"
    assert all(m.padding == (0, 0) and m.bias is not None for m in convs)
    assert [m.kernel_size for m in convs].count((2, 2)) == 4  # the up-convolutions
    assert not any(
        isinstance(m, torch.nn.modules.batchnorm._NormBase) for m in net.modules()
    )
    # full width, full size, shapes only: the meta device runs no arithmetic
    out = net.to("meta")(torch.zeros(1, 1, 572, 572, device="meta"))
    assert out.shape == (1, 2, 388, 388)


@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("skip", [True, False])
@pytest.mark.parametrize("upsample", ["transpose", "interp"])
def test_parameter_count_formula(spatial_dims, skip, upsample):
    net = UNet(spatial_dims, 2, 3, TINY, padding="valid", skip=skip, upsample=upsample)
    expected = paper_parameter_count(2, 3, TINY, spatial_dims)
    k = spatial_dims
    for c_low, c in zip(TINY[:0:-1], TINY[-2::-1], strict=True):
        if upsample == "interp":  # a 1x1 conv replaces the 2x2 up-convolution
            expected += (c_low * c + c) - (c_low * c * 2**k + c)
        if not skip:  # the first decoder conv sees c channels, not 2c
            expected -= c * c * 3**k
    assert n_params(net) == expected


def functional_unet(net, x, skip=True):
    """The same network from its state dict and torch.nn.functional alone."""
    w = net.state_dict()

    def block(prefix, x):
        for i in (1, 2):
            x = F.relu(
                F.conv2d(x, w[f"{prefix}conv{i}.weight"], w[f"{prefix}conv{i}.bias"])
            )
        return x

    skips = []
    for level in range(net.depth):
        x = block(f"encoder.{level}.", F.max_pool2d(x, 2) if level else x)
        skips.append(x)
    for j in range(net.depth - 1):
        x = F.conv_transpose2d(
            x, w[f"decoder.{j}.up.weight"], w[f"decoder.{j}.up.bias"], stride=2
        )
        if skip:
            s = skips[-2 - j]
            d = (s.shape[-1] - x.shape[-1]) // 2
            x = torch.cat([s[..., d : s.shape[-2] - d, d : s.shape[-1] - d], x], 1)
        x = block(f"decoder.{j}.block.", x)
    return F.conv2d(x, w["head.weight"], w["head.bias"])


@pytest.mark.parametrize("skip", [True, False])
def test_forward_matches_functional_reference(skip):
    torch.manual_seed(0)
    net = UNet(2, 2, 3, channels=TINY, padding="valid", skip=skip).eval()
    x = torch.randn(2, 2, 68, 76)  # (B, C, H, W)
    with torch.no_grad():
        torch.testing.assert_close(net(x), functional_unet(net, x, skip))


def _positive_bias(m):
    if isinstance(m, torch.nn.modules.conv._ConvNd):
        torch.nn.init.constant_(m.bias, 0.1)


OPTIONS = [  # every value of every option, for each dims x padding
    (None, True, "transpose"),
    ("batch", False, "interp"),
    ("instance", True, "interp"),
    ("instance", False, "transpose"),
]


@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("norm, skip, upsample", OPTIONS)
def test_shapes_and_gradients(spatial_dims, padding, norm, skip, upsample):
    torch.manual_seed(0)
    channels = TINY if spatial_dims == 2 else TINY[:2]  # 3D: depth 2, stays fast
    opts = dict(norm=norm, dropout=0.1, skip=skip, upsample=upsample)
    net = UNet(spatial_dims, 1, 2, channels, padding, **opts)
    sizes = {  # valid, depth 3: 44 + 4k; depth 2: 18 + 2k
        (2, "same"): (16, 24),
        (2, "valid"): (44, 48),
        (3, "same"): (8, 12, 6),
        (3, "valid"): (18, 20, 18),
    }
    size = sizes[spatial_dims, padding]
    net.apply(_positive_bias)  # no dead ReLUs in a tiny net without norm
    x = torch.randn(2, 1, *size, requires_grad=True)
    out = net(x)  # (B, 2, *output_size)
    expected = (
        size
        if padding == "same"
        else tuple(valid_output_size(n, len(channels)) for n in size)
    )
    assert out.shape == (2, 2, *expected)
    out.square().mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_state_dict_keys():
    net = UNet(2, 1, 2, channels=TINY, norm="batch")
    keys = set(net.state_dict())
    assert {
        "encoder.0.conv1.weight",
        "encoder.2.conv2.bias",
        "encoder.1.norm2.running_mean",
    } <= keys
    assert {
        "decoder.0.up.weight",
        "decoder.1.block.conv1.weight",
        "head.weight",
    } <= keys
    interp = UNet(2, 1, 2, channels=TINY, upsample="interp")
    assert "decoder.0.up.conv.weight" in interp.state_dict()
    assert all(k.split(".")[0] in {"encoder", "decoder", "head"} for k in keys)
    # no skips changes widths, not names
    no_skip = UNet(2, 1, 2, channels=TINY, skip=False)
    assert set(no_skip.state_dict()) == set(UNet(2, 1, 2, channels=TINY).state_dict())


def test_dropout_supports_mc_dropout():
    net = UNet(2, 1, 2, channels=TINY, dropout=0.5).eval()
    drops = [m for m in net.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(drops) == 2 * len(TINY) - 1  # one per conv block
    x = torch.randn(1, 1, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(net(x), net(x))  # eval: deterministic
        for m in drops:
            m.train()  # what chapter 08 does
        assert not torch.allclose(net(x), net(x))
    plain = UNet(2, 1, 2, channels=TINY)
    assert not any(isinstance(m, torch.nn.Dropout) for m in plain.modules())


def test_same_padding_keeps_size_3d():
    net = UNet(3, 1, 4, channels=TINY, norm="instance")
    out = net(torch.randn(1, 1, 8, 12, 16))
    assert out.shape == (1, 4, 8, 12, 16)


def test_bad_inputs():
    net = UNet(2, 1, 2, channels=TINY, padding="valid")
    with pytest.raises(ValueError, match="nearest size that works: 44"):
        net(torch.zeros(1, 1, 45, 44))  # odd before a pooling
    with pytest.raises(ValueError, match="cannot take 20"):
        net(torch.zeros(1, 1, 44, 20))  # too small: shrinks below 1
    with pytest.raises(ValueError, match=r"shape \(N, 1, H, W\)"):
        net(torch.zeros(1, 3, 44, 44))
    with pytest.raises(ValueError, match=r"shape \(N, 1, H, W\)"):
        net(torch.zeros(1, 1, 44, 44, 44))
    same = UNet(2, 1, 2, channels=TINY)
    with pytest.raises(ValueError, match="nearest size that works: 20"):
        same(torch.zeros(1, 1, 18, 16))
    for kwargs, word in [
        ({"padding": "full"}, "padding"),
        ({"norm": "layer"}, "norm"),
        ({"upsample": "nearest"}, "upsample"),
        ({"spatial_dims": 1}, "spatial_dims"),
        ({"dropout": 1.0}, "dropout"),
        ({"channels": ()}, "channels"),
        ({"channels": (4, 0)}, "channels"),
    ]:
        with pytest.raises(ValueError, match=word):
            UNet(**{"spatial_dims": 2, "in_channels": 1, "out_channels": 2, **kwargs})


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_cuda_matches_cpu(spatial_dims):
    torch.manual_seed(0)
    net = UNet(spatial_dims, 1, 2, TINY, padding="valid", norm="instance").eval()
    size = (44,) * spatial_dims
    x = torch.randn(2, 1, *size)
    with torch.no_grad():
        ref = net(x)
        got = net.to("cuda")(x.to("cuda"))
    assert got.device.type == "cuda"
    torch.testing.assert_close(got.cpu(), ref, atol=1e-4, rtol=1e-4)
    xs = torch.randn((2, 3) + (12,) * spatial_dims)
    pool = BlurPool(spatial_dims).to("cuda")
    torch.testing.assert_close(pool(xs.to("cuda")).cpu(), blur_pool(xs))
    torch.testing.assert_close(
        spectrum(xs.cuda()).cpu(), spectrum(xs), atol=1e-4, rtol=1e-4
    )


@pytest.mark.parametrize(
    "build, word",
    [
        (lambda: ConvBlock(2, 1, 4, padding="full"), "padding"),
        (lambda: ConvBlock(2, 1, 4, norm="layer"), "norm"),
        (lambda: ConvBlock(4, 1, 4), "spatial_dims"),
        (lambda: UpBlock(2, 8, 4, upsample="nearest"), "upsample"),
        (lambda: UpBlock(2, 8, 4, padding="full"), "padding"),
        (lambda: UpBlock(2, 8, 4, norm="group"), "norm"),
    ],
)
def test_blocks_reject_unknown_options(build, word):
    """Each block names a bad option instead of mapping it to a default."""
    with pytest.raises(ValueError, match=word):
        build()


# ---------------------------------------------------------------- the U-Net diagram


@pytest.mark.parametrize("skip", [True, False])
def test_unet_diagram_traces_the_papers_figure(skip):
    """viz.trace_unet on the paper's 572x572 tile gives the sizes of Ronneberger et
    al.'s figure 1 (568, 280, 136, 64, 28 down; 52, 100, 196, 388 up) and draws a
    skip arrow exactly where the model has a skip connection."""
    import matplotlib

    matplotlib.use("Agg")
    from medlearn import viz

    net = UNet(2, 1, 2, channels=(1, 1, 1, 1, 1), padding="valid", skip=skip)
    ax, traced = viz.draw_unet(net, (1, 1, 572, 572))
    sizes = [b["size"][0] for b in traced]
    assert sizes == [568, 280, 136, 64, 28, 52, 100, 196, 388]
    assert [b["skip"] for b in traced[5:]] == [skip] * 4
    dashed = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(dashed) == 8 + (4 if skip else 0)  # block-to-block arrows + skips


def test_unet_diagram_reports_the_models_real_widths():
    from medlearn import viz

    net = UNet(3, 1, 3, channels=(4, 8, 16))
    traced = viz.trace_unet(net, (1, 1, 8, 16, 16))
    assert [b["channels"] for b in traced] == [4, 8, 16, 8, 4]
    assert traced[2]["size"] == (2, 4, 4)
