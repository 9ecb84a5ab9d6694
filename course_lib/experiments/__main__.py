"""``python -m course_lib.experiments NAME [--quick] [--seed N] [--out DIR]``.

NAME is one experiment or ``all``. Figures (PNG) and, for ``all``, ``summary.md`` and
``summary.csv`` go to ``--out`` (default ``experiments-output/``). An unknown NAME prints one
line listing the names and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
import time

import matplotlib


def main(argv: list[str] | None = None) -> int:
    matplotlib.use("Agg")
    from course_lib.experiments import NAMES, run, summary_markdown, write_outputs

    parser = argparse.ArgumentParser(
        prog="python -m course_lib.experiments",
        description="Reproduce the lecture's claims: " + ", ".join(NAMES) + ", or all.",
    )
    parser.add_argument("name", metavar="NAME", help="an experiment name, or 'all'")
    parser.add_argument("--quick", action="store_true", help="the small, fast variant")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    parser.add_argument("--out", default="experiments-output", help="folder for the outputs")
    args = parser.parse_args(argv)
    if args.name != "all" and args.name not in NAMES:
        print(f"error: unknown experiment {args.name!r}; choose one of: {', '.join(NAMES)}, all",
              file=sys.stderr)
        return 2
    if args.seed < 0:
        print(f"error: --seed must be >= 0; got {args.seed}", file=sys.stderr)
        return 2
    names = NAMES if args.name == "all" else (args.name,)
    start = time.perf_counter()
    results = []
    for name in names:
        t0 = time.perf_counter()
        results.append(run(name, seed=args.seed, quick=args.quick))
        print(f"{name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    out = write_outputs(results, args.out, summary=args.name == "all")
    print(summary_markdown(results))
    what = "figures and summary.md/summary.csv" if args.name == "all" else "the figure"
    print(f"wrote {what} to {out}/ "
          f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
