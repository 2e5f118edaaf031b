"""Every command's --help keeps its description as written and ends with an example."""

from __future__ import annotations

import argparse

import pytest

from mailer.cli.main import build_parser


def commands() -> dict[str, argparse.ArgumentParser]:
    subs = next(a for a in build_parser()._actions
                if isinstance(a, argparse._SubParsersAction))
    return dict(subs.choices)


@pytest.mark.parametrize("name", sorted(commands()))
def test_help_keeps_the_line_breaks_and_shows_an_example(name: str) -> None:
    parser = commands()[name]
    assert parser.description is not None
    text = parser.format_help()
    written = [line for line in parser.description.splitlines() if line]
    assert all(line in text.splitlines() for line in written), text  # not re-wrapped
    assert any(line.startswith(f"example: mailer {name}") or
               (line.startswith("example: mailer --config") and f" {name}" in line)
               for line in written), parser.description
