"""Tests of medlearn.attention and medlearn.wsi (chapter 04, attention).

Oracles: torch.nn.functional.scaled_dot_product_attention,
torch.nn.MultiheadAttention, torch.nn.functional.conv2d/conv3d, MONAI's
SwinUNETR building blocks (window_partition, window_reverse, compute_mask,
WindowAttention, BasicLayer, PatchMerging), torch autograd (which tokens an
output depends on; gradcheck of WindowAttentionFunction), and hand-computed
FLOP counts from Liu et al. (2021).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import medlearn.attention.swin as swin_module
from medlearn.attention import (
    MultiHeadSelfAttention,
    PatchEmbed,
    PatchMerging,
    SwinBlock,
    SwinEncoder,
    ViT,
    WindowAttention,
    attention_flops,
    attention_scaling,
    attention_weights,
    growth_exponent,
    merge_neighbours,
    patchify,
    relative_position_index,
    scaled_dot_product_attention,
    shifted_window_mask,
    window_partition,
    window_reverse,
)
from medlearn.attention.window_kernel import (
    WindowAttentionFunction,
    window_attention_heads,
)
from medlearn.timing import peak_memory
from medlearn.wsi import apply_tiled, enlarge_to_memmap, tile_starts, tile_weights

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
GRIDS = {2: ((8, 12), (4, 4)), 3: ((4, 6, 8), (2, 3, 4))}  # spatial, window


def _monai_swin():  # noqa: ANN202 - MONAI is the reference; imported when a test needs it
    """MONAI's Swin module, imported on first use (``import monai`` takes seconds)."""
    from monai.networks.nets import swin_unetr

    return swin_unetr


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randomise(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Non-trivial weights everywhere (LayerNorms and bias tables included)."""
    g = _gen(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    return module


# ---------------------------------------------------------------- attention core


@settings(max_examples=20, deadline=None)
@given(
    batch=st.integers(1, 3),
    lq=st.integers(1, 9),
    lk=st.integers(1, 9),
    e=st.integers(1, 8),
    ev=st.integers(1, 8),
    mask_kind=st.sampled_from([None, "bool", "float"]),
    seed=st.integers(0, 1000),
)
def test_sdpa_from_definition_equals_torch(batch, lq, lk, e, ev, mask_kind, seed):
    g = _gen(seed)
    q = torch.randn(batch, 2, lq, e, generator=g)  # (B, heads, L, E)
    k = torch.randn(batch, 2, lk, e, generator=g)  # (B, heads, S, E)
    v = torch.randn(batch, 2, lk, ev, generator=g)  # (B, heads, S, Ev)
    mask = None
    if mask_kind == "bool":
        mask = torch.rand(lq, lk, generator=g) > 0.4
        mask[:, 0] = True  # every query keeps at least one key
    elif mask_kind == "float":
        mask = torch.randn(batch, 1, lq, lk, generator=g)
    ours = scaled_dot_product_attention(q, k, v, mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)
    weights = attention_weights(q, k, mask)  # (B, heads, L, S)
    torch.testing.assert_close(weights.sum(-1), torch.ones(batch, 2, lq))


def test_sdpa_gradients_equal_torch():
    g = _gen(1)
    q, k, v = (torch.randn(2, 3, 5, 4, generator=g, requires_grad=True) for _ in "qkv")
    mask = torch.randn(5, 5, generator=g)
    (scaled_dot_product_attention(q, k, v, mask) ** 2).sum().backward()
    ours = [t.grad.clone() for t in (q, k, v)]
    for t in (q, k, v):
        t.grad = None
    (F.scaled_dot_product_attention(q, k, v, attn_mask=mask) ** 2).sum().backward()
    for a, t in zip(ours, (q, k, v), strict=True):
        torch.testing.assert_close(a, t.grad, atol=1e-5, rtol=1e-5)


def test_attention_rejects_mismatched_features():
    with pytest.raises(ValueError, match="q and k"):
        attention_weights(torch.zeros(1, 3, 4), torch.zeros(1, 3, 5))
    with pytest.raises(ValueError, match="k and v"):
        scaled_dot_product_attention(
            torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(2, 4)
        )


@pytest.mark.parametrize("mask", [None, "bool"])
def test_multihead_equals_torch_multiheadattention(mask):
    torch.manual_seed(0)
    ours = _randomise(MultiHeadSelfAttention(dim=12, num_heads=3))
    ref = torch.nn.MultiheadAttention(12, 3, batch_first=True)
    with torch.no_grad():  # qkv rows are [q; k; v], the layout of in_proj_weight
        ref.in_proj_weight.copy_(ours.qkv.weight)
        ref.in_proj_bias.copy_(ours.qkv.bias)
        ref.out_proj.weight.copy_(ours.proj.weight)
        ref.out_proj.bias.copy_(ours.proj.bias)
    x = torch.randn(2, 7, 12, generator=_gen(2))  # (B, N, C)
    keep = torch.tril(torch.ones(7, 7, dtype=torch.bool)) if mask else None
    expected, _ = ref(x, x, x, attn_mask=None if keep is None else ~keep)
    for fused in (True, False):
        ours.fused = fused
        torch.testing.assert_close(ours(x, keep), expected, atol=1e-5, rtol=1e-5)


def test_multihead_rejects_bad_heads():
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadSelfAttention(dim=10, num_heads=3)


@pytest.mark.parametrize(
    ("n", "c", "window", "expected"),
    [
        # global: 4 n C^2 + 2 n^2 C = 4*16*16 + 2*256*4 = 1024 + 2048
        (16, 4, None, 3072),
        # windows of 2 x 2 = 4 tokens: 4 n C^2 + 2 M^2 n C = 1024 + 2*4*16*4
        (16, 4, 2, 1536),
        # 3D windows of 2 x 2 x 3 = 12 tokens: 4*24*9 + 2*12*24*3 = 864 + 1728
        (24, 3, (2, 2, 3), 2592),
        # one window holding every token costs the same as global attention
        (49, 8, 7, attention_flops(49, 8)),
    ],
)
def test_attention_flops_by_hand(n, c, window, expected):
    assert attention_flops(n, c, window) == expected


def test_attention_flops_growth():
    # doubling the tokens: windowed cost doubles, the global n^2 term quadruples
    n, c = 4096, 32
    windowed = [attention_flops(m, c, 8) for m in (n, 2 * n)]
    assert windowed[1] == 2 * windowed[0]
    quad = [attention_flops(m, c) - 4 * m * c**2 for m in (n, 2 * n)]
    assert quad[1] == 4 * quad[0]


def test_peak_memory_by_hand():
    n, d = 256, 8
    q = torch.randn(1, n, d, generator=_gen(30))
    # explicit attention holds two n x n float32 matrices at once (scores and
    # their scaled copy, then scaled scores and softmax): 2 * n^2 * 4 bytes
    assert peak_memory(lambda: scaled_dot_product_attention(q, q, q)) == 2 * n * n * 4
    assert peak_memory(lambda: q.add_(1)) == 0  # in place: nothing new
    assert peak_memory(lambda: q.transpose(1, 2)) == 0  # a view: nothing new

    def two_in_turn():
        a = torch.zeros(1024)
        del a
        return torch.zeros(1024)

    assert peak_memory(two_in_turn) == 4096  # the first is freed before the second


def test_growth_exponent_and_scaling_rows():
    sizes = np.array([4.0, 16.0, 64.0, 256.0])
    assert growth_exponent(sizes, 3 * sizes**2) == pytest.approx(2.0)
    assert growth_exponent(sizes, 5 * sizes) == pytest.approx(1.0)
    rows = attention_scaling(sides=(4, 8, 16), dim=8, window=4, repeats=1)
    assert [r["tokens"] for r in rows] == [16, 64, 256]
    # one window over the whole grid costs what global attention costs
    assert rows[0]["flops_global"] == rows[0]["flops_windowed"]
    mem_g = growth_exponent([16, 64, 256], [r["memory_global"] for r in rows])
    mem_w = growth_exponent([16, 64, 256], [r["memory_windowed"] for r in rows])
    assert mem_g > 1.6 and mem_w < 1.2


# ---------------------------------------------------------------- patches and ViT


@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_patch_embed_equals_patchify_matmul(spatial_dims):
    size, patch = ((12, 8), (4, 2)) if spatial_dims == 2 else ((4, 6, 8), (2, 3, 4))
    embed = _randomise(
        PatchEmbed(spatial_dims, in_channels=3, embed_dim=5, patch_size=patch)
    )
    x = torch.randn(2, 3, *size, generator=_gen(3))  # (N, C, *spatial)
    tokens = patchify(x, patch) @ embed.proj.weight.flatten(1).T + embed.proj.bias
    grid = embed(x)  # (N, E, *grid)
    torch.testing.assert_close(
        grid.flatten(2).transpose(1, 2), tokens, atol=1e-5, rtol=1e-5
    )


def test_patchify_rejects_indivisible():
    with pytest.raises(ValueError, match="patch_size"):
        patchify(torch.zeros(1, 1, 10, 10), 4)


@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_vit_contract(spatial_dims):
    torch.manual_seed(0)
    size = 16 if spatial_dims == 2 else 8
    model = ViT(
        spatial_dims, 2, size, 4, num_classes=3, embed_dim=16, depth=2, num_heads=2
    )
    x = torch.randn(2, 2, *(size,) * spatial_dims, generator=_gen(4))
    logits = model(x)
    assert logits.shape == (2, 3)
    logits.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    maps = model.attention_maps(x)
    tokens = 1 + (size // 4) ** spatial_dims
    assert [m.shape for m in maps] == [(2, 2, tokens, tokens)] * 2
    torch.testing.assert_close(maps[0].sum(-1), torch.ones(2, 2, tokens))
    for block in model.blocks:
        block.attn.fused = False
    torch.testing.assert_close(model(x), logits, atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------- windows


@settings(max_examples=20, deadline=None)
@given(
    dims=st.sampled_from([2, 3]),
    window=st.lists(st.integers(1, 3), min_size=3, max_size=3),
    grid=st.lists(st.integers(1, 3), min_size=3, max_size=3),
    batch=st.integers(1, 2),
)
def test_window_partition_round_trip_and_monai(dims, window, grid, batch):
    window, grid = tuple(window[:dims]), grid[:dims]
    spatial = tuple(w * g for w, g in zip(window, grid, strict=True))
    x = torch.randn(batch, *spatial, 3, generator=_gen(5))  # (N, *spatial, C)
    windows = window_partition(x, window)  # (N * nW, n, C)
    assert torch.equal(windows, _monai_swin().window_partition(x, window))
    assert torch.equal(window_reverse(windows, window, spatial), x)
    back = _monai_swin().window_reverse(windows, window, (batch, *spatial))
    assert torch.equal(back, x)


def test_window_partition_one_window_holds_a_block():
    x = torch.arange(16.0).reshape(1, 4, 4, 1)  # (N, H, W, C) values = 4 y + x
    windows = window_partition(x, 2)  # (4, 4, 1)
    assert windows[1, :, 0].tolist() == [2.0, 3.0, 6.0, 7.0]  # top-right block


def test_window_functions_reject_bad_shapes():
    with pytest.raises(ValueError, match="divisible by window_size"):
        window_partition(torch.zeros(1, 6, 8, 2), 4)
    with pytest.raises(ValueError, match="windows must be"):
        window_reverse(torch.zeros(3, 16, 2), 4, (8, 8))
    with pytest.raises(ValueError, match="shift"):
        shifted_window_mask((8, 8), 4, 4)


@pytest.mark.parametrize("dims", [2, 3])
def test_relative_position_index_equals_monai(dims):
    window = GRIDS[dims][1]
    monai_attn = _monai_swin().WindowAttention(8, 2, window)
    assert torch.equal(
        relative_position_index(window), monai_attn.relative_position_index
    )


@pytest.mark.parametrize(
    ("spatial", "window", "shift"),
    [
        ((8, 8), (4, 4), (2, 2)),
        ((8, 12), (4, 4), (1, 3)),
        ((4, 6, 8), (2, 3, 4), (1, 1, 2)),
    ],
)
def test_shifted_window_mask_equals_monai(spatial, window, shift):
    ours = shifted_window_mask(spatial, window, shift)  # (nW, n, n) bool
    theirs = _monai_swin().compute_mask(list(spatial), window, shift, "cpu")  # 0 / -100
    assert torch.equal(ours, theirs == 0)
    assert shifted_window_mask(spatial, window, 0).all()  # no shift, no mask


# ---------------------------------------------------------------- window attention


def _monai_pair(dims: int, seed: int = 0):
    window = GRIDS[dims][1]
    theirs = _randomise(
        _monai_swin().WindowAttention(12, 3, window, qkv_bias=True), seed
    )
    ours = WindowAttention(12, 3, window)
    assert "relative_position_index" in theirs.state_dict()  # MONAI saves it
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours, theirs


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("shifted", [False, True])
def test_window_attention_loads_monai_and_matches(dims, shifted):
    spatial, window = GRIDS[dims]
    ours, theirs = _monai_pair(dims)
    x = torch.randn(2, *spatial, 12, generator=_gen(6))
    windows = window_partition(x, window)  # (N * nW, n, C)
    shift = tuple(w // 2 for w in window)
    their_mask = _monai_swin().compute_mask(list(spatial), window, shift, "cpu")
    our_mask = shifted_window_mask(spatial, window, shift)
    expected = theirs(windows, their_mask if shifted else None)
    for fused in (True, False):
        ours.fused = fused
        for mask in (our_mask, their_mask):  # boolean or MONAI's additive mask
            got = ours(windows, mask if shifted else None)
            torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)


def test_window_attention_state_dict_keys_and_bad_index():
    ours, theirs = _monai_pair(2)
    assert "relative_position_index" not in ours.state_dict()  # derived, not saved
    assert set(theirs.state_dict()) - set(ours.state_dict()) == {
        "relative_position_index"
    }
    state = theirs.state_dict()
    state["relative_position_index"] = state["relative_position_index"].flip(0)
    with pytest.raises(RuntimeError, match="relative_position_index"):
        ours.load_state_dict(state, strict=True)


def test_window_attention_gradients_fused_equal_explicit():
    ours, _ = _monai_pair(2)
    x = torch.randn(12, 16, 12, generator=_gen(7))
    mask = shifted_window_mask((8, 12), 4, 2)
    grads = []
    for fused in (True, False):
        ours.fused = fused
        ours.zero_grad()
        ours(x, mask).square().sum().backward()
        grads.append([p.grad.clone() for p in ours.parameters()])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


# a batch of 2 images, so the mask repeats across images (windows batch-major)
@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("shifted", [False, True])
def test_window_attention_gradients_equal_monai(dims, shifted):
    spatial, window = GRIDS[dims]
    ours, theirs = _monai_pair(dims, seed=3)
    x = torch.randn(2, *spatial, 12, generator=_gen(4))
    windows = window_partition(x, window)  # (N * nW, n, C)
    shift = tuple(w // 2 for w in window)
    their_mask = _monai_swin().compute_mask(list(spatial), window, shift, "cpu")
    our_mask = shifted_window_mask(spatial, window, shift)
    grads = []
    for module, mask in ((theirs, their_mask), (ours, our_mask)):
        inp = windows.clone().requires_grad_()
        module(inp, mask if shifted else None).square().sum().backward()
        named = dict(module.named_parameters())
        grads.append([inp.grad] + [named[k].grad for k in sorted(named)])
    assert len(grads[0]) == len(grads[1]) == 6  # input, bias table, qkv, proj
    for theirs_grad, ours_grad in zip(*grads, strict=True):
        torch.testing.assert_close(ours_grad, theirs_grad, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("masked", [False, True])
def test_window_attention_function_gradcheck(masked):
    g = _gen(12)
    heads, n, nW, images = 2, 5, 3, 2
    qkv = torch.randn(images * nW, n, 3 * 2 * heads, dtype=torch.float64, generator=g)
    bias = torch.randn(heads, n, n, dtype=torch.float64, generator=g)
    mask = None
    if masked:  # every query keeps itself, some keys are forbidden
        keep = torch.rand(nW, n, n, generator=g) > 0.4
        keep |= torch.eye(n, dtype=torch.bool)
        mask = torch.zeros(nW, n, n, dtype=torch.float64).masked_fill(~keep, -1e9)
    qkv.requires_grad_()
    bias.requires_grad_()

    def fn(qkv, bias):
        return WindowAttentionFunction.apply(qkv, bias, mask, heads)

    assert torch.autograd.gradcheck(fn, (qkv, bias))
    # the same numbers as the definition, and without autograd too
    q, k, v = qkv.view(images * nW, n, 3, heads, 2).permute(2, 0, 3, 1, 4)
    add = bias if mask is None else bias + mask.repeat(images, 1, 1)[:, None]
    expected = scaled_dot_product_attention(q, k, v, add)  # (NW, heads, n, 2)
    expected = expected.transpose(1, 2).reshape(images * nW, n, 2 * heads)
    torch.testing.assert_close(fn(qkv, bias), expected)
    torch.testing.assert_close(window_attention_heads(qkv, bias, mask, heads), expected)


def test_window_attention_function_rejects_bad_shapes():
    qkv, bias = torch.zeros(6, 4, 12), torch.zeros(2, 4, 4)
    with pytest.raises(ValueError, match="qkv must be"):
        window_attention_heads(torch.zeros(6, 4, 10), bias, None, 2)
    with pytest.raises(ValueError, match="bias must be"):
        window_attention_heads(qkv, torch.zeros(3, 4, 4), None, 2)
    with pytest.raises(ValueError, match="mask must be"):
        window_attention_heads(qkv, bias, torch.zeros(4, 4, 4), 2)


@pytest.mark.parametrize("fused_max_tokens", [0, 10_000])
def test_window_attention_inference_paths_equal_monai(fused_max_tokens, monkeypatch):
    # no grad: either torch's fused kernel or the in-place head-by-head path
    monkeypatch.setattr(swin_module, "FUSED_INFERENCE_MAX_TOKENS", fused_max_tokens)
    spatial, window = GRIDS[3]
    ours, theirs = _monai_pair(3, seed=5)
    windows = window_partition(torch.randn(2, *spatial, 12, generator=_gen(2)), window)
    shift = tuple(w // 2 for w in window)
    their_mask = _monai_swin().compute_mask(list(spatial), window, shift, "cpu")
    with torch.no_grad():
        for mask in (None, shifted_window_mask(spatial, window, shift), their_mask):
            expected = theirs(windows, None if mask is None else their_mask)
            torch.testing.assert_close(
                ours(windows, mask), expected, atol=1e-5, rtol=1e-4
            )


def test_window_attention_float_mask_with_a_gradient_gets_one():
    ours, _ = _monai_pair(2)
    x = torch.randn(12, 16, 12, generator=_gen(7))
    mask = torch.zeros(6, 16, 16, requires_grad=True)  # (nW, n, n), additive
    ours(x, mask).square().sum().backward()
    assert mask.grad is not None and mask.grad.abs().sum() > 0


@pytest.mark.parametrize("dims", [2, 3])
def test_one_window_over_the_whole_image_is_global_attention(dims):
    spatial = (4, 6) if dims == 2 else (2, 3, 4)
    x = torch.randn(2, *spatial, 12, generator=_gen(8))
    tokens = x.flatten(1, -2)  # (N, n, C), row-major like a single window
    attn = _randomise(WindowAttention(12, 3, spatial), 9)
    glob = MultiHeadSelfAttention(12, 3)
    glob.load_state_dict(
        {k: v for k, v in attn.state_dict().items() if "relative" not in k}
    )
    windowed = attn(window_partition(x, spatial))  # (N * 1, n, C)
    # global attention with the relative position bias as its additive mask
    expected = glob(tokens, attn.relative_position_bias().detach())
    torch.testing.assert_close(windowed, expected, atol=1e-5, rtol=1e-5)
    with torch.no_grad():  # without the bias it is plain global self-attention
        attn.relative_position_bias_table.zero_()
    torch.testing.assert_close(attn(window_partition(x, spatial)), glob(tokens))


def _dependence(layer: torch.nn.Module, spatial, token) -> torch.Tensor:
    """Which input tokens the output at ``token`` depends on (autograd)."""
    x = torch.randn(1, *spatial, 12, generator=_gen(10), requires_grad=True)
    layer(x)[(0, *token)].sum().backward()
    return x.grad[0].abs().sum(-1) > 0  # (*spatial) bool


@pytest.mark.parametrize("dims", [2, 3])
def test_shifted_windows_never_attend_across_the_wrapped_border(dims, monkeypatch):
    spatial, window = ((8, 8), (4, 4)) if dims == 2 else ((4, 4, 4), (2, 2, 2))
    block = _randomise(SwinBlock(dims, dim=12, num_heads=3, window_size=window), 11)
    shifted = block.blocks[1]  # the SW-MSA layer
    shift = shifted.shift
    grid = torch.stack(
        torch.meshgrid(*(torch.arange(s) for s in spatial), indexing="ij")
    )
    for token in [(0,) * dims, tuple(s - 1 for s in spatial), (3, 1, 2)[:dims]]:
        seen = _dependence(shifted, spatial, token)
        reach = torch.ones(spatial, dtype=torch.bool)
        for axis, (t, w) in enumerate(zip(token, window, strict=True)):
            reach &= (grid[axis] - t).abs() < w  # never wraps around the image
        assert seen[token] and not (seen & ~reach).any()
    # the corner token sees only its own (unwrapped) shift x shift corner
    corner = _dependence(shifted, spatial, (0,) * dims)
    expected = torch.zeros(spatial, dtype=torch.bool)
    expected[tuple(slice(0, s) for s in shift)] = True
    assert torch.equal(corner, expected)
    # the test has teeth: without the mask the corner reaches the far side
    monkeypatch.setattr(
        swin_module,
        "shifted_window_mask",
        lambda s, w, t, device: shifted_window_mask(s, w, 0),
    )
    assert _dependence(shifted, spatial, (0,) * dims)[tuple(s - 1 for s in spatial)]


@pytest.mark.parametrize("dims", [2, 3])
def test_swin_block_equals_monai_basic_layer(dims):
    spatial, window = ((8, 8), (4, 4)) if dims == 2 else ((4, 4, 4), (2, 2, 2))
    theirs = _monai_swin().BasicLayer(
        12,
        depth=2,
        num_heads=3,
        window_size=window,
        drop_path=[0.0, 0.0],
        qkv_bias=True,
    )
    _randomise(theirs, 12)
    ours = SwinBlock(dims, dim=12, num_heads=3, window_size=window)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 12, *spatial, generator=_gen(13))  # (N, C, *spatial)
    expected = theirs(x)  # channel-first in and out
    got = ours(x.movedim(1, -1)).movedim(-1, 1)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)


def test_swin_block_rejects_indivisible_grid():
    with pytest.raises(ValueError, match="window_size"):
        SwinBlock(2, dim=12, num_heads=3, window_size=4)(torch.zeros(1, 6, 8, 12))


# ---------------------------------------------------------------- patch merging


@pytest.mark.parametrize("dims", [2, 3])
def test_patch_merging_equals_monai(dims):
    spatial = (6, 8) if dims == 2 else (4, 6, 2)
    theirs = _randomise(_monai_swin().PatchMerging(dim=5, spatial_dims=dims), 14)
    ours = PatchMerging(dims, dim=5)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, *spatial, 5, generator=_gen(15))  # (N, *spatial, C)
    torch.testing.assert_close(ours(x), theirs(x), atol=1e-5, rtol=1e-5)


def test_merge_neighbours_order_by_hand():
    x = torch.arange(16.0).reshape(1, 4, 4, 1)  # (N, H, W, C) values = 4 y + x
    merged = merge_neighbours(x)  # (1, 2, 2, 4)
    # offsets (y, x) = (0, 0), (1, 0), (0, 1), (1, 1) of the top-left block
    assert merged[0, 0, 0].tolist() == [0.0, 4.0, 1.0, 5.0]
    with pytest.raises(ValueError, match="even"):
        merge_neighbours(torch.zeros(1, 3, 4, 2))


# ---------------------------------------------------------------- encoder


@pytest.mark.parametrize("dims", [2, 3])
def test_swin_encoder_contract_and_global_reach(dims):
    torch.manual_seed(0)
    size = 32 if dims == 2 else 16
    model = SwinEncoder(
        dims,
        in_channels=1,
        embed_dim=6,
        num_heads=(1, 2, 2),
        window_size=2 if dims == 3 else 4,
    )
    x = torch.randn(1, 1, *(size,) * dims, generator=_gen(16), requires_grad=True)
    features = model(x)
    grid = size // 2
    assert [tuple(f.shape) for f in features] == [
        (1, 6 * 2**i, *(grid // 2**i,) * dims) for i in range(3)
    ]
    # one token of the first stage sees a local neighbourhood only ...
    features[0][(0, 0, *(0,) * dims)].backward(retain_graph=True)
    assert (x.grad == 0).any()
    x.grad = None
    # ... while merging lets the last stage see the whole image
    features[-1][(0, 0, *(0,) * dims)].backward()
    assert (x.grad != 0).all()
    assert all(
        torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None
    )


# ---------------------------------------------------------------- whole-slide tiling


@settings(max_examples=25, deadline=None)
@given(
    length=st.integers(1, 300),
    tile=st.integers(2, 64),
    overlap_frac=st.floats(0, 0.9),
    blend=st.sampled_from(["center", "linear"]),
)
def test_tile_weights_cover_and_sum_to_one(length, tile, overlap_frac, blend):
    overlap = int(overlap_frac * tile)
    starts = tile_starts(length, tile, overlap)
    size = min(tile, length)
    assert starts[0] == 0 and starts[-1] + size == length
    assert all(
        b - a <= tile - overlap for a, b in zip(starts, starts[1:], strict=False)
    )
    total = np.zeros(length)
    for s, w in zip(
        starts, tile_weights(starts, tile, length, overlap, blend), strict=True
    ):
        assert w.min() >= 0
        total[s : s + size] += w
    np.testing.assert_allclose(total, 1.0)


@pytest.mark.parametrize(("blend", "overlap"), [("center", 8), ("linear", 12)])
def test_apply_tiled_reproduces_whole_image_conv(tmp_path, blend, overlap):
    # a 7 x 7 conv has radius 3: exact when 3 <= overlap // 2 (center) or // 4 (linear)
    g = _gen(17)
    image = (torch.rand(150, 133, 3, generator=g) * 255).to(torch.uint8).numpy()
    slide = np.memmap(tmp_path / "slide.dat", np.uint8, "w+", shape=image.shape)
    slide[:] = image
    weight = torch.randn(2, 3, 7, 7, generator=g)

    def conv(batch):  # (B, 3, h, w) -> (B, 2, h, w)
        return F.conv2d(batch / 255, weight, padding=3)

    out = np.memmap(tmp_path / "out.dat", np.float32, "w+", shape=(150, 133, 2))
    got = apply_tiled(slide, conv, tile_size=40, overlap=overlap, blend=blend, out=out)
    assert got is out
    whole = conv(torch.from_numpy(image).permute(2, 0, 1)[None].float())[0]
    np.testing.assert_allclose(got, whole.permute(1, 2, 0).numpy(), atol=1e-4)


def test_apply_tiled_seams_show_without_enough_overlap():
    g = _gen(18)
    image = torch.rand(64, 64, generator=g).numpy()
    weight = torch.randn(1, 1, 7, 7, generator=g)

    def conv(batch):
        return F.conv2d(batch, weight, padding=3)

    whole = conv(torch.from_numpy(image)[None, None])[0, 0].numpy()
    got = apply_tiled(image, conv, tile_size=16, overlap=2)[..., 0]
    assert np.abs(got - whole).max() > 1e-3


def test_apply_tiled_rejects_non_dense_fn():
    with pytest.raises(ValueError, match="fn must map"):
        apply_tiled(
            np.zeros((32, 32)), lambda t: t[..., ::2, ::2], tile_size=16, overlap=4
        )


@pytest.mark.parametrize("mode", ["nearest", "mirror"])
def test_enlarge_to_memmap(tmp_path, mode):
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)  # (h, w, C)
    big = enlarge_to_memmap(image, tmp_path / "big.dat", factor=3, mode=mode)
    assert isinstance(big, np.memmap) and big.shape == (6, 9, 3)
    if mode == "nearest":
        np.testing.assert_array_equal(big, image.repeat(3, 0).repeat(3, 1))
    else:
        np.testing.assert_array_equal(big[:2, :3], image)
        np.testing.assert_array_equal(big[2:4, 3:6], image[::-1, ::-1])
        np.testing.assert_array_equal(
            big, np.pad(image, ((0, 4), (0, 6), (0, 0)), "symmetric")
        )


# ---------------------------------------------------------------- CUDA


@pytest.mark.cuda
@cuda
@pytest.mark.parametrize("dims", [2, 3])
def test_window_attention_and_swin_block_on_cuda_equal_cpu(dims):
    spatial, window = ((8, 8), (4, 4)) if dims == 2 else ((4, 4, 4), (2, 2, 2))
    block = _randomise(SwinBlock(dims, dim=12, num_heads=3, window_size=window), 19)
    x = torch.randn(2, *spatial, 12, generator=_gen(20))
    ref = block(x)
    got = block.to("cuda")(x.to("cuda"))
    torch.testing.assert_close(got.cpu(), ref, atol=1e-4, rtol=1e-4)
    mask = shifted_window_mask(spatial, window, 1, device="cuda")
    assert mask.device.type == "cuda"
    q = torch.randn(3, 2, 5, 4, generator=_gen(21))
    torch.testing.assert_close(
        scaled_dot_product_attention(q.cuda(), q.cuda(), q.cuda()).cpu(),
        F.scaled_dot_product_attention(q, q, q),
        atol=1e-5,
        rtol=1e-5,
    )


@pytest.mark.cuda
@cuda
def test_apply_tiled_on_cuda_equals_cpu():
    image = torch.rand(50, 70, generator=_gen(22)).numpy()
    weight = torch.randn(1, 1, 3, 3, generator=_gen(23))

    def conv(batch):
        return F.conv2d(batch, weight.to(batch.device), padding=1)

    ref = apply_tiled(image, conv, tile_size=32, overlap=8)
    got = apply_tiled(image, conv, tile_size=32, overlap=8, device="cuda")
    np.testing.assert_allclose(got, ref, atol=1e-5)


# ------------------------------------------------------- multiple-instance learning


@pytest.mark.parametrize("bag", [1, 7])
def test_attention_mil_equals_monai_milmodel(bag):
    """AttentionMIL with MONAI's hidden width equals MILModel(mil_mode="att")."""
    from monai.networks.nets import MILModel

    from medlearn.wsi import AttentionMIL

    torch.manual_seed(0)
    ours = AttentionMIL(10, num_classes=3, hidden=2048)
    ref = MILModel(
        3,
        mil_mode="att",
        pretrained=False,
        backbone=torch.nn.Identity(),
        backbone_num_features=10,
    )
    ref.attention.load_state_dict(ours.attention.state_dict())
    ref.myfc.load_state_dict(ours.classifier.state_dict())
    x = torch.randn(4, bag, 10)  # (N, K, F)
    torch.testing.assert_close(ours(x), ref.calc_head(x))


def test_attention_mil_is_permutation_invariant_and_weights_sum_to_one():
    from medlearn.wsi import AttentionMIL

    torch.manual_seed(1)
    mil = AttentionMIL(5, hidden=16)
    x = torch.randn(2, 9, 5)
    perm = torch.randperm(9)
    torch.testing.assert_close(mil(x[:, perm]), mil(x))
    torch.testing.assert_close(mil.weights(x).sum(1), torch.ones(2))
    for pooling, expected in (("mean", x.mean(1)), ("max", x.amax(1))):
        control = AttentionMIL(5, pooling=pooling)
        torch.testing.assert_close(control(x), control.classifier(expected))
    with pytest.raises(ValueError, match=r"\(N, K, 5\)"):
        mil(torch.randn(2, 5))
    with pytest.raises(ValueError, match="pooling"):
        AttentionMIL(5, pooling="sum")
