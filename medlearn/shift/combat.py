"""ComBat: location/scale harmonisation of features across batches (sites).

ComBat (Johnson et al. 2007; for imaging, Fortin et al. 2017, 2018) models
feature ``v`` of sample ``j`` in batch ``i`` as::

    y_ijv = alpha_v + x_j . beta_v + gamma_iv + delta_iv * e_ijv

with biological covariates ``x_j`` to preserve (age, sex, disease), an
additive site effect ``gamma`` and a multiplicative one ``delta``. It
standardises the data with the pooled fit (``alpha``, ``beta`` and a pooled
variance ``sigma_v^2``), estimates ``gamma_hat`` and ``delta_hat^2`` per batch
and feature (batch mean and ``ddof = 1`` variance of the standardised data),
optionally shrinks them towards their batch's mean over features (empirical
Bayes: normal prior on ``gamma``, inverse-gamma on ``delta^2``, iterated to
the fixed point), and returns
``(z - gamma*) / delta* * sigma + alpha + x . beta``.

This follows ``neuroCombat`` 0.2.12 (parametric EB, ``ref_batch=None``) on its
conventions, with one change of layout: here ``data`` is ``(samples,
features)``, while neuroCombat takes ``dat`` as ``(features, samples)``.
Covariates are numeric columns of the design (neuroCombat's
``continuous_cols``; a categorical covariate enters as 0/1 dummies without the
first level, which is what neuroCombat's ``categorical_cols`` builds). Kept
from neuroCombat: the pooled variance divides by ``n``; a feature with zero
variance within a batch gets ``delta_hat^2 = 1`` there (neuroCombat's
``convert_zeroes``; here "zero" means below 1e-20 in standardised units,
since rounding leaves a variance of about 1e-31 that neuroCombat's exact test
misses, and it then divides by it); the EB iteration stops
when ``max(|g_new - g_old| / g_old, |d_new - d_old| / d_old) <= 1e-4``
(sva's rule, the signed denominator included); ``mean_only`` uses
``postmean(gamma_hat, gamma_bar, 1, 1, t2)`` and ``delta* = 1``.

Documented treatments, where neuroCombat returns NaN or a silent artefact:

* a feature that batch and covariates explain exactly (pooled SD below
  1e-10 of the feature's largest magnitude, i.e. zero up to rounding; e.g. a
  constant) is set to its fitted mean ``alpha + x . beta`` (the batch
  offset removed, nothing to rescale) and left out of the priors;
  neuroCombat sets its variance to ``median(var_pooled != 0)``, i.e. 1, and
  then shifts it by the shrunken batch means, an artefact;
* a batch with a single sample cannot give a variance: a clear error, unless
  ``mean_only=True`` (location only, as sva's ComBat does for such batches);
* covariates collinear with the batches (e.g. disease status constant within
  every site): a clear error, since site and covariate cannot be separated.

A site not seen when fitting is harmonised by :meth:`ComBat.transform`: its
data are standardised with the fitted ``alpha``, ``beta`` and ``sigma``, and
its own ``gamma*``, ``delta*`` estimated from its own samples (at least 2),
exactly as fitting would for that batch (each batch's priors use only its
own estimates). A new site whose data equal a fitted batch's therefore gets
that batch's output. Its estimates are only as good as its sample; its
patients' covariates must lie in the fitted range. neuroHarmonize cannot do
this (its issues #50, #58); neuroCombat's ``neuroCombatFromTraining`` refuses
unseen batches, replaces each sample's covariate effect by the training
average, and fails under NumPy 2 (``int()`` of a 1-element array).

See chapter 07 (shift).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from medlearn.shift._validate import as_features

__all__ = ["ComBat", "combat"]

CONVERGENCE = 1e-4  # neuroCombat's (and sva's) relative-change tolerance
MAX_ITER = 10000
ZERO_VARIANCE = 1e-20  # a standardised within-batch variance this small is rounding


def _labels(batch: object, n: int) -> list:
    """Batch labels as a list of Python scalars, one per sample."""
    if isinstance(batch, Tensor):
        batch = batch.detach().cpu().numpy()
    labels = np.asarray(batch)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(
            f"batch must hold one label per sample, shape ({n},), got shape "
            f"{labels.shape}"
        )
    return labels.tolist()


def _covariates(covariates: Tensor | None, data: Tensor, k: int | None) -> Tensor:
    """Covariates ``(n, k)`` in ``data``'s dtype; ``(n, 0)`` for None."""
    n = data.shape[0]
    if covariates is None:
        cov = data.new_zeros(n, 0)
    else:
        cov = as_features(covariates, "covariates", min_rows=1)
        if cov.shape[0] != n:
            raise ValueError(
                f"covariates must have one row per sample ({n}), got "
                f"{tuple(covariates.shape)}"
            )
        cov = cov.to(data.device, data.dtype)
    if k is not None and cov.shape[1] != k:
        raise ValueError(
            f"covariates: fitted with {k} columns, got {cov.shape[1]} "
            "(pass the same covariates, or None, as to fit)"
        )
    return cov


