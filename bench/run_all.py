#!/usr/bin/env python3
"""Run every benchmark in turn and print their figures (``make bench``); never gates anything.

    .venv/bin/python bench/run_all.py [--quick] [--corpus ../shared/corpus/replies]

The reply-extraction benchmark needs the shared reply corpus; without it, it is skipped with a
note (a user's clone has no such folder). Figures go to stdout; bench/README.md keeps the last
measured ones.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--corpus", type=Path,
                        default=BENCH.parent.parent / "shared/corpus/replies")
    args = parser.parse_args(argv)
    runs: list[list[str]] = [
        ["send.py", *(["--members", "300", "--memory-members", "1000", "--baseline", "50"]
                      if args.quick else [])],
        ["poll.py", *(["--replies", "10", "--batch", "50"] if args.quick else [])],
        ["digest.py", *(["--quick"] if args.quick else [])],
        ["status.py", *(["--teams", "100", "--rows", "100000"] if args.quick else [])],
        ["reliability.py", *(["--prompts", "100", "--replies", "100", "--kills", "5",
                              "--soak-members", "20"]
                             if args.quick else [])],
    ]
    if (args.corpus / "cases.json").exists():
        runs.insert(0, ["replies.py", str(args.corpus)])
    else:
        print(f"(replies.py skipped: no reply corpus at {args.corpus})")
    failed = []
    for script, *rest in runs:
        print(f"\n=== bench/{script} {' '.join(rest)}", flush=True)
        if subprocess.call([sys.executable, str(BENCH / script), *rest]) != 0:
            failed.append(script)
    if failed:
        print(f"\nthese benchmarks did not run to the end: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
