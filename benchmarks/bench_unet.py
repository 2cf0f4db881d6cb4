"""Forward + backward time of medlearn's UNet against MONAI's BasicUNet.

Both networks get the same widths and depth (five levels), instance norm with
affine parameters, ReLU, 'same' padding, transposed-convolution upsampling and
the same input; timings alternate between the two (ABAB...) so that a busy
machine slows both alike. One CPU thread by default: on a shared 2-core machine
OpenMP threads spin against other processes and the timings become noise.
Target (issue 4): ratio medlearn / MONAI <= 1.0.

    python benchmarks/bench_unet.py [--quick] [--repeats N] [--threads N (0: all)]
                                    [--device cpu|cuda]
"""

from __future__ import annotations

import argparse

import torch
from monai.networks.nets import BasicUNet
from results import record

from medlearn.timing import compare
from medlearn.unet import UNet

TARGET = 1.0
# BasicUNet's default features are (32, 32, 64, 128, 256, 32): its last up-block
# does not halve, so equal first two widths make the two networks layer-for-layer
# the same (equal parameter counts).
MONAI_DEFAULT = (32, 32, 64, 128, 256)
QUARTER_DEFAULT = (8, 8, 16, 32, 64)


def make_pair(spatial_dims: int, channels: tuple[int, ...], device: str):
    ours = UNet(spatial_dims, 1, 2, channels, padding="same", norm="instance")
    features = (*channels, channels[0])  # BasicUNet: 5 encoder widths + last decoder
    theirs = BasicUNet(
        spatial_dims,
        1,
        2,
        features=features,
        act=("relu", {"inplace": True}),
        norm=("instance", {"affine": True}),
        upsample="deconv",
    )
    return ours.to(device), theirs.to(device)


def train_step(model: torch.nn.Module, x: torch.Tensor):
    def step() -> None:
        model.zero_grad(set_to_none=True)
        model(x).square().mean().backward()

    return step


def bench(spatial_dims, channels, shape, repeats, device) -> dict:
    torch.manual_seed(0)
    ours, theirs = make_pair(spatial_dims, channels, device)
    x = torch.randn(shape, device=device)
    steps = {"ours": train_step(ours, x), "theirs": train_step(theirs, x)}
    timings = compare(steps, repeats=repeats, warmup=1, device=x.device)
    med = {k: t.median for k, t in timings.items()}
    count = {k: sum(p.numel() for p in m.parameters()) for k, m in
             [("ours", ours), ("theirs", theirs)]}  # fmt: skip
    return {"med": med, "params": count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads (0: torch's default)"
    )
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.quick:
        cases = [
            ("2D", 2, (8, 8, 16, 32, 64), (2, 1, 32, 32)),
            ("3D", 3, (4, 4, 8, 16, 32), (1, 1, 32, 32, 32)),
        ]
        repeats = args.repeats or 2
    else:
        cases = [
            ("2D", 2, MONAI_DEFAULT, (2, 1, 64, 64)),
            ("3D", 3, QUARTER_DEFAULT, (1, 1, 32, 32, 32)),
        ]
        repeats = args.repeats or 5
    header = (
        f"{'case':<4} {'input':<18} {'params ours/MONAI':>19} "
        f"{'medlearn ms':>11} {'MONAI ms':>9} {'ratio':>6} {'target':>7}"
    )
    print(f"UNet vs monai BasicUNet, forward+backward, device={args.device}, "
          f"threads={torch.get_num_threads()}, median of {repeats}")  # fmt: skip
    print(header)
    for name, dims, channels, shape in cases:
        r = bench(dims, channels, shape, repeats, args.device)
        ours, theirs = r["med"]["ours"], r["med"]["theirs"]
        params = f"{r['params']['ours']:,}/{r['params']['theirs']:,}"
        record(
            f"unet_{name.lower()}_train",
            "MONAI BasicUNet",
            ours / theirs,
            sizes=f"{shape}, channels {channels}",
            device=str(args.device),
        )
        print(
            f"{name:<4} {str(shape):<18} {params:>19} {ours * 1e3:>11.1f} "
            f"{theirs * 1e3:>9.1f} {ours / theirs:>6.2f} {'<=' + str(TARGET):>7}"
        )


if __name__ == "__main__":
    main()
