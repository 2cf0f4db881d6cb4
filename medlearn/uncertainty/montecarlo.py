"""Epistemic uncertainty from many models: MC dropout and deep ensembles.

MC dropout (Gal & Ghahramani, 2016) keeps dropout switched on at test time, so
every forward pass is a different thinned network: ``T`` passes are ``T``
"second opinions". Everything else (batch norm above all) stays in eval mode.
Samples are stacked along a new first axis: ``(T, N, ...)``.

The teaching path, :func:`mc_dropout_loop`, runs ``T`` forward passes; the fast
path, :func:`mc_dropout_predict`, repeats the batch ``T`` times along ``N`` and
runs one (or a few, chunked) larger passes. Each copy gets its own dropout
mask, so both draw from the same distribution.

See chapter 08 (uncertainty).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import Tensor, nn

from medlearn._helpers import check_positive_int, preserve_modes

__all__ = [
    "DROPOUT_LAYERS",
    "mc_dropout_mode",
    "mc_dropout_loop",
    "mc_dropout_predict",
    "ensemble_predict",
]

DROPOUT_LAYERS = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
)

Output = Tensor | tuple[Tensor, ...]


@contextlib.contextmanager
def mc_dropout_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode except its dropout layers; restore every mode on exit.

    Args:
        model: a network with at least one ``nn.Dropout*`` layer.

    Yields:
        The model, ready for MC dropout sampling.

    Raises:
        ValueError: if the model has no dropout layer (every sample would be the
            same and the epistemic uncertainty silently zero).

    Example:
        >>> net = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.Dropout(0.5))
        >>> with mc_dropout_mode(net):
        ...     [m.training for m in net]
        [False, False, True]
        >>> net.training
        True

    See chapter 08 (uncertainty).
    """
    dropouts = [m for m in model.modules() if isinstance(m, DROPOUT_LAYERS)]
    if not dropouts:
        raise ValueError(
            f"model must contain a dropout layer (one of "
            f"{[c.__name__ for c in DROPOUT_LAYERS]}) for MC dropout; "
            f"found none in {type(model).__name__}"
        )
    with preserve_modes(model):
        model.eval()
        for module in dropouts:
            module.train()
        yield model


def _seeded(
    device: torch.device, seed: int | None, generator: torch.Generator | None
) -> contextlib.AbstractContextManager:
    """Seed the global RNG of ``device`` (dropout uses it) and restore it afterwards."""
    if seed is None and generator is None:
        return contextlib.nullcontext()
    if generator is not None:
        seed = int(
            torch.randint(2**62, (1,), generator=generator, device=generator.device)
        )
    if device.type == "cpu":  # seed and restore the CPU generator only
        devices, device_type, manual_seed = (
            [],
            None,
            torch.default_generator.manual_seed,
        )
    else:  # torch.manual_seed seeds every device of the type: fork them all
        device_type = device.type
        devices = list(range(torch.get_device_module(device_type).device_count()))
        manual_seed = torch.manual_seed

    @contextlib.contextmanager
    def forked() -> Iterator[None]:
        with torch.random.fork_rng(devices=devices, device_type=device_type):
            manual_seed(seed)
            yield

    return forked()


def _stack(outputs: Sequence[Output], *, cat: bool = False) -> Output:
    """Stack (or concatenate) model outputs, tensors or tuples of tensors, on dim 0."""
    join: Callable = torch.cat if cat else torch.stack
    if isinstance(outputs[0], Tensor):
        return join(list(outputs))
    return tuple(join(list(parts)) for parts in zip(*outputs, strict=True))


