"""medlearn.study: patient-level splits, leak checks and intervals (chapter 11).

Splits are judged by the properties that make them honest (no patient in two
splits, every row once, shares and strata kept), on random cohorts; leak
checks against brute force over sets and numpy's correlation; intervals
against scipy's percentile bootstrap.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch

from medlearn import data, study


def cohort(seed: int, n_patients: int = 40, n_sites: int = 3):
    """Random patients with 1-4 scans each, a site and a group per patient."""
    g = torch.Generator().manual_seed(seed)
    scans = torch.randint(1, 5, (n_patients,), generator=g)
    patient = torch.repeat_interleave(torch.arange(n_patients), scans)
    site = torch.randint(n_sites, (n_patients,), generator=g)[patient]
    group = torch.randint(2, (n_patients,), generator=g)[patient]
    ids = [f"p{int(p):03d}" for p in patient]
    return ids, site, group


def patients_of(ids, rows):
    return {ids[i] for i in rows.tolist()}


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    "fractions", [(0.7, 0.15, 0.15), (0.5, 0.5), (0.6, 0.2, 0.1, 0.1)]
)
def test_split_by_patient_keeps_every_patient_in_one_split(seed, fractions):
    ids, site, group = cohort(seed)
    splits = study.split_by_patient(ids, fractions, stratify=[site, group], seed=seed)
    rows = torch.cat(splits)
    assert sorted(rows.tolist()) == list(range(len(ids)))  # every row exactly once
    for a in range(len(splits)):
        for b in range(a + 1, len(splits)):
            assert patients_of(ids, splits[a]).isdisjoint(patients_of(ids, splits[b]))
    n_patients = len(set(ids))
    for f, rows_j in zip(fractions, splits, strict=True):
        assert abs(len(patients_of(ids, rows_j)) - f * n_patients) < 1  # shares


@pytest.mark.parametrize("seed", range(5))
def test_split_by_patient_keeps_each_stratum_in_proportion(seed):
    ids, site, group = cohort(seed, n_patients=60)
    fractions = (0.7, 0.15, 0.15)
    splits = study.split_by_patient(ids, fractions, stratify=[site, group], seed=seed)
    stratum_of = {ids[i]: (int(site[i]), int(group[i])) for i in range(len(ids))}
    for stratum in set(stratum_of.values()):
        members = {p for p, s in stratum_of.items() if s == stratum}
        for f, rows in zip(fractions, splits, strict=True):
            got = len(patients_of(ids, rows) & members)
            assert abs(got - f * len(members)) < 2, (stratum, got, len(members))


def test_split_by_patient_replays_and_depends_on_the_seed():
    ids, site, _ = cohort(0)
    a = study.split_by_patient(ids, stratify=site, seed=3)
    b = study.split_by_patient(ids, stratify=site, seed=3)
    c = study.split_by_patient(ids, stratify=site, seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(torch.equal(x, y) for x, y in zip(a, c, strict=True))


def test_allocate_keeps_every_prefix_within_one_item_of_its_share():
    fractions = (0.55, 0.3, 0.15)
    labels = study.allocate(101, fractions)
    counts = torch.zeros(3)
    for m, j in enumerate(labels.tolist(), start=1):
        counts[j] += 1
        assert (counts - torch.tensor(fractions) * m).abs().max() < 1


def test_image_level_split_leaks_patients_and_find_leaks_counts_them():
    ids, _, _ = cohort(1)
    leaky = study.split_by_image(len(ids), (0.7, 0.3), seed=0)
    report = study.find_leaks(leaky, ids)
    shared = patients_of(ids, leaky[0]) & patients_of(ids, leaky[1])
    assert len(shared) > 0  # the control: with follow-ups, an image split leaks
    assert report.count("patient") == len(shared)
    for leak in report.leaks:
        assert ids[leak.rows[0]] == ids[leak.rows[1]]
        assert (
            leak.rows[0] in leaky[leak.splits[0]]
            and leak.rows[1] in leaky[leak.splits[1]]
        )
    clean = study.find_leaks(study.split_by_patient(ids, (0.7, 0.3)), ids)
    assert not clean and clean.summary() == "no leak between splits"


def test_kfold_by_patient_tests_every_patient_once():
    ids, site, _ = cohort(2)
    folds = study.kfold_by_patient(ids, k=4, stratify=site)
    tested = [patients_of(ids, test) for _, test in folds]
    assert sorted(p for t in tested for p in t) == sorted(set(ids))
    for (train, test), t in zip(folds, tested, strict=True):
        assert patients_of(ids, train).isdisjoint(t)
        assert len(train) + len(test) == len(ids)


def _phantoms(n: int) -> torch.Tensor:
    return torch.stack([data.phantom_2d(32, seed=s).image for s in range(n)])


def test_thumbnail_correlation_equals_numpy():
    images = _phantoms(5)
    t = study.thumbnails(images, size=8)
    pooled = images.double().reshape(5, 1, 8, 4, 8, 4).mean((3, 5)).flatten(1).numpy()
    np.testing.assert_allclose((t @ t.T).numpy(), np.corrcoef(pooled), atol=1e-10)


def test_find_leaks_finds_a_rescaled_noisy_copy_and_nothing_else():
    images = _phantoms(12)
    g = torch.Generator().manual_seed(0)
    copy = 2.0 * images[3] + 10.0 + 0.02 * torch.randn(images[3].shape, generator=g)
    images = torch.cat([images, copy[None]])  # row 12 is row 3 again
    splits = [torch.arange(0, 8), torch.arange(8, 13)]
    report = study.find_leaks(splits, images=images)
    assert [(leak.kind, leak.rows) for leak in report.leaks] == [
        ("near_duplicate", (3, 12))
    ]
    assert report.leaks[0].score > 0.98


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"splits": [torch.arange(3)]}, "two or more splits"),
        (
            {"splits": [torch.arange(2), torch.tensor([5])], "patient_ids": [0, 1, 2]},
            "outside",
        ),
        ({"splits": [torch.arange(2), torch.tensor([2.0])]}, "row indices"),
        (
            {"splits": [torch.arange(2), torch.arange(2, 3)], "threshold": 1.5},
            "threshold",
        ),
    ],
)
def test_find_leaks_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        study.find_leaks(**kwargs)


def test_bootstrap_ci_matches_scipy_percentile_bootstrap():
    g = torch.Generator().manual_seed(1)
    values = torch.rand(40, generator=g, dtype=torch.float64) ** 0.5
    ours = study.bootstrap_ci(values, n_boot=20000, seed=0)
    ref = scipy.stats.bootstrap(
        (values.numpy(),),
        np.mean,
        n_resamples=20000,
        method="percentile",
        confidence_level=0.95,
        random_state=np.random.default_rng(0),
    ).confidence_interval
    assert ours.estimate == pytest.approx(float(values.mean()))
    # Monte Carlo error of a 2.5% quantile from 20000 replicates: about 0.001
    assert ours.low == pytest.approx(ref.low, abs=0.005)
    assert ours.high == pytest.approx(ref.high, abs=0.005)


def test_bootstrap_over_patients_is_wider_than_over_scans_when_scans_correlate():
    g = torch.Generator().manual_seed(0)
    per_patient = torch.rand(20, generator=g, dtype=torch.float64)
    patient = torch.arange(20).repeat_interleave(10)  # 10 near-identical scans each
    values = per_patient[patient] + 0.01 * torch.randn(
        200, generator=g, dtype=torch.float64
    )
    by_patient = study.bootstrap_ci(values, patient, n_boot=4000)
    by_scan = study.bootstrap_ci(values, n_boot=4000)
    width = lambda ci: ci.high - ci.low  # noqa: E731
    assert by_patient.n_units == 20 and by_scan.n_units == 200
    assert width(by_patient) > 2.5 * width(by_scan)  # about sqrt(10) wider


def test_bootstrap_with_one_row_per_patient_equals_the_plain_bootstrap():
    values = torch.rand(30, generator=torch.Generator().manual_seed(2))
    a = study.bootstrap_ci(values, [f"p{i}" for i in range(30)], n_boot=500, seed=5)
    b = study.bootstrap_ci(values, n_boot=500, seed=5)
    assert a == b


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([0.5, float("nan")], {}, "NaN"),
        ([], {}, "non-empty"),
        ([0.5, 0.6], {"level": 1.0}, "level"),
        ([0.5, 0.6], {"units": [0]}, "one per value"),
        ([0.5, 0.6], {"n_boot": 0}, "n_boot"),
    ],
)
def test_bootstrap_ci_rejects_bad_input(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        study.bootstrap_ci(values, **kwargs)


def test_results_table_rows_are_the_intervals_of_their_subsets():
    ids, site, _ = cohort(3)
    g = torch.Generator().manual_seed(0)
    dice = torch.rand(len(ids), generator=g, dtype=torch.float64)
    rows = study.results_table({"dice": dice}, ids, by={"site": site}, n_boot=300)
    assert [r["subset"] for r in rows] == ["all"] + [
        f"site={s}" for s in dict.fromkeys(site.tolist())
    ]
    for r in rows[1:]:
        mask = site == int(r["subset"].split("=")[1])
        ci = study.bootstrap_ci(
            dice[mask], [ids[i] for i in mask.nonzero().flatten()], 300
        )
        assert (r["estimate"], r["low"], r["high"]) == (ci.estimate, ci.low, ci.high)
        assert r["scans"] == int(mask.sum())
    table = study.to_markdown(rows)
    assert table.count("\n") == len(rows) + 1 and "95% CI" in table


def test_split_rejects_bad_input():
    with pytest.raises(ValueError, match="sum to 1"):
        study.split_by_patient([0, 1, 2], (0.5, 0.4))
    with pytest.raises(ValueError, match="cannot fill"):
        study.split_by_patient([0, 0, 1], (0.4, 0.3, 0.3))
    with pytest.raises(ValueError, match="NaN"):
        study.split_by_patient(torch.tensor([0.0, float("nan")]), (0.5, 0.5))
    with pytest.raises(ValueError, match="one per row"):
        study.split_by_patient([0, 1, 2, 3], (0.5, 0.5), stratify=[0, 1])
    with pytest.raises(ValueError, match="at least 2"):
        study.kfold_by_patient([0, 1, 2], k=1)


def test_a_copied_scan_in_another_split_is_found_on_a_cohort():
    cohort = data.sample_cohort(24, size=(4, 24, 24), seed=0)
    train, test = study.split_by_patient(cohort.patient_ids, (0.7, 0.3))
    assert not study.find_leaks([train, test], cohort.patient_ids, cohort.images)
    row = int(train[2])
    g = torch.Generator().manual_seed(0)
    copy = (
        1.5 * cohort.images[row]
        + 3
        + 0.02 * torch.randn(cohort.images[row].shape, generator=g)
    )
    images = torch.cat([cohort.images, copy[None]])
    report = study.find_leaks(
        [train, torch.cat([test, torch.tensor([len(cohort)])])], images=images
    )
    assert [leak.rows for leak in report.leaks] == [(row, len(cohort))]
