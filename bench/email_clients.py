#!/usr/bin/env python3
"""Our HTML mail against caniemail.com's support data: a report, never a test.

    .venv/bin/python bench/email_clients.py CANIEMAIL [--all]

CANIEMAIL is a clone (or bare mirror) of github.com/hteumeuleu/caniemail; its ``_features/*.md``
front matter holds ``stats:`` per client, platform and version ("y", "n", "a #1" partial with
note 1, "u" unknown). The latest version listed per platform counts. The script renders every
mail the service sends (as tests/service/test_mail_html.py does, plus the first check-in with the
privacy notice and the compact digest of a 50-person team), collects the caniemail features
they use (tests/service/mail_features.py), and prints one line per feature that a client our
readers use lacks or supports in part, with caniemail's note, and what the committed table in
tests/service/test_mail_clients.py says we do about it. ``--all`` prints the supported ones too.
It also says where the committed table no longer matches the data.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailer.outbound import samples  # noqa: E402 (after the sys.path line above)
from tests.service.mail_features import features  # noqa: E402 (after the sys.path line above)
from tests.service.test_mail_clients import (  # noqa: E402 (after the sys.path line above)
    CLIENTS,
    RULES,
    SUPPORTED,
    every_mail,
)

# Where caniemail notes a Gmail app with a non-Google account (IMAP, Outlook.com...) apart.
_NON_GOOGLE = re.compile(r"non[- ]?(google|gmail)", re.IGNORECASE)


@dataclass(frozen=True)
class Support:
    """One client's support for one feature: ``y``, ``a`` (partial), ``n`` or ``u``."""

    status: str
    notes: tuple[str, ...]
    version: str


def read_features(source: Path) -> Iterator[tuple[str, str]]:
    """``(slug, file text)`` of every feature, from a checkout or a bare git mirror."""
    folder = source / "_features"
    if folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            yield path.stem, path.read_text(encoding="utf-8")
        return
    git = ["git", "-C", str(source)]
    names = subprocess.run([*git, "ls-tree", "--name-only", "HEAD:_features"],
                           check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        if name.endswith(".md") and not name.startswith("_"):
            text = subprocess.run([*git, "show", f"HEAD:_features/{name}"], check=True,
                                  capture_output=True, text=True).stdout
            yield name[:-3], text


def data_version(source: Path) -> str:
    """The commit and date of the data, for the report's first line."""
    done = subprocess.run(["git", "-C", str(source), "log", "-1", "--format=%h %cs"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown commit"


def front_matter(text: str) -> dict[str, object]:
    """The YAML front matter (caniemail writes flow mappings, with tabs now and then)."""
    match = re.match(r"---\n(.*?)\n---", text, re.DOTALL)
    data = yaml.safe_load(match.group(1).replace("\t", "    ")) if match else None
    return data if isinstance(data, dict) else {}


def support(data: dict[str, object], family: str, platform: str,
            accounts: str) -> Support | None:
    """The latest listed support of ``family``/``platform``; ``accounts`` is ``google``,
    ``other`` or ``any`` (the Gmail apps with a non-Google account are noted apart)."""
    stats = data.get("stats")
    versions = stats.get(family, {}).get(platform) if isinstance(stats, dict) else None
    if not isinstance(versions, dict) or not versions:
        return None
    version, raw = list(versions.items())[-1]
    notes_by_num = data.get("notes_by_num") or {}
    assert isinstance(notes_by_num, dict)
    status, *numbers = str(raw).split()
    notes = tuple(str(notes_by_num.get(n.lstrip("#"), n)) for n in numbers)
    if accounts == "google" and notes:
        kept = tuple(n for n in notes if not _NON_GOOGLE.search(n))
        if status == "a" and not kept:
            status = "y"
        notes = kept
    return Support(status, notes, str(version))


def report_mails() -> Iterator[tuple[str, str]]:
    """Every mail of the test suite's list, as (name, html)."""
    with tempfile.TemporaryDirectory() as folder:
        config = samples.sample_config(Path(folder))
        for name, mail in every_mail(config, big_team=True):
            yield name, mail.html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("caniemail", type=Path, help="clone or bare mirror of caniemail")
    parser.add_argument("--all", action="store_true", help="list supported features too")
    args = parser.parse_args(argv)
    data = {slug: front_matter(text) for slug, text in read_features(args.caniemail)}
    used: dict[str, set[str]] = defaultdict(set)
    mails = 0
    for _name, html in report_mails():
        mails += 1
        for slug, places in features(html).items():
            used[slug] |= places
    print(f"caniemail {data_version(args.caniemail)}: {len(data)} features; "
          f"{mails} rendered mails use {len(used)}")
    drift = []
    for slug in sorted(used):
        where = ", ".join(sorted(used[slug]))
        if slug not in data:
            print(f"\n{slug} [{where}]: no caniemail page (plain CSS 1 / HTML 4)")
            continue
        lacking: dict[str, Support] = {}
        noted: dict[str, Support] = {}
        for client in CLIENTS:
            found = support(data[slug], client.family, client.platform, client.accounts)
            if found and found.status in ("n", "a"):
                lacking[client.key] = found
            elif found and found.notes:  # supported, with a condition worth reading
                noted[client.key] = found
        rule = RULES.get(slug)
        committed = set(rule.lacking) if rule else set()
        if set(lacking) != committed and not (not lacking and slug in SUPPORTED):
            drift.append(f"{slug}: data {sorted(lacking)}, table {sorted(committed)}")
        if not lacking and not args.all:
            continue
        verdict = (f"fallback: {rule.fallback}" if rule else
                   "allowed: every client supports it" if slug in SUPPORTED else
                   "NOT IN THE TABLE")
        print(f"\n{slug} [{where}]\n  ours: {verdict}")
        for key, found in {**lacking, **noted}.items():
            notes = " / ".join(found.notes) or "(no note)"
            print(f"  {key:<22} {found.status} ({found.version}) {notes}")
    print("\nThe committed table against this data:",
          "matches" if not drift else "", *(f"\n  {line}" for line in drift))
    return 0


if __name__ == "__main__":
    sys.exit(main())