def _split_copies(y: Output, copies: int) -> Output:
    """Reshape ``(k * N, ...)`` outputs to ``(k, N, ...)``."""
    if isinstance(y, Tensor):
        return y.reshape(copies, y.shape[0] // copies, *y.shape[1:])  # (k, N, ...)
    return tuple(_split_copies(part, copies) for part in y)


def _check_inputs(model: nn.Module, x: Tensor, n_samples: int) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(x, Tensor) or x.dim() < 1:
        got = f"shape {tuple(x.shape)}" if isinstance(x, Tensor) else type(x).__name__
        raise TypeError(f"x must be a batched tensor (N, ...), got {got}")
    check_positive_int("n_samples", n_samples)


def mc_dropout_loop(
    model: nn.Module,
    x: Tensor,
    n_samples: int,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> Output:
    """MC dropout, the plain way: ``T`` passes, dropout on and batch norm frozen.

    Args:
        model: a network with dropout layers, returning a tensor or a tuple of
            tensors with the batch first.
        x: input batch ``(N, ...)``.
        n_samples: number of samples ``T``.
        seed: seed for the dropout masks; the global RNG is restored afterwards.
            Defaults to None (continue the global RNG).
        generator: alternative to ``seed``: the seed is drawn from it.
            Defaults to None.

    Returns:
        Samples ``(T, N, ...)`` (a tuple of them if the model returns a tuple).

    Raises:
        TypeError: if ``model`` or ``x`` has the wrong type.
        ValueError: if ``n_samples < 1`` or the model has no dropout layer.

    Example:
        >>> net = nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.5))
        >>> mc_dropout_loop(net, torch.randn(4, 3), 8, seed=0).shape
        torch.Size([8, 4, 2])

    See chapter 08 (uncertainty).
    """
    _check_inputs(model, x, n_samples)
    with torch.no_grad(), mc_dropout_mode(model), _seeded(x.device, seed, generator):
        return _stack([model(x) for _ in range(n_samples)])


def mc_dropout_predict(
    model: nn.Module,
    x: Tensor,
    n_samples: int,
    *,
    chunk_size: int | None = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> Output:
    """MC dropout, vectorised: the ``T`` samples as copies of the batch in one pass.

    The batch is repeated along ``N`` (sample-major: row ``t * N + n`` is copy
    ``t`` of input ``n``), so every copy draws its own dropout mask and the
    result has the distribution of :func:`mc_dropout_loop`. Rows must not
    interact, which holds in eval mode (batch norm uses its running statistics).

    Args:
        model: a network with dropout layers, returning a tensor or a tuple of
            tensors with the batch first.
        x: input batch ``(N, ...)``.
        n_samples: number of samples ``T``.
        chunk_size: copies per forward pass (``chunk_size * N`` rows) when
            memory does not allow all ``T``; 1 is the plain loop. Defaults to
            None (all ``T`` in one pass).
        seed: seed for the dropout masks; the global RNG is restored afterwards.
            Defaults to None (continue the global RNG).
        generator: alternative to ``seed``: the seed is drawn from it.
            Defaults to None.

    Returns:
        Samples ``(T, N, ...)`` (a tuple of them if the model returns a tuple).

    Raises:
        TypeError: if ``model`` or ``x`` has the wrong type.
        ValueError: if ``n_samples`` or ``chunk_size`` is < 1, or the model has
            no dropout layer.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Dropout(0.2))
        >>> mc_dropout_predict(net, torch.randn(2, 1, 8, 8), 20, seed=0).shape
        torch.Size([20, 2, 2, 8, 8])

    See chapter 08 (uncertainty).
    """
    _check_inputs(model, x, n_samples)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(
            f"chunk_size must be None or an integer >= 1, got {chunk_size!r}"
        )
    N = x.shape[0]
    step = n_samples if chunk_size is None else min(chunk_size, n_samples)
    chunks = []
    with torch.no_grad(), mc_dropout_mode(model), _seeded(x.device, seed, generator):
        for start in range(0, n_samples, step):
            k = min(step, n_samples - start)
            rows = x.expand(k, *x.shape).reshape(k * N, *x.shape[1:])  # (k * N, ...)
            chunks.append(_split_copies(model(rows), k))  # (k, N, ...)
    return _stack(chunks, cat=True)


def ensemble_predict(models: Sequence[nn.Module], x: Tensor) -> Output:
    """Deep ensemble: every member in eval mode on the same batch, stacked.

    Independently trained networks disagree where data were scarce, a second
    estimate of epistemic uncertainty (Lakshminarayanan et al., 2017). Modes are
    restored afterwards.

    Args:
        models: the ensemble members ``M``, each returning a tensor or a tuple
            of tensors with the batch first.
        x: input batch ``(N, ...)``.

    Returns:
        Samples ``(M, N, ...)``, the layout of :func:`mc_dropout_predict`.

    Raises:
        TypeError: if a member is not an ``nn.Module``.
        ValueError: if ``models`` is empty.

    Example:
        >>> members = [nn.Linear(3, 2) for _ in range(5)]
        >>> ensemble_predict(members, torch.randn(4, 3)).shape
        torch.Size([5, 4, 2])

    See chapter 08 (uncertainty).
    """
    models = list(models)
    if not models:
        raise ValueError("models must hold at least one network, got an empty sequence")
    for i, model in enumerate(models):
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"models[{i}] must be an nn.Module, got {type(model).__name__}"
            )
    outputs = []
    with torch.no_grad():
        for model in models:
            with preserve_modes(model):
                outputs.append(model.eval()(x))
    return _stack(outputs)
