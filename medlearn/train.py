"""A small, explicit training loop with a progress bar, on any device.

``fit`` runs a fixed number of optimisation steps (not epochs), which keeps a
chapter's run time predictable on a laptop CPU. The progress bar is a widget in
notebooks and text in terminals (``tqdm.auto``). See chapter 03 (unet).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

import torch
from torch import nn

from medlearn._helpers import check_choice, check_positive_int, preserve_modes

__all__ = ["fit", "predict", "evaluate"]

Batch = tuple[torch.Tensor, torch.Tensor]


def _all_tensors(items: Iterable[object]) -> bool:
    return all(isinstance(t, torch.Tensor) for t in items)


def _batches(
    data: Batch | Iterable[Batch],
    batch_size: int,
    g: torch.Generator,
    shard: tuple[int, int] = (0, 1),
) -> Iterator[Batch]:
    """Endless minibatches: random draws from tensors, or cycling an iterable.

    ``shard = (rank, world_size)``: every process draws the same minibatch of
    tensors and keeps its ``rank``-th equal part (an iterable is used as given).
    """
    if isinstance(data, tuple | list) and len(data) == 2 and _all_tensors(data):
        x, y = data  # a pair of tensors, given as a tuple or a list
        if len(x) != len(y):
            raise ValueError(
                f"data: inputs and targets differ in length: {len(x)} vs {len(y)}"
            )
        rank, world = shard
        while True:
            idx = torch.randint(len(x), (min(batch_size, len(x)),), generator=g)
            part = len(idx) // world
            idx = idx[rank * part : (rank + 1) * part]  # (B / world,) this rank's
            yield x[idx], y[idx]
    while True:
        empty = True
        for item in data:
            empty = False
            if not isinstance(item, tuple | list) or len(item) != 2:
                got = f"shape {tuple(item.shape)}" if _all_tensors([item]) else item
                raise TypeError(
                    "data: expected an (inputs, targets) pair of tensors or an "
                    f"iterable of such pairs, but a batch was {type(item).__name__} "
                    f"{got}"
                )
            yield item[0], item[1]
        if empty:
            raise ValueError("data: the iterable yielded no batch")


_PRECISIONS = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def _check_precision(precision: str, device: torch.device) -> torch.dtype | None:
    check_choice("precision", precision, tuple(_PRECISIONS))
    if precision == "fp16" and device.type != "cuda":
        raise ValueError(
            f"precision: 'fp16' needs a CUDA device (got {device}); use 'bf16' on the CPU"
        )
    if (
        precision == "bf16"
        and device.type == "cuda"
        and not torch.cuda.is_bf16_supported()
    ):
        raise ValueError("precision: this GPU has no bfloat16; use 'fp16'")
    return _PRECISIONS[precision]


def _memory_format(x: torch.Tensor, *, channels_last: bool) -> torch.Tensor:
    if channels_last and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    if channels_last and x.dim() == 5:
        return x.contiguous(memory_format=torch.channels_last_3d)
    return x


def _check_finite(losses: list[torch.Tensor], first_step: int) -> None:
    """Raise at the first non-finite loss of a chunk (one device sync per chunk)."""
    values = torch.stack(losses).float().cpu()
    bad = (~torch.isfinite(values)).nonzero()
    if len(bad):
        i = int(bad[0])
        raise ValueError(
            f"loss became {values[i].item()} at step {first_step + i}: lower lr?"
        )


def _distributed(
    model: nn.Module, device: torch.device, batch_size: int
) -> tuple[nn.Module, int, int]:
    """Join the process group torchrun set up; wrap the model in DDP."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    if not dist.is_initialized():
        if "WORLD_SIZE" not in os.environ:
            raise ValueError(
                "distributed=True: no process group; launch with torchrun "
                "(e.g. `torchrun --nproc-per-node 2 train.py`) or call "
                "torch.distributed.init_process_group first"
            )
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    if batch_size % world:
        raise ValueError(
            f"batch_size: the effective batch {batch_size} must split evenly "
            f"over {world} processes"
        )
    ids = [device.index or 0] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids), rank, world


def _mean_over_processes(losses: torch.Tensor, world: int) -> torch.Tensor:
    if world == 1:
        return losses
    import torch.distributed as dist

    dist.all_reduce(losses)  # summed over processes, once per sync, not per step
    return losses / world


