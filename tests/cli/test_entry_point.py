"""The installed ``mailer`` command points at the real entry point (it broke once in a move)."""

from __future__ import annotations

from importlib.metadata import entry_points

from mailer.cli.main import main_entry


def test_the_console_script_loads_the_cli_entry_point() -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "mailer"]
    assert script.load() is main_entry
