"""Run the benchmarks and print one table: ours, the baseline, the ratio and the goal."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks import Comparison


def _modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )


def _format(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.3g} {unit}"


def main(argv: list[str] | None = None) -> int:
    available = _modules()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", help="which benchmarks (default all): " + ", ".join(available)
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller inputs")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(available)}")
        return 2
    rows: list[Comparison] = []
    for name in args.names or available:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(f"benchmarks.bench_{name}").run(quick=args.quick))
    header = f"{'benchmark':46} {'ours':>11} {'baseline':>30} {'ratio':>7} {'goal':>7}  met"
    print(header)
    print("-" * len(header))
    for row in rows:
        baseline = f"{row.baseline_name} {_format(row.baseline, row.unit)}"
        print(
            f"{row.name:46} {_format(row.ours, row.unit):>11} {baseline:>30} "
            f"{row.ratio:7.2f} {'<=' + format(row.goal, 'g'):>7}  {'yes' if row.met else 'NO'}"
            + (f"  (ours <= {_format(row.limit, row.unit)})" if row.limit is not None else "")
            + (f"  ({row.note})" if row.note else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
