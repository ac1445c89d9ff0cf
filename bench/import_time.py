"""How long ``import microkube`` takes in a fresh interpreter (goal: under 150 ms).

Runs N fresh interpreters, each timing the import alone with ``perf_counter`` around it, and
prints the median and the best as DESIGN.md §6 JSON figures, plus what ``-X importtime``
attributes to the import (the interpreter's own view, in the same units).
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys

RUNS = 15
PROBE = (
    "import time; t = time.perf_counter(); import microkube; "
    "print((time.perf_counter() - t) * 1000)"
)


def _timed() -> float:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    return float(out.stdout)


def _importtime_ms() -> float:
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import microkube"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    # "import time: self [us] | cumulative | imported package"; the top-level microkube line
    match = re.search(r"^import time:\s+\d+ \|\s+(\d+) \| microkube$", err, re.MULTILINE)
    return int(match.group(1)) / 1000 if match else float("nan")


def main() -> None:
    samples = [_timed() for _ in range(RUNS)]
    conditions = {"runs": RUNS, "python": sys.version.split()[0]}
    figures = [
        ("import_ms_median", statistics.median(samples)),
        ("import_ms_min", min(samples)),
        ("importtime_cumulative_ms", _importtime_ms()),
    ]
    for figure, value in figures:
        print(
            json.dumps(
                {
                    "bench": "import",
                    "figure": figure,
                    "value": round(value, 2),
                    "unit": "ms",
                    "conditions": conditions,
                }
            )
        )


if __name__ == "__main__":
    main()
