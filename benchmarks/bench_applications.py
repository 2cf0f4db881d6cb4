"""Chapter 10: the overhead of medlearn.physics' teaching wrappers over plain torch.fft.

Two comparisons, each medlearn against the same computation written with direct
``torch.fft`` calls (no input checks, no helper functions), in one process on
the same inputs, timed in turns (ABAB ...) and reported as medians:

* ``fft2c`` / ``ifft2c`` / ``fft3c`` against
  ``fftshift(fftn(ifftshift(x), norm="ortho"))``;
* ``UnrolledReconstruction`` forward + backward on 256 x 256 single-coil
  k-space (default size: 4 iterations, 32 channels, 5 layers) against the same
  weights driven by a plain loop.

Target (issue 19): ratio medlearn / plain <= 1.1.

    python benchmarks/bench_applications.py [--quick] [--repeats N]
                                            [--threads N] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse

import torch
from results import record
from torch.fft import fft2, fftn, fftshift, ifft2, ifftshift

from medlearn.physics import (
    UnrolledReconstruction,
    fft2c,
    fft3c,
    ifft2c,
    undersample,
    undersampling_mask,
)
from medlearn.timing import compare

TARGET = 1.1
D2, D3 = (-2, -1), (-3, -2, -1)


def plain_fft2c(x):
    return fftshift(fft2(ifftshift(x, dim=D2), norm="ortho"), dim=D2)


def plain_ifft2c(x):
    return fftshift(ifft2(ifftshift(x, dim=D2), norm="ortho"), dim=D2)


def plain_fft3c(x):
    return fftshift(fftn(ifftshift(x, dim=D3), dim=D3, norm="ortho"), dim=D3)


def plain_unrolled(net: UnrolledReconstruction, y, mask):
    """The network's forward pass with direct torch.fft calls and no checks."""
    N, C, H, W = y.shape
    y = torch.where(mask, y, 0)
    x = plain_ifft2c(y)
    for cnn in net.cascades:
        ch = torch.view_as_real(x).permute(0, 1, 4, 2, 3).reshape(N, 2 * C, H, W)
        out = cnn(ch).reshape(N, C, 2, H, W).permute(0, 1, 3, 4, 2)
        x = x + torch.view_as_complex(out.contiguous())
        x = plain_ifft2c(torch.where(mask, y, plain_fft2c(x)))
    return x


def fft_rows(quick: bool, repeats: int, device) -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    side, n2 = (64, 4) if quick else (256, 8)
    size3 = (16, 32, 32) if quick else (32, 128, 128)
    x2 = torch.randn(n2, 1, side, side, dtype=torch.complex64, generator=g)
    x2 = x2.to(device)
    x3 = torch.randn(1, 1, *size3, dtype=torch.complex64, generator=g).to(device)
    rows = []
    for name, ours, plain, x in (
        ("fft2c", fft2c, plain_fft2c, x2),
        ("ifft2c", ifft2c, plain_ifft2c, x2),
        ("fft3c", fft3c, plain_fft3c, x3),
    ):
        assert torch.equal(ours(x), plain(x)), name
        med = compare(
            {"medlearn": lambda f=ours, x=x: f(x), "plain": lambda f=plain, x=x: f(x)},
            repeats=repeats,
            device=device,
        )
        rows.append(
            (f"{name} {tuple(x.shape)}", med["medlearn"].median, med["plain"].median)
        )
    return rows


def unrolled_row(quick: bool, repeats: int, device) -> tuple:
    size = 32 if quick else 256
    torch.manual_seed(0)
    net = UnrolledReconstruction().to(device)
    g = torch.Generator().manual_seed(0)
    image = torch.randn(1, 1, size, size, dtype=torch.complex64, generator=g)
    mask = undersampling_mask(size, 4, 0.08, "equispaced", g)
    y, mask = undersample(image, mask).to(device), mask.to(device)

    def step(forward):
        net.zero_grad(set_to_none=True)
        forward().abs().mean().backward()

    with torch.no_grad():
        torch.testing.assert_close(net(y, mask), plain_unrolled(net, y, mask))
    med = compare(
        {
            "medlearn": lambda: step(lambda: net(y, mask)),
            "plain": lambda: step(lambda: plain_unrolled(net, y, mask)),
        },
        repeats=repeats,
        device=device,
    )
    size_label = f"unrolled fwd+bwd (1, 1, {size}, {size})"
    return (size_label, med["medlearn"].median, med["plain"].median)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument(
        "--repeats", type=int, default=None, help="network repeats (FFTs: 4x)"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    repeats = args.repeats or (2 if args.quick else 7)
    rows = fft_rows(args.quick, repeats * 4, device)
    rows.append(unrolled_row(args.quick, repeats, device))
    print(
        f"chapter 10 physics, {device.type}, {torch.get_num_threads()} threads, "
        f"median of alternating repeats"
    )
    print(f"{'case':40s} {'medlearn ms':>12s} {'plain ms':>9s} {'ratio':>7s} {'target':>7s}")  # fmt: skip
    for label, ours, plain in rows:
        ratio = ours / plain
        verdict = "ok" if ratio <= TARGET else "MISSED"
        name, _, sizes = label.partition(" (")
        record(
            f"physics_{name.replace(' ', '_').replace('+', '_')}",
            "plain torch",
            ratio,
            sizes=f"({sizes}",
            device=device.type,
        )
        print(
            f"{label:40s} {ours * 1e3:12.3f} {plain * 1e3:9.3f} {ratio:7.3f} "
            f"{'<=' + str(TARGET):>7s} {verdict}"
        )


if __name__ == "__main__":
    main()