def _inverse_gamma_prior(delta_hat: Tensor, label: object) -> tuple[Tensor, Tensor]:
    """Method-of-moments ``(a, b)`` of the inverse-gamma prior on ``delta^2``."""
    m, s2 = delta_hat.mean(), delta_hat.var()
    if not s2 > 0:
        raise ValueError(
            f"eb=True: the variances of batch {label!r} are equal for every "
            "feature, so their inverse-gamma prior is undefined; use eb=False"
        )
    return (2 * s2 + m**2) / s2, (m * s2 + m**3) / s2


def _eb_fixed_point(
    z: Tensor, g_hat: Tensor, d_hat: Tensor, a: Tensor, b: Tensor, label: object
) -> tuple[Tensor, Tensor]:
    """neuroCombat's ``it_sol``: posterior means of gamma and delta^2, iterated."""
    n = z.shape[0]
    g_bar, t2 = g_hat.mean(), g_hat.var()
    g_old, d_old = g_hat, d_hat
    for _ in range(MAX_ITER):
        g_new = (t2 * n * g_hat + d_old * g_bar) / (t2 * n + d_old)
        sum2 = ((z - g_new) ** 2).sum(0)
        d_new = (0.5 * sum2 + b) / (n / 2.0 + a - 1.0)
        change = max(
            float(((g_new - g_old).abs() / g_old).max()),
            float(((d_new - d_old).abs() / d_old).max()),
        )
        g_old, d_old = g_new, d_new
        if not change > CONVERGENCE:  # a NaN change stops, as in neuroCombat
            return g_new, d_new
    raise RuntimeError(f"ComBat's EB iteration for batch {label!r} did not converge")


def _batch_estimates(
    z: Tensor, label: object, *, eb: bool, mean_only: bool
) -> tuple[Tensor, Tensor]:
    """``gamma*``, ``delta*^2`` ``(p,)`` of one batch from its standardised rows ``z``."""
    if z.shape[0] < 2 and not mean_only:
        raise ValueError(
            f"batch {label!r} has 1 sample: its scale (a ddof=1 variance) cannot "
            "be estimated; drop it, or pass mean_only=True to adjust its location "
            "only (as sva's ComBat does)"
        )
    g_hat = z.mean(0)
    if mean_only:
        d_hat = torch.ones_like(g_hat)
    else:
        d_hat = z.var(0)
        d_hat = torch.where(d_hat <= ZERO_VARIANCE, torch.ones_like(d_hat), d_hat)
    if not eb:
        return g_hat, d_hat
    if mean_only:
        t2 = g_hat.var()
        return (t2 * g_hat + g_hat.mean()) / (t2 + 1), d_hat
    a, b = _inverse_gamma_prior(d_hat, label)
    return _eb_fixed_point(z, g_hat, d_hat, a, b, label)


