"""The files shipped inside the package: built-in templates, questions and example configs.

They live at the top of the repository (``templates/``, ``config/``) and are installed as the
package data of ``mailer.templates`` and ``mailer.examples`` (``package-dir`` in pyproject), so
a wheel, an editable install and pipx all find them through :mod:`importlib.resources`, from
any working folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(package: str) -> Path:
    found = files(package)
    # pip always unpacks a wheel; only a zipped install (zipimport) would land here, and
    # Jinja's FileSystemLoader needs real files.
    if not isinstance(found, Path):
        raise RuntimeError(f"{package} is not a folder on disk ({found!r}): install mailer "
                           "with pip or pipx, unzipped")
    return found


def builtin_templates() -> Path:
    """The folder of the built-in templates and ``questions.toml``."""
    return _folder("mailer.templates")


def example_config(name: str) -> Path:
    """``demo.toml`` or ``example.toml``."""
    return _folder("mailer.examples") / name
