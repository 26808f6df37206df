"""``policydesk bench``: the benchmarks of bench/, listed and run by name.

They live in the source checkout (some drive the Bot API emulator from testing/), so the
command works from a checkout, not from an installed wheel.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BENCH = CHECKOUT / "bench"
HELPERS = {"__init__", "common", "trivial_app"}  # modules of bench/ that are not benchmarks


def available() -> dict[str, str]:
    """Benchmark name → the first line of its docstring."""
    found = {}
    for path in sorted(BENCH.glob("*.py")):
        if path.stem in HELPERS:
            continue
        text = path.read_text(encoding="utf-8")
        doc = text.split('"""', 2)[1].strip().splitlines()[0] if text.startswith('"""') else ""
        found[path.stem.replace("_", "-")] = doc
    return found


def run(args: argparse.Namespace) -> int:
    if not BENCH.is_dir():
        print("error: benchmarks live in the source checkout (bench/)", file=sys.stderr)
        return 2
    benchmarks = available()
    if not args.name:
        width = max(map(len, benchmarks))
        for name, doc in benchmarks.items():
            print(f"{name:<{width}}  {doc}")
        return 0
    name = args.name.replace("_", "-")
    if name not in benchmarks:
        print(
            f"error: no benchmark {args.name!r}; there are: {', '.join(benchmarks)}",
            file=sys.stderr,
        )
        return 2
    module = f"bench.{name.replace('-', '_')}"
    # Only names found in bench/ get here; the arguments are the caller's own.
    return subprocess.call([sys.executable, "-m", module, *args.args], cwd=CHECKOUT)  # noqa: S603
