"""Device checks of the shared infrastructure: device, io, timing, train, viz."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from gpu_checks import ON_DEVICE, Check  # noqa: E402
from medlearn import device, io, metrics, timing, train, viz  # noqa: E402
from medlearn.unet import UNet  # noqa: E402

DEVICE_FREE: dict[object, str] = {
    device.get_device: "chooses the device; checked by the runner's own choice",
    device.seed_everything: "seeds every generator; returns a CPU generator",
    io.NiftiError: "an exception class",
    io.load_nifti: "reads a file into a CPU tensor",
    io.save_nifti: "writes a file",
    io.spacing_from_affine: "NumPy arithmetic on a 4x4 affine",
    io.nibabel_sample_path: "a file path",
    timing.Timing: "a record of seconds",
    viz.show_source: "formats source code",
    viz.draw_unet: "draws boxes from trace_unet's shapes (checked) with matplotlib",
}


def _drawn(draw: object) -> object:
    """Call a drawing function and return what it drew (close the figure)."""

    def run(*args: object) -> object:
        out = draw(*args)
        fig = getattr(out, "figure", out)
        lines = [a.get_images()[0].get_array() for a in fig.axes if a.get_images()]
        plt.close(fig)
        return [
            torch.as_tensor(a.filled(0) if hasattr(a, "filled") else a) for a in lines
        ]

    return run


def _fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    hist = train.fit(
        model, (x, y), nn.functional.mse_loss, steps=3, batch_size=4, progress=False
    )
    return hist["loss"]


def checks(g: torch.Generator) -> list[Check]:
    x, y = torch.randn(12, 3, generator=g), torch.randn(12, 1, generator=g)
    torch.manual_seed(0)
    linear = nn.Linear(3, 1)
    image, mask = (
        torch.rand(1, 16, 16, generator=g),
        torch.rand(16, 16, generator=g) > 0.6,
    )
    volume = torch.rand(6, 16, 16, generator=g)
    boxes, scores = torch.tensor([[1.0, 2.0, 8.0, 9.0]]), torch.tensor([0.7])
    probs = torch.rand(200, generator=g)
    diagram = metrics.reliability_diagram(probs, (probs > 0.5).long())
    a = torch.randn(64, 64, generator=g)
    return [
        Check(
            lambda d: torch.rand(3, generator=device.make_generator(0, d)),
            (ON_DEVICE,),
            covers=(device.make_generator,),
            values=False,
            label="(the device's own stream)",
        ),
        Check(
            lambda d: timing.synchronize(d), (ON_DEVICE,), covers=(timing.synchronize,)
        ),
        Check(
            lambda a, d: timing.measure(lambda: a @ a, repeats=2, device=d).times,
            (a, ON_DEVICE),
            covers=(timing.measure,),
            values=False,
        ),
        Check(
            lambda a, d: (
                timing.compare({"mm": lambda: a @ a}, repeats=2, device=d)["mm"].times
            ),
            (a, ON_DEVICE),
            covers=(timing.compare,),
            values=False,
        ),
        Check(
            lambda a, d: _stopwatch(a, d),
            (a, ON_DEVICE),
            covers=(timing.Stopwatch,),
            values=False,
        ),
        Check(
            lambda a: timing.peak_memory(lambda: a @ a + 1),
            (a,),
            covers=(timing.peak_memory,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(_fit, (linear, x, y), covers=(train.fit,), rtol=1e-4, atol=1e-6),
        Check(
            lambda m, x: train.predict(m, x, batch_size=5),
            (linear, x),
            covers=(train.predict,),
        ),
        Check(
            lambda m, x, y: train.evaluate(
                m, x, y, nn.functional.l1_loss, batch_size=5
            ),
            (linear, x, y),
            covers=(train.evaluate,),
        ),
        Check(viz.to_numpy_image, (image,), rtol=0.0, atol=0.0),
        Check(
            _drawn(viz.show_overlay), (image, mask, mask), covers=(viz.show_overlay,)
        ),
        Check(_drawn(viz.show_boxes), (image, boxes, scores), covers=(viz.show_boxes,)),
        Check(
            _drawn(viz.show_slices), (volume, volume > 0.5), covers=(viz.show_slices,)
        ),
        Check(
            lambda v: viz.render_slice(v, 3),
            (volume,),
            covers=(viz.render_slice,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(
            lambda v: viz.slice_viewer(v).image.value,
            (volume,),
            covers=(viz.slice_viewer,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(_drawn_bars(), (diagram,), covers=(viz.plot_reliability_diagram,)),
        Check(
            lambda m: torch.tensor(
                [[b["channels"], *b["size"]] for b in viz.trace_unet(m, (1, 1, 16, 16))]
            ),
            (UNet(2, 1, 2, channels=(4, 8)).eval(),),
            covers=(viz.trace_unet,),
            rtol=0.0,
            atol=0.0,
        ),
    ]


def _stopwatch(a: torch.Tensor, d: torch.device) -> float:
    with timing.Stopwatch(d) as watch:
        a @ a
    return watch.seconds


def _drawn_bars() -> object:
    def run(diagram: object) -> list[float]:
        ax = viz.plot_reliability_diagram(diagram)
        heights = [p.get_height() for p in ax.patches]
        plt.close(ax.figure)
        return heights

    return run
