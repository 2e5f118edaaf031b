"""kill -9 of ``mailer send`` and ``mailer poll --once`` at random points, with any counts,
then a soak of ``mailer run`` under a scripted hour of faults (bench/soak.py).

The same scenarios as ``tests/reliability/test_crash.py`` (see ``tests/reliability/crashes.py``),
on a private loopback mail stack of their own; prints the figures and merges them into
``bench/out/reliability.json`` under ``bench_send`` / ``bench_poll``. Never gates CI.

    .venv/bin/python bench/reliability.py --prompts 2000 --replies 2000 --kills 50 [--seed N]
        [--soak-members 200]   (0 skips the soak; it mounts a tmpfs: run as root)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.soak import soak
from tests.mailstack import MailStack
from tests.reliability.crashes import (
    poll_scenario,
    seed_from_env,
    send_scenario,
    write_figures,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=500, help="prompts to send (0: skip)")
    parser.add_argument("--replies", type=int, default=500, help="replies to poll (0: skip)")
    parser.add_argument("--kills", type=int, default=20, help="kill -9 points per scenario")
    parser.add_argument("--people", type=int, default=50, help="members who reply")
    parser.add_argument("--seed", type=int, default=None, help="default: CRASH_SEED or random")
    parser.add_argument("--soak-members", type=int, default=200,
                        help="members in the soak of mailer run (0: skip)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else seed_from_env()
    print(f"seed {seed}", flush=True)
    failed = False
    started = time.monotonic()
    with MailStack.start() as stack:
        for name, count in (("send", args.prompts), ("poll", args.replies)):
            if count <= 0:
                continue
            folder = Path(tempfile.mkdtemp(prefix=f"crash-{name}-"))
            try:
                if name == "send":
                    figures = send_scenario(stack, folder, prompts=count, kills=args.kills,
                                            seed=seed)
                else:
                    figures = poll_scenario(stack, folder, replies=count, kills=args.kills,
                                            seed=seed, people=args.people)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            print(figures.summary(), flush=True)
            write_figures(f"bench_{name}", figures.as_json())
            # The rule the crash test asserts: nothing lost, one Message-ID a prompt, and no
            # copy beyond one per kill that left that prompt in flight. Three copies of one
            # prompt take two kills landing on it in flight: a figure, not a failure.
            failed |= bool(figures.lost or figures.different_ids or figures.unexplained_copies
                           or (name == "poll" and figures.duplicated))
        if args.soak_members > 0:
            soaked = soak(stack, members=args.soak_members)
            print(soaked.summary(), flush=True)
            write_figures("bench_soak", soaked.as_json())
            failed |= soaked.failed
    print(f"total {time.monotonic() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