class ComBat:
    """ComBat harmonisation with a fit/transform split (unseen sites included).

    Args:
        eb: shrink the per-batch estimates by parametric empirical Bayes.
            Defaults to True.
        mean_only: adjust the location only (``delta* = 1``). Defaults to False.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> data = torch.randn(40, 5, generator=g, dtype=torch.float64)
        >>> site = torch.arange(40) % 2
        >>> data[site == 1] = 3 * data[site == 1] + 2  # site 1: gain and offset
        >>> out = ComBat().fit(data, site).transform(data, site)
        >>> bool((out[site == 1].mean() - out[site == 0].mean()).abs() < 0.3)
        True

    See chapter 07 (shift).
    """

    def __init__(self, *, eb: bool = True, mean_only: bool = False) -> None:
        for value, name in ((eb, "eb"), (mean_only, "mean_only")):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False, got {value!r}")
        self.eb = eb
        self.mean_only = mean_only

    def _standardise(self, y: Tensor, cov: Tensor) -> Tensor:
        return (y - self.grand_mean_ - cov @ self.beta_) / self.sd_

    def fit(
        self, data: Tensor, batch: Sequence | Tensor, covariates: Tensor | None = None
    ) -> ComBat:
        """Estimate the pooled model and every batch's ``gamma*``, ``delta*``.

        Args:
            data: ``(samples, features)`` (neuroCombat's ``dat`` transposed).
            batch: one label per sample ``(samples,)``: ints or strings.
            covariates: numeric covariates to preserve ``(samples, k)``.
                Defaults to None.

        Returns:
            ``self``, fitted.

        Raises:
            TypeError: if ``data`` or ``covariates`` is not a real tensor.
            ValueError: on NaN/inf, mismatched lengths, a one-sample batch
                (unless ``mean_only``), fewer than 2 varying features with
                ``eb``, or covariates collinear with the batches.
        """
        y = as_features(data, "data", min_rows=2)
        labels = _labels(batch, y.shape[0])
        cov = _covariates(covariates, y, None)
        self.levels_ = sorted(set(labels))
        member = torch.tensor([self.levels_.index(v) for v in labels], device=y.device)
        onehot = torch.nn.functional.one_hot(member, len(self.levels_)).to(y.dtype)
        design = torch.cat([onehot, cov], dim=1)  # (n, B + k)
        if torch.linalg.matrix_rank(design) < design.shape[1]:
            raise ValueError(
                "covariates are collinear with the batches (e.g. a covariate "
                "constant within every batch, or a duplicated column): ComBat "
                "cannot separate their effects"
            )
        coef = torch.linalg.solve(design.T @ design, design.T @ y)  # (B + k, p)
        B = len(self.levels_)
        self.grand_mean_ = onehot.mean(0) @ coef[:B]  # (p,) batch sizes as weights
        self.beta_ = coef[B:]  # (k, p)
        var_pooled = ((y - design @ coef) ** 2).mean(0)  # (p,), divided by n
        # explained exactly, up to rounding: set to the fitted mean
        self.exact_ = var_pooled <= (1e-10 * y.abs().amax(0)) ** 2
        if self.eb and int((~self.exact_).sum()) < 2:
            raise ValueError("eb=True needs at least 2 features that vary")
        self.sd_ = torch.where(self.exact_, 1.0, var_pooled).sqrt()
        z = self._standardise(y, cov)[:, ~self.exact_]
        self.estimates_ = {}
        for i, level in enumerate(self.levels_):
            self.estimates_[level] = _batch_estimates(
                z[member == i], level, eb=self.eb, mean_only=self.mean_only
            )
        return self

    def transform(
        self, data: Tensor, batch: Sequence | Tensor, covariates: Tensor | None = None
    ) -> Tensor:
        """Harmonise ``data``; a batch not seen in :meth:`fit` is estimated from its rows.

        Args:
            data: ``(samples, features)``, the fitted number of features.
            batch: one label per sample ``(samples,)``.
            covariates: ``(samples, k)``, as in fit. Defaults to None.

        Returns:
            Harmonised data ``(samples, features)`` in ``data``'s floating
            dtype (float32 for integer input).

        Raises:
            RuntimeError: if the model is not fitted.
            ValueError: on NaN/inf, a feature count or covariates unlike fit,
                or an unseen batch with one sample (unless ``mean_only``).
        """
        if not hasattr(self, "estimates_"):
            raise RuntimeError("ComBat.transform: call fit first")
        y = as_features(data, "data", min_rows=1)
        if y.shape[1] != self.sd_.shape[0]:
            raise ValueError(
                f"data: fitted with {self.sd_.shape[0]} features, got {y.shape[1]}"
            )
        labels = _labels(batch, y.shape[0])
        cov = _covariates(covariates, y, self.beta_.shape[0])
        z = self._standardise(y, cov)[:, ~self.exact_]
        out = z.clone()
        for level in sorted(set(labels), key=str):
            rows = torch.tensor([v == level for v in labels], device=y.device)
            if level in self.estimates_:
                gamma, delta = self.estimates_[level]
            else:  # an unseen site: its own estimates against the fitted model
                gamma, delta = _batch_estimates(
                    z[rows], level, eb=self.eb, mean_only=self.mean_only
                )
            out[rows] = (z[rows] - gamma) / delta.sqrt()
        result = self.grand_mean_ + cov @ self.beta_  # (n, p) fitted means
        keep = ~self.exact_
        result[:, keep] += out * self.sd_[keep]
        dtype = data.dtype if data.is_floating_point() else torch.get_default_dtype()
        return result.to(dtype)

    def fit_transform(
        self, data: Tensor, batch: Sequence | Tensor, covariates: Tensor | None = None
    ) -> Tensor:
        """:meth:`fit`, then :meth:`transform` of the same data."""
        return self.fit(data, batch, covariates).transform(data, batch, covariates)


