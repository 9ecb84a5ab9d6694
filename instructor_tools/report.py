"""What the class got wrong: score distribution and pass rate per graded function."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from instructor_tools.gradetable import StudentGrades


def pass_rates(columns: list[str], rows: list[StudentGrades]) -> dict[str, float]:
    """For each function, the fraction of students with all of its points."""
    rates = {}
    for column in columns:
        full = [
            r.by_function[column][0] >= r.by_function[column][1] - 1e-9
            for r in rows
            if column in r.by_function
        ]
        rates[column] = float(np.mean(full)) if full else float("nan")
    return rates


def histogram_figure(assignment: str, columns: list[str], rows: list[StudentGrades]):
    """Two panels: the distribution of total scores and the mean score fraction per function."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(10, 4), layout="constrained")
    left, right = fig.subplots(1, 2)
    totals = [r.total for r in rows]
    top = max((r.max_total for r in rows), default=1.0)
    left.hist(
        totals, bins=np.linspace(0, top, min(int(top), 20) + 1), color="#4c72b0", edgecolor="white"
    )
    left.set(
        title=f"{assignment}: total scores ({len(rows)} students)",
        xlabel=f"points (of {top:g})",
        ylabel="students",
    )
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    fractions = [
        np.mean(
            [
                r.by_function[c][0] / r.by_function[c][1]
                for r in rows
                if c in r.by_function and r.by_function[c][1] > 0
            ]
            or [0.0]
        )
        for c in columns
    ]
    labels = [f"{c} (graded by hand)" if c == "written" else c for c in columns]
    right.barh(labels[::-1], fractions[::-1], color="#55a868")
    right.set(xlim=(0, 1), title="mean share of points per function", xlabel="share of points")
    return fig


def save_histogram(
    path: Path, assignment: str, columns: list[str], rows: list[StudentGrades]
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    histogram_figure(assignment, columns, rows).savefig(path, dpi=110)
    return path
