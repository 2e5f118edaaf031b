#!/usr/bin/env python3
"""Read a folder of real machine mail and count what the reader makes of it; report only.

    python bench/machine_mail.py DIR [DIR ...] [--list]

Every message in DIR (``*.eml``) is machine mail nobody tuned the reader on: for example the
bounce collection of the Sisimai project (github.com/sisimai/set-of-emails, ``maildir/bsd``:
600+ delivery failures, delay notices, feedback reports and RFC 3834 auto-replies from dozens
of mail systems). The figure that matters is how many are read as a person's ``reply``: those
would be recorded as answers (and get a receipt). ``unsure`` is the safe outcome (the Review
folder); ``auto_reply`` for a bounce is a lesser miss (the address is not marked as failing).
``--list`` prints each message read as a reply or unsure, with the reader's reason, by file name
only (no bodies). Also times the whole reading per message. Exits 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RECEIVED = datetime.fromisoformat("2026-12-07T10:00:00+01:00")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--list", action="store_true", help="name each reply and unsure")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from mailer.config.questions import load_default_questions
    from mailer.parse.replies import parse_file

    questions = load_default_questions()["checkin"]
    for folder in args.folders:
        files = sorted(folder.glob("*.eml"))
        if not files:
            print(f"{folder}: no .eml files")
            continue
        kinds: Counter[str] = Counter()
        named: list[str] = []
        times: list[float] = []
        for path in files:
            raw = path.read_bytes()
            start = time.process_time()
            result = parse_file(raw, as_kind="eml", questions=questions, received_at=RECEIVED)
            times.append(time.process_time() - start)
            kinds[str(result["kind"])] += 1
            if result["kind"] in ("reply", "unsure"):
                named.append(f"  {result['kind']:7} {path.name}  {result['reason'] or ''}")
        total = len(files)
        print(f"{folder}: {total} messages: "
              + ", ".join(f"{kind} {count} ({count / total:.1%})"
                          for kind, count in kinds.most_common()))
        print(f"  read as a person's reply: {kinds['reply']}/{total}; "
              f"median {statistics.median(times) * 1e3:.2f} ms, max {max(times) * 1e3:.1f} ms "
              f"CPU per message")
        if args.list:
            print("\n".join(named))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
