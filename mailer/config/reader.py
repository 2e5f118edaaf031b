"""The problem collector of config parsing: typed getters that record located problems.

A :class:`Reader` wraps one TOML table and its key path; each getter converts a value (with a
converter from :mod:`mailer.config.values`) and, instead of raising, records
``teams[0].members[2].timezone: <what was expected>`` and returns a fallback, so that
:func:`mailer.config.load.parse_config` reports every problem at once. :func:`scan` walks the whole
tree first for what is wrong wherever it appears (a ``password`` key, CR/LF/NUL in a string).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from mailer.addressing import header_safe

T = TypeVar("T")

_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_NO_PASSWORD = ("never put a password in the config file; set password_env to the name of an "
                "environment variable that holds it (e.g. \"MAILER_SMTP_PASSWORD\"), or "
                "password_command to a command that prints it")
_CONTROL = ("contains a line break (CR/LF) or NUL; write it on one line (such values end up in "
            "mail headers, where a line break could inject a header)")


class Invalid(ValueError):
    """A value is wrong; the message says what was expected (the reader adds the key path)."""


def show(value: Any) -> str:
    """A value as TOML would write it, shortened (control characters escaped)."""
    if isinstance(value, dict):
        return "a table"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def key_path(path: str, key: str) -> str:
    key = key if _BARE_KEY_RE.match(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{key}" if path else key


def suggest(word: str, choices: Collection[str]) -> str:
    """`` (did you mean "x"?)`` or an empty string."""
    lowered = {choice.lower(): choice for choice in choices}
    if word.lower() in lowered and word not in choices:
        return f' (did you mean "{lowered[word.lower()]}"?)'
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def has_control(value: Any) -> bool:
    """True when a string anywhere in ``value`` holds CR, LF or NUL (see :func:`scan`)."""
    if isinstance(value, str):
        return not header_safe(value)
    if isinstance(value, dict):
        value = list(cast(dict[str, Any], value).values())
    return isinstance(value, list) and any(has_control(item) for item in value)


def scan(value: Any, path: str, problems: list[str]) -> None:
    """Problems anywhere in the tree: a literal ``password`` key, CR/LF/NUL in a string."""
    if isinstance(value, dict):
        for key, item in cast(dict[str, Any], value).items():
            at = key_path(path, key)
            if key.lower() == "password":
                problems.append(f"{at}: {_NO_PASSWORD}")
            else:
                scan(item, at, problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            scan(item, f"{path}[{index}]", problems)
    elif isinstance(value, str) and not header_safe(value):
        problems.append(f"{path}: {_CONTROL}")


class Reader:
    """Typed getters over one TOML table that record problems instead of raising.

    A getter returns a fallback when the value is missing or wrong, so parsing goes on and
    finds every problem; :func:`parse_config` raises when any was recorded.
    """

    def __init__(self, data: Mapping[str, Any], path: str, problems: list[str],
                 keys: Collection[str]) -> None:
        self.data, self.path, self.problems = data, path, problems
        for key in data:
            if key not in keys and key.lower() != "password":  # scan() reports password keys
                hint = suggest(key, keys) or "; expected one of: " + ", ".join(keys)
                self.add(key, f"unknown key{hint}")

    def at(self, key: str) -> str:
        return key_path(self.path, key)

    def add(self, key: str, message: str) -> None:
        self.problems.append(f"{self.at(key)}: {message}")

    def value(self, key: str, convert: Callable[[Any], T], default: T, *,
              required: bool = False, expect: str = "") -> T:
        """The converted value of ``key``; a :class:`Invalid` from ``convert`` is recorded."""
        if key not in self.data:
            if required:
                self.add(key, f"missing; expected {expect}")
            return default
        raw = self.data[key]
        if has_control(raw):  # already reported by scan()
            return default
        try:
            return convert(raw)
        except Invalid as exc:
            self.add(key, str(exc))
            return default

    def text(self, key: str, expect: str, default: str = "", *, required: bool = False) -> str:
        def convert(raw: Any) -> str:
            if not isinstance(raw, str) or (required and not raw.strip()):
                raise Invalid(f"expected {expect}, got {show(raw)}")
            return raw.strip() or default
        return self.value(key, convert, default, required=required, expect=expect)

    def optional_text(self, key: str, expect: str) -> str | None:
        return self.text(key, expect, "") or None

    def integer(self, key: str, default: int, low: int, high: int | None = None) -> int:
        def convert(raw: Any) -> int:
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < low or (
                    high is not None and raw > high):
                bound = f"from {low} to {high}" if high is not None else f"{low} or more"
                raise Invalid(f"expected a whole number {bound}, got {show(raw)}")
            return raw
        return self.value(key, convert, default)

    def number(self, key: str, default: float, low: float, high: float) -> float:
        def convert(raw: Any) -> float:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not low < raw <= high:
                raise Invalid(f"expected a number of seconds above {low:g} and at most "
                              f"{high:g}, got {show(raw)}")
            return float(raw)
        return self.value(key, convert, default)

    def flag(self, key: str, default: bool) -> bool:
        def convert(raw: Any) -> bool:
            if not isinstance(raw, bool):
                raise Invalid(f"expected true or false (no quotes), got {show(raw)}")
            return raw
        return self.value(key, convert, default)

    def path_value(self, key: str, base_dir: Path | None, default: str = "") -> Path | None:
        """A path; relative ones resolve against ``base_dir`` (the config file's folder)."""
        text = self.text(key, "a file or folder path", default)
        if not text:
            return None
        path = Path(text).expanduser()
        return base_dir / path if base_dir is not None and not path.is_absolute() else path

    def table(self, key: str, keys: Collection[str], expect: str) -> Reader | None:
        """The sub-table ``key``, or None when absent (or wrong, which is recorded)."""
        raw = self.data.get(key)
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.add(key, f"expected {expect}, got {show(raw)}")
            return None
        return Reader(cast(dict[str, Any], raw), self.at(key), self.problems, keys)

    def section(self, key: str, keys: Sequence[str]) -> Reader:
        """A required top-level ``[key]`` table; an empty one (after recording) when missing."""
        found = self.table(key, keys, f"a [{key}] table")
        if found is not None:
            return found
        if key not in self.data:
            self.add(key, f"missing; expected a [{key}] table with " + ", ".join(keys[:4]) + "...")
        return Reader({}, self.at(key), [], keys)

    def tables(self, key: str, keys: Collection[str], expect: str, *,
               required: bool = False) -> list[Reader]:
        """An array of tables (``[[teams]]``, ``away = [{...}]``)."""
        raw = self.data.get(key)
        if raw is None:
            if required:
                self.add(key, f"missing; expected {expect}")
            return []
        if not isinstance(raw, list) or (required and not raw):
            self.add(key, f"expected {expect}, got {show(raw)}")
            return []
        readers: list[Reader] = []
        for index, item in enumerate(raw):
            at = f"{self.at(key)}[{index}]"
            if isinstance(item, dict):
                readers.append(Reader(cast(dict[str, Any], item), at, self.problems, keys))
            else:
                self.problems.append(f"{at}: expected a table, got {show(item)}")
        return readers