def combat(
    data: Tensor,
    batch: Sequence | Tensor,
    covariates: Tensor | None = None,
    *,
    eb: bool = True,
    mean_only: bool = False,
) -> Tensor:
    """Harmonise features across batches with ComBat (equal to neuroCombat 0.2.12).

    ``neuroCombat(dat=data.T, covars, batch_col, continuous_cols=..., eb=eb)``
    in this layout: **``data`` is ``(samples, features)``, while neuroCombat
    takes features x samples**. The model and the documented treatments of
    degenerate input are in the module docstring; for a site not seen when
    fitting use :class:`ComBat` (``fit``, then ``transform``).

    Args:
        data: ``(samples, features)`` values, e.g. image-derived features.
        batch: one batch (site, scanner) label per sample ``(samples,)``.
        covariates: numeric covariates to preserve ``(samples, k)``; a
            categorical one as 0/1 dummies without its first level. Defaults
            to None.
        eb: empirical Bayes shrinkage of the batch estimates. Defaults to True.
        mean_only: adjust location only. Defaults to False.

    Returns:
        Harmonised data ``(samples, features)`` in ``data``'s dtype.

    Raises:
        TypeError: if ``data`` or ``covariates`` is not a real tensor.
        ValueError: on NaN/inf, mismatched lengths, a one-sample batch
            (unless ``mean_only``), or covariates collinear with the batches.

    Example:
        >>> data = torch.tensor([[1.0, 2.0], [2.0, 1.0], [11.0, 12.0], [12.0, 14.0]])
        >>> combat(data, ["A", "A", "B", "B"], eb=False)[:, 0]
        tensor([6.1464, 6.8536, 6.1464, 6.8536])

    See chapter 07 (shift).
    """
    return ComBat(eb=eb, mean_only=mean_only).fit_transform(data, batch, covariates)
