"""Tests of medlearn.physics, medlearn.enhance and medlearn.fusion (chapter 10).

References: the fastMRI formulas written out with numpy (the centred FFT, and the
mask rules of fastMRI's ``RandomMaskFunc`` and 0.1 ``EquispacedMaskFunc``, now
``EquispacedMaskFractionFunc``), scipy.ndimage, scikit-image 0.26's
``peak_signal_noise_ratio`` / ``structural_similarity``, torch's own operators.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.ndimage
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from medlearn import enhance, fusion, physics

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def crandn(*shape, seed=0, dtype=torch.complex128):
    return torch.randn(*shape, dtype=dtype, generator=gen(seed))


# ---------------------------------------------------------------- centred FFT

SHAPES = [(8, 8), (7, 9), (2, 3, 16, 15), (1, 1, 5, 4), (2, 1, 1, 6)]


def np_fft2c(x: np.ndarray) -> np.ndarray:
    """fastMRI's convention written with numpy: fftshift(fft(ifftshift(x)), ortho)."""
    ax = (-2, -1)
    return np.fft.fftshift(
        np.fft.fft2(np.fft.ifftshift(x, axes=ax), axes=ax, norm="ortho"), axes=ax
    )


def np_ifft2c(x: np.ndarray) -> np.ndarray:
    ax = (-2, -1)
    return np.fft.fftshift(
        np.fft.ifft2(np.fft.ifftshift(x, axes=ax), axes=ax, norm="ortho"), axes=ax
    )


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_fft2c_and_ifft2c_equal_the_fastmri_formula(shape, dtype):
    x = crandn(*shape, dtype=dtype)
    tol = 1e-5 if dtype == torch.complex64 else 1e-12
    np.testing.assert_allclose(physics.fft2c(x).numpy(), np_fft2c(x.numpy()), atol=tol)
    np.testing.assert_allclose(
        physics.ifft2c(x).numpy(), np_ifft2c(x.numpy()), atol=tol
    )
    assert physics.fft2c(x).dtype == dtype


def test_fft2c_matches_fastmri_real_imag_layout():
    """fastMRI's fft2c works on (..., H, W, 2) and shifts dims (-3, -2)."""
    x = crandn(2, 6, 5)
    data = torch.view_as_real(x)  # (2, 6, 5, 2)
    data = torch.fft.ifftshift(data, dim=[-3, -2])
    data = torch.view_as_real(
        torch.fft.fftn(torch.view_as_complex(data), dim=(-2, -1), norm="ortho")
    )
    data = torch.fft.fftshift(data, dim=[-3, -2])
    torch.testing.assert_close(torch.view_as_real(physics.fft2c(x)), data)


@pytest.mark.parametrize("shape", SHAPES)
def test_fft2c_round_trip_is_exact(shape):
    x = crandn(*shape)
    torch.testing.assert_close(physics.ifft2c(physics.fft2c(x)), x, atol=1e-12, rtol=0)
    torch.testing.assert_close(physics.fft2c(physics.ifft2c(x)), x, atol=1e-12, rtol=0)


