"""Tests of medlearn.conv and medlearn.receptive_field (chapter 02, convolution).

Oracles: torch.nn.functional (conv, pooling, unfold), torch autograd, a brute
force propagation of index sets, numpy.convolve, and the published receptive
field table of Araujo, Norris & Sim, "Computing Receptive Fields of
Convolutional Neural Networks", Distill 2019, computed with the TF-Slim models:
google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md (columns RF,
effective stride, effective padding).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from medlearn.conv import (
    Conv2d,
    Conv3d,
    avg_pool2d,
    avg_pool3d,
    conv2d,
    conv3d,
    conv_output_size,
    im2col,
    max_pool2d,
    max_pool3d,
)
from medlearn.receptive_field import (
    Layer,
    ReceptiveField,
    effective_receptive_field,
    empirical_receptive_field,
    physical_receptive_field,
    receptive_field,
    receptive_field_of,
)

IMPLS = ("loops", "unfold", "torch")
CONV = {2: (conv2d, F.conv2d), 3: (conv3d, F.conv3d)}
POOL = {
    ("max", 2): (max_pool2d, F.max_pool2d),
    ("max", 3): (max_pool3d, F.max_pool3d),
    ("avg", 2): (avg_pool2d, F.avg_pool2d),
    ("avg", 3): (avg_pool3d, F.avg_pool3d),
}
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


# ---------------------------------------------------------------- convolution


@st.composite
def conv_configs(draw):
    """A tiny random convolution: loops must stay fast, so outputs stay small."""
    n = draw(st.sampled_from([2, 3]))
    groups = draw(st.sampled_from([1, 2, 3]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(n))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(n))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(n))
    if draw(st.booleans()) and all(s == 1 for s in stride):
        padding = "same"
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    size = tuple(
        draw(st.integers(max(1, s - 2), s + (5 if n == 2 else 2))) for s in span
    )
    if padding != "same":
        assume(all(m + 2 * p >= s for m, p, s in zip(size, padding, span, strict=True)))
    return dict(
        n=n,
        groups=groups,
        c_in=groups * draw(st.integers(1, 2)),
        c_out=groups * draw(st.integers(1, 2)),
        batch=draw(st.integers(1, 2)),
        bias=draw(st.booleans()),
        kernel=kernel,
        size=size,
        args=dict(stride=stride, padding=padding, dilation=dilation, groups=groups),
        seed=draw(st.integers(0, 2**16)),
    )


def _conv_inputs(cfg, device="cpu"):
    g = torch.Generator().manual_seed(cfg["seed"])
    shape = (cfg["batch"], cfg["c_in"], *cfg["size"])
    w_shape = (cfg["c_out"], cfg["c_in"] // cfg["groups"], *cfg["kernel"])
    x = torch.randn(shape, generator=g, dtype=torch.float64)  # (B, C_in, *S)
    w = torch.randn(w_shape, generator=g, dtype=torch.float64)  # (C_out, C_g, *K)
    b = torch.randn(cfg["c_out"], generator=g, dtype=torch.float64)
    b = b if cfg["bias"] else None
    return [None if t is None else t.to(device).requires_grad_() for t in (x, w, b)]


def _value_and_grads(fn, x, w, b, **kwargs):
    out = fn(x, w, b, **kwargs)
    upstream = torch.linspace(-1, 1, out.numel(), dtype=out.dtype, device=out.device)
    inputs = [t for t in (x, w, b) if t is not None]
    grads = torch.autograd.grad((out * upstream.view(out.shape)).sum(), inputs)
    return out, grads


SAME_WARNING = "ignore:Using padding='same'"  # torch's own note on even kernels


@pytest.mark.filterwarnings(SAME_WARNING)
@settings(max_examples=25, deadline=None)
@given(cfg=conv_configs())
def test_conv_equals_torch_values_and_gradients(cfg):
    ours, theirs = CONV[cfg["n"]]
    x, w, b = _conv_inputs(cfg)
    ref, ref_grads = _value_and_grads(theirs, x, w, b, **cfg["args"])
    for impl in IMPLS:
        out, grads = _value_and_grads(ours, x, w, b, impl=impl, **cfg["args"])
        torch.testing.assert_close(out, ref, msg=f"{impl} values")
        for got, want in zip(grads, ref_grads, strict=True):
            torch.testing.assert_close(got, want, msg=f"{impl} gradients")


@pytest.mark.parametrize("impl", ["unfold", "torch"])
def test_conv_realistic_layer_float32(impl):
    # (B, C, H, W) = (2, 16, 32, 32), 3x3 "same", stride 2 and groups 4
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 16, 32, 32, generator=g)
    w = torch.randn(8, 4, 3, 3, generator=g)
    out = conv2d(x, w, stride=2, padding=1, groups=4, impl=impl)
    ref = F.conv2d(x, w, stride=2, padding=1, groups=4)
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)


def test_pattern_matching_edge_kernel():
    # a vertical step edge: a Sobel-x kernel fires on the edge column only
    x = torch.zeros(1, 1, 5, 6)
    x[..., 3:] = 1.0  # (1, 1, 5, 6)
    sobel = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]).view(1, 1, 3, 3)
    out = conv2d(x, sobel, impl="loops")  # (1, 1, 3, 4)
    assert out[0, 0].tolist() == [[0.0, 4.0, 4.0, 0.0]] * 3


@pytest.mark.parametrize(
    "kernel, stride, padding, dilation",
    [(3, 1, 0, 1), ((3, 2), (2, 1), 1, (1, 2)), (2, 3, (0, 1), 2), (1, 1, 0, 1)],
)
def test_im2col_equals_torch_unfold(kernel, stride, padding, dilation):
    x = torch.randn(2, 3, 9, 8, generator=torch.Generator().manual_seed(1))
    ours = im2col(x, kernel, stride, padding, dilation)  # (B, C*K, L)
    ref = F.unfold(x, kernel, dilation=dilation, padding=padding, stride=stride)
    torch.testing.assert_close(ours, ref)


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(1, 20),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
)
def test_conv_output_size_matches_torch(size, k, s, p, d):
    assume(size + 2 * p >= d * (k - 1) + 1)
    out = F.conv1d(torch.zeros(1, 1, size), torch.zeros(1, 1, k), None, s, p, d)
    assert conv_output_size(size, k, s, p, d) == out.shape[-1]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(w=(4, 2, 3, 3), x=(1, 3, 8, 8)), "channels"),
        (dict(w=(3, 2, 3, 3), x=(1, 4, 8, 8), groups=2), "groups"),
        (dict(w=(4, 2, 3, 3), x=(1, 2, 8, 8), impl="fft"), "impl"),
        (dict(w=(4, 2, 9, 9), x=(1, 2, 8, 8)), "kernel"),
        (dict(w=(4, 2, 3, 3), x=(1, 2, 8, 8), bias=(3,)), "bias"),
        (dict(w=(4, 2, 3, 3), x=(1, 2, 8, 8), stride=2, padding="same"), "same"),
        (dict(w=(4, 2, 3, 3), x=(2, 8, 8)), "x must"),
        (dict(w=(4, 2, 3, 3), x=(1, 2, 8, 8), stride=0), "stride"),
        (dict(w=(4, 2, 3, 3), x=(1, 2, 8, 8), padding="full"), "padding"),
    ],
)
def test_conv_rejects_bad_input(kwargs, match):
    x, w = torch.zeros(kwargs.pop("x")), torch.zeros(kwargs.pop("w"))
    bias = torch.zeros(kwargs.pop("bias")) if "bias" in kwargs else None
    with pytest.raises(ValueError, match=match):
        conv2d(x, w, bias, **kwargs)


@pytest.mark.parametrize("impl", IMPLS)
def test_conv_modules_equal_torch_modules(impl):
    torch.manual_seed(0)
    ours2, ours3 = Conv2d(2, 4, 3, padding=1, impl=impl), Conv3d(2, 3, 3, 2, impl=impl)
    ref2, ref3 = nn.Conv2d(2, 4, 3, padding=1), nn.Conv3d(2, 3, 3, 2)
    ref2.load_state_dict(ours2.state_dict())
    ref3.load_state_dict(ours3.state_dict())
    x2, x3 = torch.randn(1, 2, 6, 6), torch.randn(1, 2, 5, 5, 5)
    torch.testing.assert_close(ours2(x2), ref2(x2))
    torch.testing.assert_close(ours3(x3), ref3(x3))
    with pytest.raises(ValueError, match="impl"):
        Conv2d(1, 1, 3, impl="winograd")


# ---------------------------------------------------------------- pooling


@st.composite
def pool_configs(draw):
    mode, n = draw(st.sampled_from(sorted(POOL)))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    extra = {}
    if mode == "max":
        extra["dilation"] = draw(st.integers(1, 2))
    else:
        extra["count_include_pad"] = draw(st.booleans())
    d = extra.get("dilation", 1)
    size = tuple(draw(st.integers(d * (k - 1) + 1, 7)) for k in kernel)
    args = dict(kernel_size=kernel, stride=stride, padding=padding, **extra)
    return mode, n, size, args, draw(st.integers(0, 2**16))


@settings(max_examples=25, deadline=None)
@given(cfg=pool_configs())
def test_pooling_equals_torch_values_and_gradients(cfg):
    mode, n, size, args, seed = cfg
    ours, theirs = POOL[(mode, n)]
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 3, *size, generator=g, dtype=torch.float64).requires_grad_()
    out, ref = ours(x, **args), theirs(x, **args)
    torch.testing.assert_close(out, ref)
    upstream = torch.randn(ref.shape, generator=g, dtype=torch.float64)
    (grad,) = torch.autograd.grad((out * upstream).sum(), x)
    (ref_grad,) = torch.autograd.grad((ref * upstream).sum(), x)
    torch.testing.assert_close(grad, ref_grad)


def test_pooling_rejects_bad_input():
    with pytest.raises(ValueError, match="padding"):
        max_pool2d(torch.zeros(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(ValueError, match="x must"):
        avg_pool3d(torch.zeros(1, 1, 8, 8), 2)


# ---------------------------------------------------------------- receptive fields


def test_one_layer_sees_3_two_see_5():
    assert receptive_field([Layer(3)]).size == (3, 3)
    assert receptive_field([Layer(3), Layer(3)]).size == (5, 5)
    # after a stride-2 pool a 3x3 conv adds (3 - 1) * 2 = 4 pixels, not 2
    assert receptive_field([Layer(2, 2), Layer(3)]).size == (6, 6)
    assert receptive_field([Layer(3), Layer(2, 2), Layer(3)]).size == (8, 8)


def _vgg16():
    """VGG-16 to pool5 with its end-point names (3x3/1/1 convs, 2x2/2 pools)."""
    layers = []
    for block, convs in enumerate([2, 2, 3, 3, 3], start=1):
        layers += [Layer(3, 1, 1, name=f"conv{block}_{i}") for i in range(1, convs + 1)]
        layers.append(Layer(2, 2, 0, name=f"pool{block}"))
    return layers


# RECEPTIVE_FIELD_TABLE.md, vgg_16 rows (RF, effective stride, effective padding).
# By hand: r += (k-1)*j, P += p*j, j *= s. Block 5 starts at r=100, j=16, P=42;
# conv5_1..3 add 2*16 and 1*16 each: conv5_3 = 196/16/90; pool5 adds 1*16: 212/32/90.
VGG16_TABLE = {
    "conv1_1": (3, 1, 1),
    "pool1": (6, 2, 2),
    "conv2_1": (10, 2, 4),
    "pool2": (16, 4, 6),
    "conv3_1": (24, 4, 10),
    "conv3_2": (32, 4, 14),
    "pool3": (44, 8, 18),
    "conv4_1": (60, 8, 26),
    "conv4_2": (76, 8, 34),
    "pool4": (100, 16, 42),
    "conv5_1": (132, 16, 58),
    "conv5_2": (164, 16, 74),
    "conv5_3": (196, 16, 90),  # not in the table; by hand above
    "pool5": (212, 32, 90),
}

# alexnet_v2 (TF-Slim): conv1 11/4 VALID, pool1 3/2, conv2 5x5 SAME (p=2),
# pool2 3/2, conv3-5 3x3 SAME (p=1), pool5 3/2. By hand: conv1 11/4/0;
# pool1 11+2*4=19/8/0; conv2 19+4*8=51, P=2*8=16; pool2 51+2*8=67/16/16;
# conv3..5 +2*16 and +1*16 each: 99/32, 131/48, 163/64; pool5 163+2*16=195/32/64.
ALEXNET_TABLE = {
    "conv1": (11, 4, 0),
    "pool1": (19, 8, 0),
    "conv2": (51, 8, 16),
    "conv3": (99, 16, 32),
    "conv4": (131, 16, 48),
    "conv5": (163, 16, 64),
    "pool5": (195, 32, 64),
}
ALEXNET = [
    Layer(11, 4, 0, name="conv1"),
    Layer(3, 2, 0, name="pool1"),
    Layer(5, 1, 2, name="conv2"),
    Layer(3, 2, 0, name="pool2"),
    Layer(3, 1, 1, name="conv3"),
    Layer(3, 1, 1, name="conv4"),
    Layer(3, 1, 1, name="conv5"),
    Layer(3, 2, 0, name="pool5"),
]


def _resnet50(stride_in_last_unit: bool):
    """ResNet-50's longest path: stem, then per unit 1x1, 3x3 (maybe strided), 1x1.

    TF-Slim resnet_v1_50 strides the 3x3 of the *last* unit of blocks 1-3 (what
    the table measures); torchvision strides the *first* unit of stages 2-4.
    """
    layers = [Layer(7, 2, 3, name="conv1"), Layer(3, 2, 1, name="pool1")]
    ends = {}
    for block, (units, stride) in enumerate(zip([3, 4, 6, 3], [2, 2, 2, 1]), 1):
        if not stride_in_last_unit:
            stride = 1 if block == 1 else 2
        for unit in range(1, units + 1):
            strided = unit == (units if stride_in_last_unit else 1)
            layers += [Layer(1), Layer(3, stride if strided else 1, 1), Layer(1)]
        ends[f"block{block}"] = len(layers)
    return layers, ends


# resnet_v1_50 rows at resolution 224 (padding of the strided 3x3 is 1 there).
# By hand, slim: stem 7/2/3 then pool 11/4/3 (SAME pads 0 before on even inputs,
# so the table's P keeps 3 -- block1 = 3 + 3*4 = 15 below confirms it); block1
# units 1-2 add 2*4 each, unit 3 (stride 2) 2*4: 35/8/15; block2 3*16+16: 99/16/47;
# block3 5*32+32: 291/32/143; block4 3*64: 483/32/239.
RESNET50_TABLE = {
    "block1": (35, 8, 15),
    "block2": (99, 16, 47),
    "block3": (291, 32, 143),
    "block4": (483, 32, 239),
}


def _check(rf: ReceptiveField, expected):
    size, jump, padding = expected
    assert (rf.size, rf.jump, rf.padding) == ((size,) * 2, (jump,) * 2, (padding,) * 2)


@pytest.mark.parametrize("endpoint", sorted(VGG16_TABLE))
def test_vgg16_matches_published_table(endpoint):
    layers = _vgg16()
    names = [layer.name for layer in layers]
    _check(receptive_field(layers[: names.index(endpoint) + 1]), VGG16_TABLE[endpoint])


@pytest.mark.parametrize("endpoint", sorted(ALEXNET_TABLE))
def test_alexnet_matches_published_table(endpoint):
    names = [layer.name for layer in ALEXNET]
    rf = receptive_field(ALEXNET[: names.index(endpoint) + 1])
    _check(rf, ALEXNET_TABLE[endpoint])


def test_resnet50_matches_published_table():
    layers, ends = _resnet50(stride_in_last_unit=True)
    # slim's SAME max pool pads (0, 1) on a 112 input: 0 before, as the table has
    layers[1] = Layer(3, 2, 0, name="pool1")
    for block, expected in RESNET50_TABLE.items():
        _check(receptive_field(layers[: ends[block]]), expected)


def test_resnet50_torchvision_layout():
    # by hand: stem 7/2 then pool 11/4; layer1 +3*2*4 = 35/4; layer2 +2*4 then
    # +3*2*8 = 91/8; layer3 +2*8 +5*2*16 = 267/16; layer4 +2*16 +2*2*32 = 427/32.
    # P: 3, 3+1*2=5, +3*4=17, +4+3*8=45, +8+5*16=133, +16+2*32=213.
    layers, ends = _resnet50(stride_in_last_unit=False)
    expected = {"block1": (35, 4, 17), "block2": (91, 8, 45)}
    expected |= {"block3": (267, 16, 133), "block4": (427, 32, 213)}
    for block, sizes in expected.items():
        _check(receptive_field(layers[: ends[block]]), sizes)
    rf = receptive_field(layers)
    assert rf.start == (0.0, 0.0)  # output 0 is centred on input pixel 0


def _as_module(layers, channels=2, relu=True):
    """Conv2d (+ BatchNorm, ReLU, Dropout) per layer, MaxPool2d for "pool*"."""
    modules = []
    for layer in layers:
        k, s, p, d = layer.axes(2)
        if layer.name.startswith("pool"):
            modules += [nn.MaxPool2d(k, s, p, d)]
            continue
        modules += [nn.Conv2d(channels, channels, k, s, p, d), nn.BatchNorm2d(channels)]
        modules += [nn.ReLU(), nn.Dropout(0.5)] if relu else [nn.Dropout(0.5)]
    return nn.Sequential(nn.Conv2d(3, channels, 1), nn.Sequential(*modules))


@pytest.mark.parametrize("name", ["vgg16", "alexnet"])
def test_receptive_field_of_real_modules(name):
    layers = _vgg16() if name == "vgg16" else ALEXNET
    module = _as_module(layers)
    assert receptive_field_of(module, (1, 3, 224, 224)) == receptive_field(layers)


@pytest.mark.filterwarnings(SAME_WARNING)
def test_receptive_field_of_errors_and_same_padding():
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Sequential(nn.Flatten()))
    with pytest.raises(TypeError, match=r"module\.1\.0 \(Flatten\)"):
        receptive_field_of(net, (1, 1, 8, 8))
    with pytest.raises(ValueError, match="3 spatial axes"):
        receptive_field_of(nn.Conv3d(1, 1, 3), (1, 1, 8, 8))
    with pytest.raises(ValueError, match="input_shape"):
        receptive_field_of(nn.Conv2d(1, 1, 3), (8, 8))
    with pytest.raises(TypeError, match="InstanceNorm2d"):
        receptive_field_of(nn.InstanceNorm2d(1), (1, 1, 8, 8))
    rf = receptive_field_of(nn.InstanceNorm2d(1), (1, 1, 8, 8), (nn.InstanceNorm2d,))
    assert rf.size == (1, 1)
    # "same" with an even kernel pads (1, 2): checked against the gradient
    net = nn.Sequential(nn.Conv2d(1, 1, 4, padding="same", dilation=(1, 2)))
    rf = receptive_field_of(net, (1, 1, 16, 16))
    grads = empirical_receptive_field(net, (1, 1, 16, 16), output_index=(0, 5))
    assert rf.region((0, 5)) == ((-1, 3), (2, 9)) and grads.region == ((0, 3), (2, 9))


def _propagate(layers, index, sizes=None):
    """Brute force: the input indices a 1D output index reaches, layer by layer.

    With ``sizes`` (the length before each layer), indices that fall in the
    zero padding of a layer's input are dropped: nothing flows through them.
    """
    positions = {index}
    for i, layer in reversed(list(enumerate(layers))):
        k, s, p, d = (v[0] for v in layer.axes(1))
        positions = {o * s - p + t * d for o in positions for t in range(k)}
        if sizes is not None:
            positions = {q for q in positions if 0 <= q < sizes[i]}
    return positions


layer_lists = st.lists(
    st.builds(
        Layer,
        kernel=st.integers(1, 5),
        stride=st.integers(1, 3),
        padding=st.integers(0, 2),
        dilation=st.integers(1, 3),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None)
@given(layers=layer_lists, index=st.integers(0, 10))
def test_region_equals_brute_force_propagation(layers, index):
    rf = receptive_field(layers, spatial_dims=1)
    ((start, stop),) = rf.region(index)
    positions = _propagate(layers, index)
    assert (start, stop) == (min(positions), max(positions) + 1)
    assert stop - start == rf.size[0]


@settings(max_examples=20, deadline=None)
@given(layers=layer_lists, seed=st.integers(0, 2**16), data=st.data())
def test_empirical_equals_analytic_on_conv_stacks(layers, seed, data):
    sizes = [40]  # length before each layer, then the output length
    for layer in layers:
        sizes.append(conv_output_size(sizes[-1], *(v[0] for v in layer.axes(1))))
        assume(sizes[-1] >= 1)
    index = tuple(data.draw(st.integers(0, sizes[-1] - 1)) for _ in range(2))
    # oracle: the input pixels reached per axis, through real (unpadded) pixels
    reached = [_propagate(layers, i, sizes) for i in index]
    assume(all(reached))
    torch.manual_seed(seed)
    module = _as_module(layers, relu=False).double()  # linear: no dead paths
    shape = (1, 3, sizes[0], sizes[0])
    grads = empirical_receptive_field(module, shape, index, seed=seed)
    assert grads.region == tuple((min(r), max(r) + 1) for r in reached)
    # the analytic region clipped to the image, where no gap or padding cuts it
    rf = receptive_field_of(module, shape)
    clipped = tuple((max(a, 0), min(b, sizes[0])) for a, b in rf.region(index))
    if all(len(r) == b - a for r, (a, b) in zip(reached, clipped, strict=True)):
        assert grads.region == clipped


def test_empirical_with_relu_equals_analytic():
    layers = [
        Layer(3, 1, 1),
        Layer(3, 2, 1),
        Layer(3, 1, 2, 2),
        Layer(2, 2, 0, name="pool"),
    ]
    torch.manual_seed(0)
    module = _as_module(layers, channels=8)
    rf = receptive_field_of(module, (1, 3, 48, 48))
    grads = empirical_receptive_field(module, (1, 3, 48, 48), num_samples=8)
    assert grads.region == rf.region(grads.output_index)


def test_empirical_on_a_residual_block_follows_the_main_path():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, 2, 1)
            )
            self.skip = nn.Conv2d(8, 8, 1, 2)

        def forward(self, x):
            return self.body(x) + self.skip(x)

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), Residual(), Residual())
    main = [Layer(3, 1, 1), Layer(3, 1, 1), Layer(3, 2, 1)] + [
        Layer(3, 1, 1),
        Layer(3, 2, 1),
    ]
    with pytest.raises(TypeError, match="Residual"):
        receptive_field_of(net, (1, 1, 32, 32))
    grads = empirical_receptive_field(net, (1, 1, 32, 32), output_index=4)
    rf = receptive_field(main)
    assert rf.size == (15, 15) and grads.region == rf.region(4)


def test_effective_field_is_gaussian_like_and_grows_as_sqrt_depth():
    # linear stack of all-ones 3x3 convs: the gradient map is the n-fold
    # convolution of [1, 1, 1] on each axis (numpy), of variance n * 2 / 3
    def erf(depth):
        convs = [nn.Conv2d(1, 1, 3, padding=1, bias=False) for _ in range(depth)]
        for conv in convs:
            nn.init.ones_(conv.weight)
        net = nn.Sequential(*convs).double()  # 3**32 paths: exact in float64
        return effective_receptive_field(net, (1, 1, 48, 48), num_samples=2)

    shallow, deep = erf(4), erf(16)
    profile = np.ones(1)
    for _ in range(16):
        profile = np.convolve(profile, np.ones(3))
    expected = np.outer(profile, profile) / profile.sum() ** 2  # (33, 33)
    (y0, y1), (x0, x1) = deep.region
    assert (y1 - y0, x1 - x0) == (33, 33)
    np.testing.assert_allclose(deep.map[y0:y1, x0:x1].numpy(), expected, rtol=1e-9)
    np.testing.assert_allclose(deep.std, [math.sqrt(16 * 2 / 3)] * 2, rtol=1e-9)
    np.testing.assert_allclose(np.divide(deep.std, shallow.std), [2.0, 2.0], rtol=1e-9)
    assert deep.center == pytest.approx((23.0, 23.0))
    # the theoretical field is 33 wide, the effective one +-1 std ~ 6.5 wide
    assert 2 * deep.std[0] < deep.size[0] / 4


def test_empirical_under_max_pooling_is_within_the_analytic_field():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Conv2d(4, 1, 3))
    rf = receptive_field_of(net, (1, 1, 20, 20))
    grads = empirical_receptive_field(net, (1, 1, 20, 20), num_samples=2)
    for (a, b), (c, d) in zip(grads.region, rf.region(grads.output_index), strict=True):
        assert c <= a < b <= d


def test_gradient_maps_restore_training_mode_and_validate():
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.BatchNorm2d(1)).train()
    empirical_receptive_field(net, (2, 1, 8, 8))
    assert net.training
    with pytest.raises(ValueError, match="output_index"):
        empirical_receptive_field(net, (1, 1, 8, 8), output_index=6)
    with pytest.raises(ValueError, match="num_samples"):
        effective_receptive_field(net, (1, 1, 8, 8), num_samples=0)


@pytest.mark.parametrize(
    "measure", [empirical_receptive_field, effective_receptive_field]
)
def test_gradient_maps_keep_a_frozen_batchnorm_frozen(measure):
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.BatchNorm2d(1), nn.Conv2d(1, 1, 3))
    net.train()[1].eval()  # frozen BatchNorm inside a training model
    measure(net, (1, 1, 8, 8), num_samples=1)
    assert net.training and not net[1].training
    with pytest.raises(ValueError, match="output_index"):  # and when it raises
        measure(net, (1, 1, 8, 8), output_index=9)
    assert net.training and not net[1].training


def test_layer_validation_and_anisotropic_layers():
    with pytest.raises(ValueError, match="kernel"):
        Layer(0)
    with pytest.raises(ValueError, match="padding"):
        Layer(3, padding=-1)
    with pytest.raises(ValueError, match="axes"):
        Layer((3, 3), stride=(1, 1, 1))
    with pytest.raises(ValueError, match="one number of axes"):
        receptive_field([Layer((3, 3)), Layer((3, 3, 3))])
    # in-plane 3x3 on thick slices: (1, 3, 3) kernels grow z slower than y, x
    rf = receptive_field([Layer((1, 3, 3), padding=(0, 1, 1))] * 2 + [Layer(3)])
    assert rf.size == (3, 7, 7) and rf.region((0, 2, 2)) == ((0, 3), (0, 7), (0, 7))


def test_physical_receptive_field_anisotropic_mri():
    rf = receptive_field([Layer(3)], spatial_dims=3)  # one 3x3x3 kernel
    assert physical_receptive_field(rf, (5.0, 0.8, 0.8)) == pytest.approx(
        (15, 2.4, 2.4)
    )
    # two layers: 5 voxels per axis; the order of spacing follows (z, y, x)
    two = receptive_field([Layer(3), Layer(3)], spatial_dims=3)
    assert physical_receptive_field(two, (0.8, 0.8, 5.0)) == pytest.approx((4, 4, 25))
    assert physical_receptive_field((3, 3), (2.0, 0.5)) == pytest.approx((6.0, 1.5))
    with pytest.raises(ValueError, match="spacing"):
        physical_receptive_field(rf, (0.8, 0.8))
    with pytest.raises(ValueError, match="spacing"):
        physical_receptive_field(rf, (5.0, 0.0, 0.8))


# ---------------------------------------------------------------- CUDA


@pytest.mark.cuda
@cuda
@pytest.mark.filterwarnings(SAME_WARNING)
@settings(max_examples=10, deadline=None)
@given(cfg=conv_configs())
def test_conv_on_cuda_equals_cpu(cfg):
    ours, _ = CONV[cfg["n"]]
    cpu_inputs, gpu_inputs = _conv_inputs(cfg), _conv_inputs(cfg, "cuda")
    for impl in IMPLS:
        ref, ref_grads = _value_and_grads(ours, *cpu_inputs, impl=impl, **cfg["args"])
        out, grads = _value_and_grads(ours, *gpu_inputs, impl=impl, **cfg["args"])
        assert out.device.type == "cuda"
        torch.testing.assert_close(out.cpu(), ref)
        for got, want in zip(grads, ref_grads, strict=True):
            torch.testing.assert_close(got.cpu(), want)


@pytest.mark.cuda
@cuda
def test_pooling_and_gradient_maps_on_cuda_equal_cpu():
    x = torch.randn(2, 3, 9, 9, 9, dtype=torch.float64)
    for (_, n), (ours, _) in POOL.items():
        xn = x if n == 3 else x[..., 0]
        out = ours(xn.cuda(), 3, 2, 1)
        torch.testing.assert_close(out.cpu(), ours(xn, 3, 2, 1))
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 1, 3, 2)).double()
    cpu = effective_receptive_field(net, (1, 1, 16, 16))
    gpu = effective_receptive_field(net.cuda(), (1, 1, 16, 16))
    assert gpu.map.device.type == "cuda"
    torch.testing.assert_close(gpu.map.cpu(), cpu.map)


def test_gradient_map_region_of_an_unreachable_output_is_a_clear_error():
    from medlearn.receptive_field import GradientMap

    with pytest.raises(ValueError, match="does not depend on the input"):
        _ = GradientMap(torch.zeros(4, 4), (1, 1)).region


def test_gradient_map_moments_follow_the_map_device():
    """centre and std build their coordinate grids where the map is (CUDA in use)."""
    from medlearn.receptive_field import GradientMap

    grad = GradientMap(
        torch.rand(5, 7, generator=torch.Generator().manual_seed(0)), (2, 3)
    )
    expected = grad.center, grad.std
    with torch.device("meta"):  # a default device that holds no data
        assert (grad.center, grad.std) == expected
