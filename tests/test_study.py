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


# --- the report's ingredients: gaps, rank correlation, referral, checklist, report


def test_group_gap_with_one_row_per_patient_matches_scipy_two_sample_bootstrap():
    g = torch.Generator().manual_seed(3)
    a = torch.rand(30, generator=g, dtype=torch.float64)
    b = torch.rand(25, generator=g, dtype=torch.float64) + 0.2
    values = torch.cat([a, b])
    groups = ["a"] * 30 + ["b"] * 25
    gap = study.group_gap(values, list(range(55)), groups, n_boot=8000, seed=1)
    ref = scipy.stats.bootstrap(
        (a.numpy(), b.numpy()),
        lambda x, y, axis: y.mean(axis) - x.mean(axis),
        n_resamples=8000,
        method="percentile",
        random_state=np.random.default_rng(0),
    ).confidence_interval
    assert gap.estimate == pytest.approx(float(b.mean() - a.mean()), abs=1e-12)
    # two Monte Carlo estimates of the same quantiles: equal within their noise
    assert gap.low == pytest.approx(ref.low, abs=0.015)
    assert gap.high == pytest.approx(ref.high, abs=0.015)
    assert (gap.n_units, gap.n_rows) == (55, 55)


def test_group_gap_resamples_patients_not_scans():
    """Each patient's scan twice (identical): the interval is that of one scan each;
    a bootstrap over scans would have been narrower."""
    g = torch.Generator().manual_seed(4)
    values = torch.rand(20, generator=g, dtype=torch.float64)
    groups = [i % 2 for i in range(20)]
    once = study.group_gap(values, list(range(20)), groups, seed=2)
    twice = study.group_gap(
        values.repeat_interleave(2),
        [i // 2 for i in range(40)],
        [groups[i // 2] for i in range(40)],
        seed=2,
    )
    assert (twice.low, twice.high) == pytest.approx((once.low, once.high), abs=1e-12)
    scans = study.group_gap(
        values.repeat_interleave(2),
        list(range(40)),
        [groups[i // 2] for i in range(40)],
    )
    assert scans.high - scans.low < 0.85 * (once.high - once.low)


@pytest.mark.parametrize(
    ("groups", "kwargs", "message"),
    [
        ([0, 1, 2, 0], {}, "exactly two groups"),
        ([0, 1, 0, 1], {"pair": (0, 5)}, "not in groups"),
        ([0, 1, 0], {}, "expected 4 each"),
    ],
)
def test_group_gap_rejects_bad_input(groups, kwargs, message):
    with pytest.raises(ValueError, match=message):
        study.group_gap([0.1, 0.2, 0.3, 0.4], [0, 1, 2, 3], groups, **kwargs)


@pytest.mark.parametrize("seed", range(4))
def test_spearman_matches_scipy_with_ties(seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 6, (40,), generator=g).double()  # many ties
    y = x + torch.randn(40, generator=g, dtype=torch.float64)
    expected = scipy.stats.spearmanr(x.numpy(), y.numpy()).statistic
    assert study.spearman(x, y) == pytest.approx(expected, abs=1e-12)
    assert np.isnan(study.spearman(torch.ones(5), torch.arange(5.0)))


def _referral_by_brute_force(u, e):
    u, e = u.tolist(), e.tolist()
    order = sorted(range(len(u)), key=lambda i: (-u[i], i))
    out = []
    for k in range(len(u) + 1):
        kept = [e[i] for i in order[k:]]
        out.append(sum(kept) / len(kept) if kept else 0.0)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_referral_curve_equals_brute_force_and_the_oracle_bounds_it(seed):
    g = torch.Generator().manual_seed(seed)
    e = torch.rand(25, generator=g, dtype=torch.float64)
    u = torch.randint(0, 5, (25,), generator=g).double()  # ties keep the order
    curve = study.referral_curve(u, e)
    assert curve.error.tolist() == pytest.approx(_referral_by_brute_force(u, e))
    assert curve.referred[0] == 0 and curve.referred[-1] == 1
    assert curve.error[0] == pytest.approx(float(e.mean()))
    oracle = study.referral_curve(e, e)  # ranking by the true error
    assert bool((oracle.error <= curve.error + 1e-12).all())
    target = float(e.mean()) / 2
    share = study.review_fraction(curve, target)
    k = round(share * 25)
    assert curve.error[k] <= target and bool((curve.error[:k] > target).all())


def test_referral_rejects_bad_input():
    with pytest.raises(ValueError, match="one per scan"):
        study.referral_curve([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="NaN or inf"):
        study.referral_curve([0.1, float("nan")], [0.1, 0.2])
    with pytest.raises(ValueError, match="at least 0"):
        study.review_fraction(study.referral_curve([1.0], [1.0]), -0.1)


def small_record(split="patient", **changes):
    """A 12-patient cohort (sites A, B; group 0/1), scored on its test split."""
    c = data.sample_cohort(12, sites=("A", "B"), size=(4, 12, 12), seed=5)
    if split == "patient":
        train, test = study.split_by_patient(c.patient_ids, (0.6, 0.4), stratify=c.site)
    else:
        train, test = study.split_by_image(len(c), (0.6, 0.4))
    g = torch.Generator().manual_seed(0)
    dice = 0.6 + 0.3 * torch.rand(len(test), generator=g, dtype=torch.float64)
    hd95 = 1 + 5 * torch.rand(len(test), generator=g, dtype=torch.float64)
    hd95[0] = float("inf")  # an empty prediction
    fields = dict(
        question="Does the model outline the organ?",
        patient_ids=c.patient_ids,
        site=c.site,
        group=c.group,
        spacing=c.spacing,
        splits={"train": train, "test": test},
        evaluated=test,
        dice=dice,
        hd95_mm=hd95,
        history={"loss": [1.0, 0.5, 0.3]},
        data_source="synthetic",
        n_boot=200,
    )
    fields.update(changes)
    return study.StudyRecord(**fields), c


def statuses(record):
    return {item.topic: item for item in study.fill_checklist(record)}


def test_checklist_answers_come_from_the_run():
    honest, c = small_record("patient", images=None)
    leaky, _ = small_record("image", images=c.images)
    leak = "No patient or image in two partitions"
    assert statuses(honest)[leak].status == "yes"
    assert statuses(leaky)[leak].status == "no"
    n_leaks = study.find_leaks(list(leaky.splits.values()), c.patient_ids, c.images)
    assert statuses(leaky)[leak].answer.startswith(n_leaks.summary())
    assert statuses(honest)["Calibration"].status == "not recorded"
    assert statuses(honest)["Failure cases"].answer.startswith("1 of")
    # a site never trained on makes the validation external
    external = "External validation (a site not used in training)"
    assert statuses(honest)[external].status == "no"
    only_a = torch.tensor(
        [i for i in honest.splits["train"].tolist() if c.site[i] == "A"]
    )
    moved, _ = small_record(splits={"train": only_a, "test": honest.evaluated})
    assert statuses(moved)[external].status == "yes"
    assert "['B']" in statuses(moved)[external].answer
    u = 1 - honest.dice + 0.01 * torch.arange(len(honest.dice))
    with_u, _ = small_record(uncertainty=u, images=None)
    rho = study.spearman(u, 1 - with_u.dice)
    assert f"{rho:.2f}" in statuses(with_u)["Uncertainty and referral"].answer


def test_study_report_shows_the_numbers_of_its_results_table():
    record, _ = small_record()
    report = study.study_report(record)
    finite = record.hd95_mm.isfinite()
    units = record.rows(record.patient_ids)
    expected = study.bootstrap_ci(record.dice, units, n_boot=200)
    hd = study.bootstrap_ci(
        record.hd95_mm[finite], [u for u, f in zip(units, finite) if f], n_boot=200
    )
    all_rows = [r for r in report.results if r["subset"] == "all"]
    assert [r["metric"] for r in all_rows] == ["dice", "hd95_mm"]
    assert all_rows[0]["estimate"] == pytest.approx(expected.estimate)
    assert (all_rows[1]["low"], all_rows[1]["high"]) == pytest.approx((hd.low, hd.high))
    for r in report.results:  # every row is printed in both renderings
        cell = f"{r['estimate']:.3f} [{r['low']:.3f}, {r['high']:.3f}]"
        assert cell in report.markdown and cell in report.html
    assert report.gap is not None and f"{report.gap.estimate:+.3f}" in report.markdown
    for item in report.checklist:
        assert item.topic in report.markdown
    body = report._repr_html_()  # displayed inside a page: no second <html>
    assert body in report.html and "<html" not in body and body.startswith("<h1>")


def test_study_report_html_is_well_formed_and_embeds_a_png():
    import base64
    import html.parser
    import re

    report = study.study_report(small_record()[0])

    class Tags(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.tables = [], 0

        def handle_starttag(self, tag, attrs):
            if tag not in ("meta", "img"):
                self.stack.append(tag)
            self.tables += tag == "table"

        def handle_endtag(self, tag):
            assert self.stack.pop() == tag

    parser = Tags()
    parser.feed(report.html)
    assert parser.stack == [] and parser.tables == 3  # cohort, results, checklist
    assert report.markdown.count("\n|---") == 3
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", report.markdown)
    assert base64.b64decode(png.group(1))[:8] == b"\x89PNG\r\n\x1a\n"


def test_study_record_rejects_bad_input():
    with pytest.raises(ValueError, match="'train' split"):
        small_record(splits={"test": torch.tensor([0])})
    with pytest.raises(ValueError, match="dice: expected shape"):
        small_record(dice=torch.tensor([0.5]))
    with pytest.raises(ValueError, match="evaluated: expected row indices"):
        small_record(evaluated=torch.tensor([10_000]))
