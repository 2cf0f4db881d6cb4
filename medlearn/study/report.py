"""The one-page study report, in Markdown and HTML, computed from a run's record.

:func:`study_report` turns a :class:`~medlearn.study.StudyRecord` into what a
reviewer reads: the question, the cohort per partition, the results table
(Dice and HD95 in mm with bootstrap intervals over patients, overall, per
site and per group), the fairness gap, the six-panel figure (learning curves,
per-site intervals, calibration, uncertainty against error, groups) and the
CLAIM / TRIPOD+AI checklist (:func:`~medlearn.study.fill_checklist`). Every
number comes from the record. The report is built once as blocks (heading,
paragraph, table, image) and written out twice, so the Markdown and the HTML
always say the same; in a notebook the report displays as its HTML.

See chapter 11 (capstone).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

from medlearn.study.checklist import ChecklistItem, fill_checklist
from medlearn.study.figures import report_figure
from medlearn.study.gaps import group_gap
from medlearn.study.intervals import Interval, results_table
from medlearn.study.record import StudyRecord

__all__ = ["StudyReport", "study_report"]

Block = tuple[
    str, object
]  # ("h2", text) | ("p", text) | ("table", rows) | ("img", png)


@dataclass(frozen=True)
class StudyReport:
    """A rendered report and the numbers behind it.

    Attributes:
        markdown: the report as Markdown (the figure as an embedded PNG).
        html: the same report as a standalone HTML page.
        results: the results table (:func:`~medlearn.study.results_table`).
        gap: the Dice gap between the two groups, or None.
        checklist: the answered checklist items.
    """

    markdown: str
    html: str
    results: list[dict[str, object]]
    gap: Interval | None
    checklist: list[ChecklistItem]

    def _repr_html_(self) -> str:
        """The page's body, for display inside a notebook or a book page."""
        return self.html.split("<body>\n", 1)[1].rsplit("\n</body>", 1)[0]


def _results(record: StudyRecord) -> tuple[list[dict[str, object]], int]:
    """Dice over every scored scan, HD95 over the finite ones; the failure count."""
    units = record.rows(record.patient_ids)
    by = {"site": record.rows(record.site), "group": record.rows(record.group)}
    rows = results_table({"dice": record.dice}, units, by, record.n_boot, record.level)
    finite = record.hd95_mm.isfinite()
    keep = finite.nonzero().flatten().tolist()
    if keep:
        rows += results_table(
            {"hd95_mm": record.hd95_mm[finite]},
            [units[i] for i in keep],
            {k: [v[i] for i in keep] for k, v in by.items()},
            record.n_boot,
            record.level,
        )
    return rows, int((~finite).sum())


def _gap(record: StudyRecord) -> Interval | None:
    groups = record.rows(record.group)
    if len(set(groups)) != 2:
        return None
    units = record.rows(record.patient_ids)
    return group_gap(
        record.dice, units, groups, n_boot=record.n_boot, level=record.level
    )


