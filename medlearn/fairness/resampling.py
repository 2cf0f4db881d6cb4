"""Stratified bootstrap replicates of per-group confusion counts, two ways.

Each replicate draws ``n_a`` patients from group ``a`` with replacement, so
every group keeps its size; what the rates need from a replicate is each
group's counts (tn, fp, fn, tp). :func:`stratified_bootstrap_indices` +
counting (``impl="resample"``) is the definition, vectorised over replicates
in chunks; ``impl="multinomial"`` draws the counts directly from
``Multinomial(n_a, counts / n_a)`` as three binomials per group, in O(B G)
instead of O(B N), with the same distribution. :mod:`~medlearn.fairness.bootstrap`
turns the replicates into intervals. See chapter 09 (fairness).
"""

from __future__ import annotations

import torch
from torch import Tensor

from medlearn._helpers import check_choice, check_positive_int
from medlearn.fairness.groups import Groups, _cells, encode_groups
from medlearn.fairness.inputs import ArrayLike, GroupsLike

__all__ = ["stratified_bootstrap_indices", "bootstrap_counts"]


def _check_bootstrap(n_boot: int, confidence: float) -> None:
    check_positive_int("n_boot", n_boot)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: expected a level in (0, 1), got {confidence!r}")


def _device(generator: torch.Generator | None, fallback: torch.device) -> torch.device:
    """Random numbers are drawn where the generator lives (else on the data's device)."""
    return generator.device if generator is not None else fallback


def stratified_bootstrap_indices(
    groups: GroupsLike, n_boot: int, generator: torch.Generator | None = None
) -> Tensor:
    """Row indices of ``n_boot`` bootstrap resamples, stratified by group.

    Every position keeps its group: position ``i`` of a replicate holds a row
    drawn uniformly (with replacement) from the group of row ``i``, so
    ``codes[idx] == codes`` and every group keeps its size.

    Args:
        groups: ``(N,)`` group ids, several columns or :class:`Groups`.
        n_boot: B, the number of replicates.
        generator: source of randomness (its device is where indices are
            drawn). Defaults to None (torch's global generator).

    Returns:
        ``(B, N)`` int64 row indices.

    Raises:
        ValueError: for ``n_boot < 1`` or invalid groups.

    Example:
        >>> g = torch.tensor([0, 0, 1])
        >>> idx = stratified_bootstrap_indices(g, 4, torch.Generator().manual_seed(0))
        >>> idx.shape, bool((g[idx] == g).all()), idx[:, 2].tolist()
        (torch.Size([4, 3]), True, [2, 2, 2, 2])
    """
    _check_bootstrap(n_boot, 0.5)
    g = encode_groups(groups)
    device = _device(generator, g.codes.device)
    codes = g.codes.to(device)
    idx = torch.empty(n_boot, len(codes), dtype=torch.long, device=device)
    for k in range(len(g)):
        members = (codes == k).nonzero().flatten()  # (n_k,) rows of group k
        draw = torch.randint(
            len(members), (n_boot, len(members)), generator=generator, device=device
        )
        idx[:, members] = members[draw]  # (B, n_k)
    return idx


def _resampled_counts(
    cell: Tensor,
    g: Groups,
    n_boot: int,
    generator: torch.Generator | None,
    chunk_size: int | None,
) -> Tensor:
    """(B, G, 4) counts of resampled rows, ``chunk_size`` replicates at a time."""
    device = _device(generator, cell.device)
    cell, codes, G = cell.to(device), g.codes.to(device), len(g)
    chunk = chunk_size or max(1, 2**22 // len(cell))
    out = []
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = stratified_bootstrap_indices(g, b, generator).to(device)  # (b, N)
        rep = torch.arange(b, device=device).unsqueeze(1)  # (b, 1)
        flat = (rep * G + codes) * 4 + cell[idx]  # (b, N): codes[idx] == codes
        out.append(torch.bincount(flat.flatten(), minlength=b * G * 4))
    return torch.cat(out).reshape(n_boot, G, 4)


def _multinomial_counts(
    counts: Tensor, n_boot: int, generator: torch.Generator | None
) -> Tensor:
    """(B, G, 4) draws of Multinomial(n_a, counts_a / n_a), as chained binomials."""
    k = counts.to(_device(generator, counts.device)).double()  # (G, 4)
    after = k.flip(-1).cumsum(-1).flip(-1)  # (G, 4): k_j + ... + k_3
    left = k.sum(-1).expand(n_boot, -1).contiguous()  # (B, G) rows still to place
    draws = []
    for j in range(3):  # cell j given the cells before it: Bin(left, k_j / after_j)
        q = torch.where(after[:, j] > 0, k[:, j] / after[:, j].clamp(min=1), 0.0)
        prob = q.clamp(0, 1).expand_as(left).contiguous()  # (B, G)
        c = torch.binomial(left, prob, generator=generator)
        draws.append(c)
        left = left - c
    return torch.stack([*draws, left], dim=-1).long()  # (B, G, 4)


def _replicates(
    cell: Tensor,
    g: Groups,
    n_boot: int,
    generator: torch.Generator | None,
    impl: str,
    chunk_size: int | None = None,
) -> Tensor:
    if impl == "resample":
        return _resampled_counts(cell, g, n_boot, generator, chunk_size)
    counts = torch.bincount(g.codes * 4 + cell, minlength=4 * len(g)).reshape(-1, 4)
    return _multinomial_counts(counts, n_boot, generator)


def bootstrap_counts(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: GroupsLike,
    n_boot: int = 1000,
    generator: torch.Generator | None = None,
    impl: str = "multinomial",
    chunk_size: int | None = None,
) -> Tensor:
    """Confusion counts of each group in ``n_boot`` stratified bootstrap replicates.

    Args:
        y_true: ``(N,)`` true labels, 0/1 or bool.
        y_pred: ``(N,)`` predicted labels, 0/1 or bool.
        groups: ``(N,)`` group ids or several columns.
        n_boot: B, the number of replicates. Defaults to 1000.
        generator: source of randomness. Defaults to None (torch's global one).
        impl: ``"multinomial"`` (counts drawn directly, fast) or
            ``"resample"`` (rows resampled, then counted); same distribution.
            Defaults to ``"multinomial"``.
        chunk_size: replicates per chunk for ``"resample"``. Defaults to None
            (about 4 million indices per chunk).

    Returns:
        ``(B, G, 4)`` int64 counts (tn, fp, fn, tp), on the generator's device.
        Each replicate's counts of group ``a`` sum to its size ``n_a``.

    Raises:
        ValueError: for invalid labels, lengths, ``n_boot`` or ``impl``.

    Example:
        >>> c = bootstrap_counts([0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 1, 1], 8)
        >>> c.shape, c.sum(-1).unique().tolist()
        (torch.Size([8, 2, 4]), [2])
    """
    _check_bootstrap(n_boot, 0.5)
    check_choice("impl", impl, ("multinomial", "resample"))
    cell, g = _cells(y_true, y_pred, groups)
    return _replicates(cell, g, n_boot, generator, impl, chunk_size)