@settings(max_examples=30, deadline=None)
@given(
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_parseval(h, w, seed):
    x = crandn(2, h, w, seed=seed)
    k = physics.fft2c(x)
    assert math.isclose(k.abs().pow(2).sum(), x.abs().pow(2).sum(), rel_tol=1e-10)


@pytest.mark.parametrize("h, w", [(4, 4), (5, 7), (6, 3)])
def test_zero_frequency_sits_at_the_centre(h, w):
    k = physics.fft2c(torch.full((h, w), 2.0 + 0j, dtype=torch.complex128))
    assert k[h // 2, w // 2].real == pytest.approx(2.0 * math.sqrt(h * w))
    assert k.abs().sum() == pytest.approx(2.0 * math.sqrt(h * w))


@pytest.mark.parametrize("shape", [(4, 6, 5), (2, 3, 4, 4, 7)])
def test_fft3c_equals_the_formula_and_round_trips(shape):
    x = crandn(*shape)
    ax = (-3, -2, -1)
    ref = np.fft.fftshift(
        np.fft.fftn(np.fft.ifftshift(x.numpy(), axes=ax), axes=ax, norm="ortho"),
        axes=ax,
    )
    np.testing.assert_allclose(physics.fft3c(x).numpy(), ref, atol=1e-12)
    torch.testing.assert_close(physics.ifft3c(physics.fft3c(x)), x, atol=1e-12, rtol=0)
    assert math.isclose(
        physics.fft3c(x).abs().pow(2).sum(), x.abs().pow(2).sum(), rel_tol=1e-10
    )


@pytest.mark.parametrize("h, w", [(4, 4), (5, 8), (7, 3)])
def test_centred_dft_matrix_is_the_teaching_path(h, w):
    FH, FW = physics.centred_dft_matrix(h), physics.centred_dft_matrix(w)
    x = crandn(h, w)
    torch.testing.assert_close(FH @ x @ FW.T, physics.fft2c(x))
    torch.testing.assert_close(FH @ FH.conj().T, torch.eye(h, dtype=FH.dtype))


@pytest.mark.parametrize("fn", [physics.fft2c, physics.ifft2c, physics.fft3c])
def test_fft_rejects_real_input_and_too_few_dims(fn):
    with pytest.raises(TypeError, match="complex"):
        fn(torch.randn(4, 4, 4))
    with pytest.raises(ValueError, match="at least"):
        fn(torch.randn(4, dtype=torch.complex64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        fn(np.ones((4, 4, 4), dtype=complex))


# ---------------------------------------------------------------- masks

MASK_CASES = [
    (320, 4, 0.08),
    (368, 8, 0.04),
    (64, 4, 0.08),
    (15, 2, 0.2),
    (100, 4, 0.125),
]


def centre_of(num_cols: int, center_fraction: float) -> tuple[int, int]:
    n = round(num_cols * center_fraction)
    pad = (num_cols - n + 1) // 2
    return pad, n


@pytest.mark.parametrize(
    "num_cols, cf, lines",
    [
        (16, 0.125, [7, 8]),  # 2 lines, pad (16 - 2 + 1) // 2 = 7
        (15, 0.2, [6, 7, 8]),  # 3 lines, pad 6
        (20, 0.125, [9, 10]),  # 2.5 rounds half to even: 2
        (36, 0.125, [16, 17, 18, 19]),  # 4.5 -> 4, pad 16
        (9, 0.0, []),
    ],
)
@pytest.mark.parametrize("kind", ["random", "equispaced"])
def test_centre_lines_by_hand(num_cols, cf, lines, kind):
    for seed in range(20):
        m = physics.undersampling_mask(num_cols, 2, cf, kind, gen(seed))
        assert m.dtype == torch.bool and m.shape == (num_cols,)
        assert m[lines].all()
    assert centre_of(num_cols, cf) == ((lines or [(num_cols + 1) // 2])[0], len(lines))


@pytest.mark.parametrize("num_cols, acceleration, cf", MASK_CASES)
def test_random_mask_line_count_is_binomial(num_cols, acceleration, cf):
    """Outer lines ~ Binomial(N - n_c, p), p = (N / R - n_c) / (N - n_c)."""
    pad, n = centre_of(num_cols, cf)
    p = (num_cols / acceleration - n) / (num_cols - n)
    seeds = 2000
    masks = torch.stack(
        [
            physics.undersampling_mask(num_cols, acceleration, cf, "random", gen(s))
            for s in range(seeds)
        ]
    )  # (seeds, N)
    assert masks[:, pad : pad + n].all()
    outer = torch.cat([masks[:, :pad], masks[:, pad + n :]], 1)  # (seeds, N - n)
    trials = seeds * (num_cols - n)
    lo, hi = scipy.stats.binom.interval(1 - 1e-6, trials, p)
    assert lo <= outer.sum() <= hi
    # mean lines per mask near N / R
    sd_mean = math.sqrt((num_cols - n) * p * (1 - p) / seeds)
    assert abs(masks.sum(1).double().mean() - num_cols / acceleration) < 5 * sd_mean
    # every outer column is kept at the same rate p
    z = (outer.double().mean(0) - p) / math.sqrt(p * (1 - p) / seeds)
    assert z.abs().max() < 5


def test_random_mask_reproducible_and_seeded():
    a = physics.undersampling_mask(128, 4, 0.08, generator=gen(3))
    b = physics.undersampling_mask(128, 4, 0.08, generator=gen(3))
    c = physics.undersampling_mask(128, 4, 0.08, generator=gen(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    torch.manual_seed(7)
    d = physics.undersampling_mask(128, 4, 0.08)
    torch.manual_seed(7)
    assert torch.equal(d, physics.undersampling_mask(128, 4, 0.08))


def np_equispaced(num_cols, acceleration, cf, offset) -> np.ndarray:
    """fastMRI 0.1 EquispacedMaskFunc (0.3 EquispacedMaskFractionFunc), in numpy."""
    n = round(num_cols * cf)
    mask = np.zeros(num_cols, dtype=np.float32)
    pad = (num_cols - n + 1) // 2
    mask[pad : pad + n] = True
    adjusted = (acceleration * (n - num_cols)) / (n * acceleration - num_cols)
    samples = np.around(np.arange(offset, num_cols - 1, adjusted)).astype(np.uint)
    mask[samples] = True
    return mask.astype(bool)


EQUI_CASES = MASK_CASES + [
    (640, 4, 0.08),
    (16, 4, 0.125),
    (33, 3, 0.1),
    (372, 4, 0.08),
    # positions that land on .5 exactly in numpy (torch.arange's float step misses it)
    (56, 2, 0.08),
    (68, 2, 0.2),
    (74, 2, 0.125),
    # an offset past num_cols - 1: no equispaced line, only the centre
    (8, 3, 0.2),
]


def adjusted_acceleration(num_cols, acceleration, cf) -> float:
    n = round(num_cols * cf)
    return acceleration * (n - num_cols) / (n * acceleration - num_cols)


@pytest.mark.parametrize("num_cols, acceleration, cf", EQUI_CASES)
def test_equispaced_mask_equals_fastmri_rule(num_cols, acceleration, cf):
    high = round(adjusted_acceleration(num_cols, acceleration, cf))
    for offset in range(high):
        ours = physics.undersampling_mask(
            num_cols, acceleration, cf, "equispaced", offset=offset
        )
        np.testing.assert_array_equal(
            ours.numpy(), np_equispaced(num_cols, acceleration, cf, offset)
        )
        assert abs(ours.sum().item() - num_cols / acceleration) <= 2


@pytest.mark.parametrize("num_cols, acceleration, cf", [(320, 4, 0.08), (368, 8, 0.04)])
def test_equispaced_offset_is_uniform(num_cols, acceleration, cf):
    high = round(adjusted_acceleration(num_cols, acceleration, cf))
    refs = [np_equispaced(num_cols, acceleration, cf, o) for o in range(high)]
    counts = np.zeros(high)
    for s in range(600):
        m = physics.undersampling_mask(num_cols, acceleration, cf, "equispaced", gen(s))
        (hit,) = [o for o, r in enumerate(refs) if np.array_equal(r, m.numpy())]
        counts[hit] += 1
    assert scipy.stats.chisquare(counts).pvalue > 1e-4


@pytest.mark.parametrize("kind", ["random", "equispaced"])
def test_mask_edge_cases(kind):
    full = physics.undersampling_mask(10, 1, 0.1, kind, gen())  # R = 1
    # fastMRI's equispaced lines stop below N - 1: the last column is never one
    assert full[:-1].all() and full[-1] == (kind == "random")
    centre_only = physics.undersampling_mask(32, 4, 0.25, kind, gen())  # 8 = 32 / 4
    assert centre_only.sum() == 8 and centre_only[12:20].all()
    rate = torch.stack(
        [physics.undersampling_mask(64, 4, 0.0, kind, gen(s)) for s in range(300)]
    ).double()
    assert abs(rate.mean() - 0.25) < 0.02  # no centre: a quarter of the lines


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((0, 4, 0.08), {}, "num_cols"),
        ((64, 0.5, 0.08), {}, "acceleration"),
        ((64, 4, 1.5), {}, "center_fraction"),
        ((64, 4, -0.1), {}, "center_fraction"),
        ((64, 4, 0.08, "radial"), {}, "kind"),
        ((100, 8, 0.2), {}, "centre lines"),  # 20 centre lines > 100 / 8
        ((64, 4, 0.08, "equispaced"), {"offset": 9}, "offset"),
    ],
)
def test_mask_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        physics.undersampling_mask(*args, **kwargs)


# ---------------------------------------------------------------- forward model


def test_apply_mask_and_undersample():
    x = crandn(2, 1, 8, 6)
    mask = torch.tensor([True, False, False, True, True, False])
    y = physics.undersample(x, mask)
    k = physics.fft2c(x)
    torch.testing.assert_close(y[..., mask], k[..., mask])
    assert (y[..., ~mask] == 0).all()
    per_image = torch.stack([mask, ~mask]).view(2, 1, 1, 6)
    y2 = physics.apply_mask(k, per_image)
    assert (y2[0][..., ~mask] == 0).all() and (y2[1][..., mask] == 0).all()


def test_apply_mask_errors():
    k = crandn(2, 1, 8, 6)
    with pytest.raises(ValueError, match=r"\(W,\) = \(6,\)"):
        physics.apply_mask(k, torch.ones(5, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask must have shape"):
        physics.apply_mask(k, torch.ones(2, 6, dtype=torch.bool))  # (N, W) is ambiguous
    with pytest.raises(TypeError, match="bool"):
        physics.apply_mask(k, torch.ones(6))
    with pytest.raises(TypeError, match="complex"):
        physics.apply_mask(k.real, torch.ones(6, dtype=torch.bool))


def test_zero_filled_without_undersampling_is_exact():
    x = crandn(1, 1, 12, 10)
    full = torch.ones(10, dtype=torch.bool)
    torch.testing.assert_close(physics.zero_filled(physics.fft2c(x), full), x)


@pytest.mark.parametrize("w", [8, 16, 20])
def test_zero_filled_every_other_line_folds_half_the_field_of_view(w):
    """Keeping even frequencies gives (x + x shifted by W / 2) / 2: the aliasing ghost."""
    x = crandn(1, 1, 6, w)
    mask = (torch.arange(w) - w // 2) % 2 == 0  # even frequencies
    zf = physics.zero_filled(physics.fft2c(x), mask)
    torch.testing.assert_close(zf, (x + x.roll(w // 2, -1)) / 2)


def test_data_consistency_replaces_measured_lines():
    truth, estimate = crandn(2, 1, 8, 8, seed=1), crandn(2, 1, 8, 8, seed=2)
    mask = physics.undersampling_mask(8, 2, 0.25, "random", gen())
    y = physics.undersample(truth, mask)
    out = physics.data_consistency(estimate, y, mask)
    k_out, k_est = physics.fft2c(out), physics.fft2c(estimate)
    torch.testing.assert_close(k_out[..., mask], y[..., mask])  # measurements kept
    torch.testing.assert_close(k_out[..., ~mask], k_est[..., ~mask])  # rest untouched
    averaged = physics.ifft2c(torch.where(mask, (y + k_est) / 2, k_est))
    assert not torch.allclose(out, averaged)


def test_data_consistency_limits():
    truth, estimate = crandn(1, 1, 6, 6, seed=1), crandn(1, 1, 6, 6, seed=2)
    k = physics.fft2c(truth)
    full, none = torch.ones(6, dtype=torch.bool), torch.zeros(6, dtype=torch.bool)
    torch.testing.assert_close(physics.data_consistency(estimate, k, full), truth)
    torch.testing.assert_close(physics.data_consistency(estimate, k, none), estimate)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), w=st.integers(2, 12), p=st.floats(0, 1))
def test_data_consistency_is_idempotent(seed, w, p):
    g = gen(seed)
    estimate = torch.randn(2, 1, 5, w, dtype=torch.complex128, generator=g)
    kspace = torch.randn(2, 1, 5, w, dtype=torch.complex128, generator=g)
    mask = torch.rand(w, generator=g) < p
    once = physics.data_consistency(estimate, kspace, mask)
    twice = physics.data_consistency(once, kspace, mask)
    torch.testing.assert_close(twice, once, atol=1e-12, rtol=0)


def test_data_consistency_errors():
    x, mask = crandn(1, 1, 4, 4), torch.ones(4, dtype=torch.bool)
    with pytest.raises(ValueError, match="same shape"):
        physics.data_consistency(x, crandn(1, 1, 4, 5), mask)
    with pytest.raises(TypeError, match="image must be a complex"):
        physics.data_consistency(x.real, x, mask)


def test_complex_channels_round_trip_and_layout():
    x = crandn(2, 3, 4, 5)
    ch = physics.complex_to_channels(x)
    assert ch.shape == (2, 6, 4, 5)
    torch.testing.assert_close(ch[:, 2], x[:, 1].real)
    torch.testing.assert_close(ch[:, 3], x[:, 1].imag)
    torch.testing.assert_close(physics.channels_to_complex(ch), x)
    with pytest.raises(ValueError, match="2C"):
        physics.channels_to_complex(torch.randn(2, 3, 4, 5))


# ---------------------------------------------------------------- unrolled network


def small_unrolled(**kwargs) -> physics.UnrolledReconstruction:
    torch.manual_seed(0)
    return physics.UnrolledReconstruction(
        num_iterations=2, channels=4, num_layers=3, **kwargs
    )


def test_unrolled_state_dict_keys_are_stable():
    keys = list(small_unrolled().state_dict())
    assert keys == [
        f"cascades.{i}.{j}.{p}"
        for i in range(2)
        for j in (0, 2, 4)
        for p in ("weight", "bias")
    ]


def test_unrolled_keeps_the_measurements_only_with_data_consistency():
    truth = crandn(2, 1, 16, 16, dtype=torch.complex64)
    mask = physics.undersampling_mask(16, 4, 0.125, "equispaced", offset=0)
    y = physics.undersample(truth, mask)
    with torch.no_grad():
        out = small_unrolled()(y, mask)
        out_plain = small_unrolled(data_consistency=False)(y, mask)
    assert out.shape == truth.shape and out.dtype == torch.complex64
    torch.testing.assert_close(physics.fft2c(out)[..., mask], y[..., mask])
    err = (physics.fft2c(out_plain)[..., mask] - y[..., mask]).abs().max()
    assert err > 1e-2


def test_unrolled_with_zero_cnns_is_zero_filled():
    net = small_unrolled()
    for p in net.parameters():
        torch.nn.init.zeros_(p)
    x = crandn(1, 1, 8, 8, dtype=torch.complex64)
    mask = physics.undersampling_mask(8, 2, 0.25, "equispaced", offset=1)
    y = physics.undersample(x, mask)
    torch.testing.assert_close(net(y, mask), physics.zero_filled(y))


def test_unrolled_errors():
    net = small_unrolled()
    mask = torch.ones(8, dtype=torch.bool)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        net(crandn(1, 2, 8, 8, dtype=torch.complex64), mask)
    with pytest.raises(TypeError, match="complex"):
        net(torch.randn(1, 1, 8, 8), mask)
    with pytest.raises(ValueError, match="num_layers"):
        physics.UnrolledReconstruction(num_layers=1)


# ---------------------------------------------------------------- noise and filters


def test_gaussian_noise_is_seeded_with_the_right_spread():
    x = torch.zeros(200, 200)
    a = enhance.add_gaussian_noise(x, 0.2, gen(1))
    assert torch.equal(a, enhance.add_gaussian_noise(x, 0.2, gen(1)))
    assert a.std().item() == pytest.approx(0.2, rel=0.02)
    with pytest.raises(ValueError, match="sigma"):
        enhance.add_gaussian_noise(x, -1.0)


@pytest.mark.parametrize("level, photons", [(0.2, 50.0), (1.0, 20.0)])
def test_poisson_noise_mean_and_variance(level, photons):
    y = enhance.add_poisson_noise(torch.full((40000,), level), photons, gen(2))
    n = y.numel()
    assert abs(y.mean().item() - level) < 5 * math.sqrt(level / photons / n)
    assert y.var().item() == pytest.approx(level / photons, rel=0.05)
    with pytest.raises(ValueError, match="non-negative"):
        enhance.add_poisson_noise(torch.tensor([-0.1]), photons)


@pytest.mark.parametrize(
    "shape, sigma, truncate",
    [
        ((2, 3, 17, 12), 1.3, 4.0),
        ((1, 1, 9, 10), (0.0, 2.0), 4.0),
        ((1, 2, 5, 5), 3.0, 4.0),  # radius 12 > size: repeated reflections
        ((1, 1, 6, 7, 8), (1.0, 0.7, 2.5), 3.0),
        ((2, 1, 20), 1.5, 4.0),
    ],
)
def test_gaussian_filter_equals_scipy(shape, sigma, truncate):
    x = torch.rand(*shape, dtype=torch.float64, generator=gen())
    sig = sigma if isinstance(sigma, tuple) else (sigma,) * (len(shape) - 2)
    ref = scipy.ndimage.gaussian_filter(
        x.numpy(), sigma=(0, 0, *sig), truncate=truncate, mode="reflect"
    )
    ours = enhance.gaussian_filter(x, sigma, truncate=truncate)
    np.testing.assert_allclose(ours.numpy(), ref, atol=1e-12)


def test_gaussian_filter_errors():
    with pytest.raises(ValueError, match="sigma"):
        enhance.gaussian_filter(torch.rand(1, 1, 8, 8), (1.0, 2.0, 3.0))
    with pytest.raises(TypeError, match="floating"):
        enhance.gaussian_filter(torch.ones(1, 1, 8, 8, dtype=torch.long), 1.0)


# ---------------------------------------------------------------- DnCNN


def test_dncnn_structure_and_keys():
    torch.manual_seed(0)
    net = enhance.DnCNN(channels=8, num_layers=4)
    assert list(net.state_dict()) == [
        "body.0.weight",
        "body.0.bias",
        "body.2.weight",
        "body.3.weight",
        "body.3.bias",
        "body.3.running_mean",
        "body.3.running_var",
        "body.3.num_batches_tracked",
        "body.5.weight",
        "body.6.weight",
        "body.6.bias",
        "body.6.running_mean",
        "body.6.running_var",
        "body.6.num_batches_tracked",
        "body.8.weight",
        "body.8.bias",
    ]
    y = torch.randn(3, 1, 12, 12)
    net.eval()
    torch.testing.assert_close(net(y), y - net.predict_noise(y))
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        net(torch.randn(3, 2, 12, 12))


def test_dncnn_learns_to_predict_the_noise():
    """Trained briefly on smooth images, predict_noise correlates with the true noise."""
    torch.manual_seed(0)
    g = gen(5)
    net = enhance.DnCNN(channels=16, num_layers=4, batch_norm=False)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)

    def sample(n):
        clean = enhance.gaussian_filter(torch.rand(n, 1, 16, 16, generator=g), 2.0)
        return clean, clean + 0.1 * torch.randn(n, 1, 16, 16, generator=g)

    for _ in range(60):
        clean, noisy = sample(16)
        loss = F.mse_loss(net(noisy), clean)
        opt.zero_grad()
        loss.backward()
        opt.step()
    clean, noisy = sample(32)
    with torch.no_grad():
        pred = net.predict_noise(noisy)
    corr = torch.corrcoef(torch.stack([pred.flatten(), (noisy - clean).flatten()]))[
        0, 1
    ]
    assert corr > 0.8  # a sign error (y + noise) would give a negative correlation
    gain = enhance.psnr(net(noisy).detach(), clean, 1.0) - enhance.psnr(
        noisy, clean, 1.0
    )
    assert gain.mean() > 5  # dB


# ---------------------------------------------------------------- slice axis


@pytest.mark.parametrize("factor", [1, 2, 3])
def test_thick_slices_is_a_box_profile(factor):
    x = torch.rand(2, 1, 6, 4, 5, generator=gen())
    ref = F.avg_pool3d(x, (factor, 1, 1))
    torch.testing.assert_close(enhance.thick_slices(x, factor), ref)
    with pytest.raises(ValueError, match="divisible"):
        enhance.thick_slices(torch.rand(1, 1, 7, 2, 2), 2 if factor == 1 else factor)


def np_linear_z(x: np.ndarray, factor: int) -> np.ndarray:
    """Linear interpolation along z at (j + 0.5) / f - 0.5, edges clamped."""
    D = x.shape[2]
    out = []
    for j in range(factor * D):
        s = min(max((j + 0.5) / factor - 0.5, 0.0), D - 1)
        lo = int(math.floor(s))
        hi = min(lo + 1, D - 1)
        t = s - lo
        out.append((1 - t) * x[:, :, lo] + t * x[:, :, hi])
    return np.stack(out, 2)


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_trilinear_upsample_interpolates_along_z_only(factor):
    x = torch.rand(2, 1, 5, 4, 3, dtype=torch.float64, generator=gen())
    ours = enhance.trilinear_upsample(x, factor)
    assert ours.shape == (2, 1, 5 * factor, 4, 3)
    np.testing.assert_allclose(ours.numpy(), np_linear_z(x.numpy(), factor), atol=1e-12)


def test_slice_super_resolution_starts_at_the_baseline_and_learns():
    torch.manual_seed(0)
    net = enhance.SliceSuperResolution(factor=2, channels=4, num_layers=3)
    x = torch.rand(2, 1, 4, 8, 8, generator=gen())
    torch.testing.assert_close(net(x), enhance.trilinear_upsample(x, 2))
    target = torch.rand(2, 1, 8, 8, 8, generator=gen(1))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    before = F.mse_loss(net(x), target)
    for _ in range(3):
        opt.zero_grad()
        F.mse_loss(net(x), target).backward()
        opt.step()
    assert F.mse_loss(net(x), target) < before
    with pytest.raises(ValueError, match=r"\(N, C, D, H, W\)"):
        net(torch.rand(1, 1, 8, 8))


# ---------------------------------------------------------------- PSNR and SSIM


def image_pair(shape, seed=0, noise=0.1, dtype=torch.float64):
    g = gen(seed)
    ref = enhance.gaussian_filter(
        torch.rand(1, 1, *shape, generator=g, dtype=torch.float64), 1.5
    )[0, 0]
    x = (ref + noise * torch.randn(*shape, generator=g, dtype=torch.float64)).clamp(
        0, 1
    )
    return x.to(dtype), ref.to(dtype)


@pytest.mark.parametrize("shape", [(32, 32), (17, 40)])
@pytest.mark.parametrize("data_range", [1.0, 2.5, 255.0])
def test_psnr_equals_skimage(shape, data_range):
    x, ref = image_pair(shape)
    ours = enhance.psnr(x, ref, data_range=data_range)
    sk = peak_signal_noise_ratio(ref.numpy(), x.numpy(), data_range=data_range)
    assert ours.item() == pytest.approx(sk, abs=1e-10)
    assert ours.dtype == torch.float64


def test_psnr_batched_and_identical():
    pairs = [image_pair((16, 16), seed=s) for s in range(6)]
    x = torch.stack([p[0] for p in pairs]).view(2, 3, 16, 16).float()
    ref = torch.stack([p[1] for p in pairs]).view(2, 3, 16, 16).float()
    ours = enhance.psnr(x, ref, 1.0)
    sk = [
        peak_signal_noise_ratio(r.numpy(), t.numpy(), data_range=1.0)
        for t, r in zip(x.view(6, 16, 16), ref.view(6, 16, 16))
    ]
    assert ours.shape == (2, 3)
    np.testing.assert_allclose(ours.flatten().numpy(), sk, rtol=1e-6)
    assert enhance.psnr(ref, ref, 1.0).isinf().all()


SSIM_OPTIONS = [
    {},
    {"win_size": 3},
    {"win_size": 9},
    {"gaussian_weights": True},
    {"gaussian_weights": True, "win_size": 7},
]


@pytest.mark.parametrize("shape", [(32, 32), (23, 41), (11, 12)])
@pytest.mark.parametrize("options", SSIM_OPTIONS)
@pytest.mark.parametrize("data_range", [1.0, 4.0])
def test_ssim_equals_skimage(shape, options, data_range):
    x, ref = image_pair(shape, noise=0.2)
    ours = enhance.ssim(x, ref, data_range=data_range, **options)
    sk = structural_similarity(x.numpy(), ref.numpy(), data_range=data_range, **options)
    assert ours.item() == pytest.approx(sk, abs=1e-10)


def test_ssim_float32_batched_and_limits():
    pairs = [image_pair((20, 24), seed=s, noise=0.05 * (s + 1)) for s in range(4)]
    x = torch.stack([p[0] for p in pairs]).view(4, 1, 20, 24).float()
    ref = torch.stack([p[1] for p in pairs]).view(4, 1, 20, 24).float()
    ours = enhance.ssim(x, ref, 1.0)
    sk = [
        structural_similarity(t.numpy(), r.numpy(), data_range=1.0)
        for t, r in zip(x[:, 0], ref[:, 0])
    ]
    assert ours.shape == (4, 1)
    np.testing.assert_allclose(ours.flatten().numpy(), sk, atol=2e-5)
    assert (ours.flatten().diff() < 0).all()  # more noise, lower SSIM
    assert enhance.ssim(ref, ref, 1.0).allclose(torch.ones(4, 1))


def test_ssim_is_one_minus_fastmri_ssim_loss():
    """fastMRI's SSIMLoss: 7x7 ones/49 valid conv, sample covariance, 1 - mean."""
    x, ref = image_pair((30, 26), noise=0.2)
    X, Y = x[None, None], ref[None, None]
    w = torch.ones(1, 1, 7, 7, dtype=torch.float64) / 49
    C1, C2 = 0.01**2, 0.03**2
    ux, uy = F.conv2d(X, w), F.conv2d(Y, w)
    uxx, uyy, uxy = F.conv2d(X * X, w), F.conv2d(Y * Y, w), F.conv2d(X * Y, w)
    cov = 49 / 48
    vx, vy, vxy = cov * (uxx - ux * ux), cov * (uyy - uy * uy), cov * (uxy - ux * uy)
    S = ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux**2 + uy**2 + C1) * (vx + vy + C2))
    assert enhance.ssim(x, ref, 1.0).item() == pytest.approx(S.mean().item(), abs=1e-12)


def test_quality_errors():
    x, ref = image_pair((16, 16))
    with pytest.raises(TypeError):
        enhance.ssim(x, ref)  # data_range is required
    with pytest.raises(ValueError, match="data_range must be > 0"):
        enhance.psnr(x, ref, 0.0)
    with pytest.raises(TypeError, match="data_range must be one number"):
        enhance.ssim(x, ref, torch.tensor([1.0, 2.0]))
    assert enhance.ssim(x, ref, torch.tensor(1.0)) == enhance.ssim(x, ref, 1.0)
    with pytest.raises(ValueError, match="same shape"):
        enhance.psnr(x, ref[:8], 1.0)
    with pytest.raises(TypeError, match="floating"):
        enhance.psnr((x * 255).long(), ref, 255.0)
    with pytest.raises(ValueError, match="win_size"):
        enhance.ssim(x, ref, 1.0, win_size=4)
    with pytest.raises(ValueError, match="win_size"):
        enhance.ssim(x[:5, :5], ref[:5, :5], 1.0)


# ---------------------------------------------------------------- fusion core


def test_early_fuse_tiles_features_as_channels():
    image = torch.randn(2, 3, 4, 5, generator=gen())
    tab = torch.tensor([[1.0, -2.0], [0.5, 3.0]])
    out = fusion.early_fuse(image, tab)
    assert out.shape == (2, 5, 4, 5)
    torch.testing.assert_close(out[:, :3], image)
    torch.testing.assert_close(out[:, 3:], tab[:, :, None, None].expand(2, 2, 4, 5))
    with pytest.raises(ValueError, match="same N"):
        fusion.early_fuse(image, tab[:1])
    with pytest.raises(ValueError, match=r"\(N, F\)"):
        fusion.early_fuse(image, tab[0])


def test_late_fuse_weighted_mean_of_probabilities():
    p1 = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    p2 = torch.tensor([[0.5, 0.5], [0.6, 0.4]])
    torch.testing.assert_close(fusion.late_fuse([p1, p2]), (p1 + p2) / 2)
    torch.testing.assert_close(
        fusion.late_fuse([p1, p2], weights=[3, 1]), 0.75 * p1 + 0.25 * p2
    )
    missing = torch.tensor([[False, True], [True, False]])
    torch.testing.assert_close(
        fusion.late_fuse([p1, p2], missing=missing), torch.stack([p1[0], p2[1]])
    )
    binary = fusion.late_fuse([p1[:, 1], p2[:, 1]])
    torch.testing.assert_close(binary, (p1[:, 1] + p2[:, 1]) / 2)


def test_late_fuse_rejects_logits_and_ignores_a_missing_nan():
    logits = torch.tensor([[2.0, -1.0]])
    with pytest.raises(ValueError, match="logits"):
        fusion.late_fuse([logits, logits.softmax(1)])
    with pytest.raises(ValueError, match="sum to 1"):
        fusion.late_fuse([torch.tensor([[0.5, 0.2]])])
    p = torch.tensor([[0.3, 0.7]])
    nan = torch.full((1, 2), float("nan"))
    with pytest.raises(ValueError):
        fusion.late_fuse([p, nan])  # NaN is not a probability when present
    out = fusion.late_fuse([p, nan], missing=torch.tensor([[False, True]]))
    torch.testing.assert_close(out, p)  # ... and stays out when missing
    with pytest.raises(ValueError, match="at least one modality"):
        fusion.late_fuse([p, p], missing=torch.tensor([[True, True]]))
    with pytest.raises(ValueError, match="weights"):
        fusion.late_fuse([p, p], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="weight > 0"):
        fusion.late_fuse([p, p], [1.0, 0.0], missing=torch.tensor([[True, False]]))


@pytest.mark.parametrize("p, m", [(0.3, 2), (0.5, 2), (0.8, 3)])
def test_sample_missing_rates(p, m):
    n = 20000
    missing = fusion.sample_missing(n, p, m, generator=gen(1))
    assert missing.shape == (n, m) and not missing.all(1).any()
    rate = p - p**m / m  # rows that would be all missing keep one at random
    sd = math.sqrt(rate * (1 - rate) / n)
    assert (missing.double().mean(0) - rate).abs().max() < 5 * sd
    assert torch.equal(missing, fusion.sample_missing(n, p, m, generator=gen(1)))


# ---------------------------------------------------------------- fusion models

FUSION_MODELS = [fusion.EarlyFusion, fusion.IntermediateFusion, fusion.LateFusion]


def fusion_inputs(n=4, seed=0):
    g = gen(seed)
    return torch.randn(n, 1, 16, 16, generator=g), torch.randn(n, 6, generator=g)


@pytest.mark.parametrize("cls", FUSION_MODELS)
def test_fusion_models_ignore_a_missing_modality(cls):
    torch.manual_seed(0)
    net = cls(1, 6, num_classes=3).eval()
    image, tab = fusion_inputs()
    other_image, other_tab = fusion_inputs(seed=1)
    no_image = torch.tensor([[True, False]] * 4)
    no_tab = torch.tensor([[False, True]] * 4)
    with torch.no_grad():
        out = net(image, tab)
        a = net(image, tab, missing=no_image)
        b = net(other_image, tab, missing=no_image)
        c = net(image, other_tab, missing=no_tab)
        d = net(image, tab, missing=no_tab)
        nan_image = net(torch.full_like(image, float("nan")), tab, missing=no_image)
    assert out.shape == (4, 3)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(c, d)
    torch.testing.assert_close(nan_image, a)
    assert not torch.allclose(a, out) and not torch.allclose(d, out)


def test_late_fusion_is_the_mean_of_the_two_classifiers():
    torch.manual_seed(0)
    net = fusion.LateFusion(1, 6, num_classes=3, weights=(0.7, 0.3)).eval()
    image, tab = fusion_inputs()
    with torch.no_grad():
        p_img = net.image_model(image).softmax(1)
        p_tab = net.tabular_model(tab).softmax(1)
        out = net(image, tab)
        alone = net(image, tab, missing=torch.tensor([[True, False]] * 4))
    torch.testing.assert_close(out.softmax(1), 0.7 * p_img + 0.3 * p_tab)
    torch.testing.assert_close(alone.exp(), p_tab)


def test_early_fusion_fills_missing_with_zeros():
    torch.manual_seed(0)
    net = fusion.EarlyFusion(1, 6).eval()
    image, tab = fusion_inputs()
    with torch.no_grad():
        a = net(image, tab, missing=torch.tensor([[False, True]] * 4))
        b = net(image, torch.zeros_like(tab))
    torch.testing.assert_close(a, b)


FUSION_KEYS = {
    fusion.EarlyFusion: [
        "encoder.conv.0.weight",
        "encoder.conv.0.bias",
        "encoder.conv.3.weight",
        "encoder.conv.3.bias",
        "encoder.proj.0.weight",
        "encoder.proj.0.bias",
        "head.weight",
        "head.bias",
    ],
    fusion.IntermediateFusion: [
        "image_encoder.conv.0.weight",
        "image_encoder.conv.0.bias",
        "image_encoder.conv.3.weight",
        "image_encoder.conv.3.bias",
        "image_encoder.proj.0.weight",
        "image_encoder.proj.0.bias",
        "tabular_encoder.mlp.0.weight",
        "tabular_encoder.mlp.0.bias",
        "tabular_encoder.mlp.2.weight",
        "tabular_encoder.mlp.2.bias",
        "head.0.weight",
        "head.0.bias",
        "head.2.weight",
        "head.2.bias",
    ],
    fusion.LateFusion: [
        "image_model.0.conv.0.weight",
        "image_model.0.conv.0.bias",
        "image_model.0.conv.3.weight",
        "image_model.0.conv.3.bias",
        "image_model.0.proj.0.weight",
        "image_model.0.proj.0.bias",
        "image_model.1.weight",
        "image_model.1.bias",
        "tabular_model.0.mlp.0.weight",
        "tabular_model.0.mlp.0.bias",
        "tabular_model.0.mlp.2.weight",
        "tabular_model.0.mlp.2.bias",
        "tabular_model.1.weight",
        "tabular_model.1.bias",
    ],
}


@pytest.mark.parametrize("cls", FUSION_MODELS)
def test_fusion_state_dict_keys_are_stable(cls):
    assert list(cls(1, 6).state_dict()) == FUSION_KEYS[cls]


def test_fusion_errors():
    net = fusion.IntermediateFusion(1, 6)
    image, tab = fusion_inputs()
    with pytest.raises(ValueError, match=r"\(N, M\) = \(4, 2\)"):
        net(image, tab, missing=torch.zeros(4, 3, dtype=torch.bool))
    with pytest.raises(TypeError, match="bool"):
        net(image, tab, missing=torch.zeros(4, 2))
    with pytest.raises(ValueError, match="at least one modality"):
        net(image, tab, missing=torch.ones(4, 2, dtype=torch.bool))
    with pytest.raises(TypeError, match="image must be a floating"):
        net(image.long(), tab)
    with pytest.raises(ValueError, match="sizes"):
        fusion.LateFusion(1, 6, num_classes=0)


# ---------------------------------------------------------------- every model


def model_cases():
    image, tab = fusion_inputs(n=2)
    kspace = physics.fft2c(crandn(2, 1, 16, 16, dtype=torch.complex64))
    mask = physics.undersampling_mask(16, 4, 0.125, "equispaced", offset=0)
    cases = {
        "UnrolledReconstruction": (small_unrolled, (kspace, mask), (2, 1, 16, 16)),
        "DnCNN": (
            lambda: enhance.DnCNN(channels=8, num_layers=3),
            (torch.randn(2, 1, 16, 16),),
            (2, 1, 16, 16),
        ),
        "SliceSuperResolution": (
            lambda: enhance.SliceSuperResolution(3, channels=4, num_layers=2),
            (torch.randn(2, 1, 4, 8, 8),),
            (2, 1, 12, 8, 8),
        ),
    }
    for cls in FUSION_MODELS:
        cases[cls.__name__] = (lambda cls=cls: cls(1, 6), (image, tab), (2, 2))
    return cases


@pytest.mark.parametrize("name", list(model_cases()))
def test_model_contract_shape_and_finite_gradients(name):
    make, inputs, shape = model_cases()[name]
    torch.manual_seed(0)
    net = make()
    out = net(*inputs)
    assert tuple(out.shape) == shape
    (out.abs() if out.is_complex() else out).pow(2).mean().backward()
    for pname, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname
    assert any(p.grad.abs().sum() > 0 for p in net.parameters())


@cuda
@pytest.mark.parametrize("name", list(model_cases()))
def test_models_run_on_cuda_like_on_cpu(name):
    make, inputs, _ = model_cases()[name]
    torch.manual_seed(0)
    net = make().eval()
    with torch.no_grad():
        ref = net(*inputs)
        out = net.to("cuda")(*(x.to("cuda") for x in inputs))
    torch.testing.assert_close(out.cpu(), ref, atol=1e-4, rtol=1e-4)


@cuda
def test_physics_and_scores_on_cuda():
    x = crandn(2, 1, 32, 32)
    mask = physics.undersampling_mask(32, 4, 0.125, generator=gen())
    y = physics.undersample(x, mask)
    dc = physics.data_consistency(
        x.to("cuda") * 0, y.to("cuda"), mask
    )  # CPU mask moves
    torch.testing.assert_close(dc.cpu(), physics.data_consistency(x * 0, y, mask))
    g = torch.Generator(device="cuda").manual_seed(0)
    assert physics.undersampling_mask(32, 4, 0.125, "equispaced", g).is_cuda
    assert fusion.sample_missing(8, 0.5, generator=g).is_cuda
    a, b = image_pair((32, 32))
    assert enhance.ssim(a.to("cuda"), b.to("cuda"), 1.0).item() == pytest.approx(
        enhance.ssim(a, b, 1.0).item(), abs=1e-10
    )