def _blocks(
    record: StudyRecord,
    rows: list[dict[str, object]],
    failures: int,
    gap: Interval | None,
    items: list[ChecklistItem],
    png: bytes,
) -> list[Block]:
    level = f"{record.level:.0%} CI"
    table = [["metric", "subset", "patients", "scans", f"estimate [{level}]"]] + [
        [
            str(r["metric"]),
            str(r["subset"]),
            str(r["patients"]),
            str(r["scans"]),
            f"{r['estimate']:.3f} [{r['low']:.3f}, {r['high']:.3f}]",
        ]
        for r in rows
    ]
    cohort = [["partition", "patients", "scans", "sites"]] + [
        [
            name,
            str(len({record.patient_ids[i] for i in idx.tolist()})),
            str(len(idx)),
            ", ".join(sorted({record.site[i] for i in idx.tolist()})),
        ]
        for name, idx in record.splits.items()
    ]
    gap_text = (
        "Only one group was scored: no gap."
        if gap is None
        else (
            f"Dice gap between the groups (second - first): {gap.estimate:+.3f} "
            f"[{gap.low:+.3f}, {gap.high:+.3f}] ({level}, patients resampled within groups)."
        )
    )
    checklist = [["item", "guideline theme", "answer (from the run)", "status"]] + [
        [i.topic, i.guideline, i.answer, i.status] for i in items
    ]
    missing = sum(i.status != "yes" for i in items)
    return [
        ("h1", record.title),
        ("p", f"Question: {record.question}"),
        (
            "p",
            f"Data: {record.data_source}. Voxel spacing {record.spacing} mm (z, y, x).",
        ),
        ("h2", "Cohort"),
        ("table", cohort),
        ("h2", "Results"),
        (
            "p",
            f"Dice over {len(record.dice)} scored scans; HD95 in mm over the "
            f"{len(record.dice) - failures} with both masks non-empty ({failures} left "
            f"out). Intervals: percentile bootstrap over patients, {record.n_boot} "
            "replicates.",
        ),
        ("table", table),
        ("p", gap_text),
        ("img", png),
        ("h2", "Checklist (CLAIM, TRIPOD+AI)"),
        (
            "p",
            f"{len(items) - missing} of {len(items)} items answered 'yes' by the run; "
            f"{missing} are 'no' or 'not recorded': the study cannot claim them.",
        ),
        ("table", checklist),
    ]


def _markdown(blocks: list[Block]) -> str:
    out = []
    for kind, content in blocks:
        if kind == "h1":
            out.append(f"# {content}")
        elif kind == "h2":
            out.append(f"## {content}")
        elif kind == "p":
            out.append(str(content))
        elif kind == "img":
            data = base64.b64encode(content).decode()
            out.append(f"![study figure](data:image/png;base64,{data})")
        else:
            header, *body = content
            cells = [[c.replace("|", "\\|") for c in row] for row in content]
            out.append(
                "\n".join(
                    ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(header)]
                    + ["| " + " | ".join(row) + " |" for row in cells[1:]]
                )
            )
    return "\n\n".join(out) + "\n"


def _html(blocks: list[Block], title: str) -> str:
    out = []
    for kind, content in blocks:
        if kind in ("h1", "h2", "p"):
            out.append(f"<{kind}>{html.escape(str(content))}</{kind}>")
        elif kind == "img":
            data = base64.b64encode(content).decode()
            out.append(
                f'<img alt="study figure" src="data:image/png;base64,{data}" '
                'style="max-width:100%">'
            )
        else:
            header, *body = content
            head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in body
            )
            out.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            )
    body = "\n".join(out)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}'
        "</title></head>\n<body>\n" + body + "\n</body></html>\n"
    )


def study_report(record: StudyRecord, dpi: int = 80) -> StudyReport:
    """Build the one-page report of a run, in Markdown and HTML.

    Args:
        record: what the run recorded.
        dpi: the figure's resolution. Defaults to 80.

    Returns:
        A :class:`StudyReport`.

    Raises:
        ValueError: as :func:`~medlearn.study.results_table` does (e.g. NaN Dice).

    Example:
        >>> import torch
        >>> r = StudyRecord("q", ["a", "b", "c"], ["A", "A", "B"], [0, 1, 1],
        ...     (1.0, 1.0), {"train": torch.tensor([0]), "test": torch.tensor([1, 2])},
        ...     torch.tensor([1, 2]), torch.tensor([0.8, 0.7]), torch.tensor([2.0, 3.0]))
        >>> report = study_report(r)
        >>> report.markdown.startswith("# Study report"), report.gap
        (True, None)
    """
    rows, failures = _results(record)
    gap = _gap(record)
    items = fill_checklist(record)
    png = report_figure(record, rows, gap, dpi)
    blocks = _blocks(record, rows, failures, gap, items, png)
    return StudyReport(_markdown(blocks), _html(blocks, record.title), rows, gap, items)
