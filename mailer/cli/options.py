"""Options shared by several commands: the config path and the ``--at`` time."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailer.config.load import load_config
from mailer.errors import ConfigError
from mailer.models import Config


def config_path(args: argparse.Namespace) -> Path:
    """--config, else $MAILER_CONFIG, else config/mailer.toml."""
    if args.config is not None:
        return Path(args.config)
    return Path(os.environ.get("MAILER_CONFIG") or "config/mailer.toml")


def config_of(args: argparse.Namespace) -> Config:
    """The validated config the command line names (:raises ConfigError: with every problem)."""
    return load_config(args.config_path)


def at_time(value: str | None, zone: ZoneInfo | None, *, now: datetime) -> datetime:
    """``--at ISO`` as an aware time (naive means ``zone``), else ``now``.

    :raises ConfigError: not an ISO 8601 time (bad usage: exit 2).
    """
    if not value:
        return now
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f'--at: "{value}" is not an ISO 8601 time such as '
                          "2026-11-30T08:00+01:00") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)