def fit(
    model: nn.Module,
    data: Batch | Iterable[Batch],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    steps: int = 100,
    batch_size: int = 16,
    lr: float = 1e-3,
    optimizer: torch.optim.Optimizer | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    progress: bool = True,
    desc: str = "training",
    precision: str = "fp32",
    channels_last: bool = False,
    augment: Callable[[torch.Tensor, torch.Tensor, torch.Generator], Batch]
    | None = None,
    sync_every: int = 10,
    distributed: bool = False,
) -> dict[str, list[float]]:
    """Train ``model`` for ``steps`` optimisation steps.

    The loop never waits for the device inside a step: losses stay on the device
    and are read (and checked for NaN) once every ``sync_every`` steps.

    Args:
        model: the network; it is moved to ``device`` and left in train mode.
        data: ``(inputs, targets)`` tensors (a tuple or a list of the two) to
            draw random minibatches from, or an iterable of ``(inputs,
            targets)`` batches (e.g. a DataLoader), cycled as often as needed.
        loss_fn: ``loss_fn(model(inputs), targets)`` returns a scalar.
        steps: number of optimisation steps. Defaults to 100.
        batch_size: minibatch size when ``data`` is a tensor pair. Defaults to 16.
        lr: Adam learning rate (ignored if ``optimizer`` is given). Defaults to 1e-3.
        optimizer: a ready optimiser. Defaults to None (Adam on all parameters).
        device: where to train. Defaults to None (the model's device).
        seed: seeds minibatch sampling and ``augment``'s generator. Defaults to 0.
        progress: show a progress bar with the running loss (a widget in
            notebooks, text in terminals; off when the environment sets
            ``TQDM_DISABLE=1``, as ``make book`` does). Defaults to True.
        desc: progress-bar label. Defaults to "training".
        precision: ``"fp32"``, ``"bf16"`` (mixed precision with ``torch.autocast``,
            on the CPU or a GPU that has it) or ``"fp16"`` (CUDA only, with a
            gradient scaler). Defaults to "fp32".
        channels_last: keep the model and 4D/5D inputs in channels-last memory
            format (faster convolutions on recent GPUs). Defaults to False.
        augment: ``augment(inputs, targets, generator) -> (inputs, targets)``,
            applied on the device inside each step (e.g. a ``medlearn.augment``
            transform); the generator lives on the device. Defaults to None.
        sync_every: steps between reads of the loss from the device. Defaults to 10.
        distributed: train with DistributedDataParallel in every process that
            ``torchrun`` started (gloo on the CPU, nccl on GPUs): each process
            computes its equal part of the ``batch_size`` minibatch drawn from
            tensors, gradients are averaged across processes, so the result
            equals one process with the same effective batch. An iterable is
            used as given: give each process its own shard (e.g. with
            ``DistributedSampler``). The returned losses are averaged over
            processes; the bar shows on rank 0. Defaults to False.

    Returns:
        ``{"loss": [float] * steps}``, the training loss of every step.

    Raises:
        ValueError: if ``steps`` < 1, the precision does not suit the device,
            the loss becomes NaN or infinite, or ``distributed=True`` without a
            process group or with a batch that does not split evenly.
        TypeError: if a batch of ``data`` is not an ``(inputs, targets)`` pair.

    Example:
        >>> net = nn.Linear(2, 1)
        >>> x, y = torch.randn(32, 2), torch.randn(32, 1)
        >>> hist = fit(net, (x, y), nn.functional.mse_loss, steps=5, progress=False)
        >>> len(hist["loss"])
        5
    """
    from tqdm.auto import tqdm

    check_positive_int("steps", steps)
    check_positive_int("sync_every", sync_every)
    if device is None:
        device = next(model.parameters()).device
    device = torch.device(device)
    autocast_dtype = _check_precision(precision, device)
    model.to(device).train()
    if channels_last:
        model.to(memory_format=torch.channels_last)
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    net, rank, world = model, 0, 1
    if distributed:
        net, rank, world = _distributed(model, device, batch_size)
    scaler = torch.amp.GradScaler("cuda") if precision == "fp16" else None
    g = torch.Generator().manual_seed(seed)
    g_aug = torch.Generator(device=device).manual_seed(seed + rank) if augment else None
    # TQDM_DISABLE=1 (set by `make book`) hides bars in the static book, where a
    # notebook progress widget would render as an empty box
    quiet = os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes")
    show = progress and not quiet and rank == 0
    bar = tqdm(range(steps), desc=desc, disable=not show, leave=False)
    batches = _batches(data, batch_size, g, (rank, world))
    pending: list[torch.Tensor] = []
    history: list[float] = []
    for step in bar:
        x, y = next(batches)
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if augment is not None:
            x, y = augment(x, y, g_aug)
        x = _memory_format(x, channels_last=channels_last)
        with torch.autocast(
            device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None
        ):
            loss = loss_fn(net(x), y)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        pending.append(loss.detach())
        if len(pending) == sync_every or step == steps - 1:
            losses = _mean_over_processes(torch.stack(pending).float(), world)
            _check_finite(list(losses), step + 1 - len(pending))
            history += losses.cpu().tolist()
            pending = []
            bar.set_postfix(loss=f"{history[-1]:.4f}")
    bar.close()
    return {"loss": history}


@torch.no_grad()
def predict(
    model: nn.Module,
    inputs: torch.Tensor,
    *,
    batch_size: int = 32,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Run ``model`` in eval mode over ``inputs`` in chunks; outputs on the CPU.

    Args:
        model: the network.
        inputs: ``(N, ...)`` input tensor.
        batch_size: chunk size. Defaults to 32.
        device: where to run. Defaults to None (the model's device).

    Returns:
        ``(N, ...)`` the concatenated outputs, on the CPU.
    """
    if device is None:
        device = next(model.parameters()).device
    with preserve_modes(model):  # every submodule's mode, even on error
        model.to(device).eval()
        out = [
            model(inputs[i : i + batch_size].to(device)).cpu()
            for i in range(0, len(inputs), batch_size)
        ]
    return torch.cat(out)


def evaluate(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    metric: Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float],
    *,
    batch_size: int = 32,
    device: torch.device | str | None = None,
) -> list[float]:
    """A per-sample metric of the model's predictions.

    Args:
        model: the network.
        inputs: ``(N, ...)`` inputs.
        targets: ``(N, ...)`` targets.
        metric: ``metric(output_i, target_i)`` for one sample (no batch axis).
        batch_size: chunk size for :func:`predict`. Defaults to 32.
        device: where to run. Defaults to None (the model's device).

    Returns:
        ``N`` floats, one per sample.
    """
    outputs = predict(model, inputs, batch_size=batch_size, device=device)
    return [float(metric(o, t)) for o, t in zip(outputs, targets)]
