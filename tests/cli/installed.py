"""The package as a user gets it: a wheel built from a copy of the work tree, in a fresh venv.

Offline: the build backend and every dependency come from the wheelhouse that ``make install``
fills (``.venv/wheels``), through pip's ``--no-index --find-links``, so a test needs no network
and takes seconds. The copy is what a clone holds (tracked files plus new, unignored ones), so
``build/`` and ``*.egg-info`` never land in the work tree and two test runs never share them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Filled by `make install` (see the Makefile): setuptools, wheel and every dependency.
WHEELHOUSE = Path(sys.prefix) / "wheels"
PIP_TIMEOUT = 300  # a runaway guard: the whole install takes ~10 s on the 2-core machine


def wheelhouse() -> Path:
    if not any(WHEELHOUSE.glob("*.whl")):
        pytest.fail(f"{WHEELHOUSE} has no wheels: run `make install`, which fills it for the "
                    "offline install tests", pytrace=False)
    return WHEELHOUSE


def offline_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell, minus MAILER_*, with pip pointed at the wheelhouse."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAILER_", "PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse()),
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CONFIG_FILE=os.devnull)
    env.update(extra)
    return env


def copy_of_work_tree(target: Path) -> Path:
    """What `git clone` would give, plus the uncommitted edits: the files git does not ignore."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a deleted but still tracked file is skipped
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run(args: list[str | Path], *, cwd: Path, env: dict[str, str], stdin: str | None = None,
        timeout: float = PIP_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


@dataclass(frozen=True)
class Installed:
    """A venv with the package installed, and a folder that has nothing to do with the repo."""

    venv: Path
    elsewhere: Path
    env: dict[str, str]

    def mailer(self, *args: str | Path, stdin: str | None = None,
               timeout: float = PIP_TIMEOUT) -> subprocess.CompletedProcess[str]:
        return run([self.venv / "bin" / "mailer", *args], cwd=self.elsewhere, env=self.env,
                   stdin=stdin, timeout=timeout)

    def pip(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        done = run([self.venv / "bin" / "python", "-m", "pip", *args], cwd=self.elsewhere,
                   env=self.env)
        assert done.returncode == 0, done.stderr
        return done


def build_wheel(source: Path, out: Path) -> Path:
    done = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, source],
               cwd=out, env=offline_env())
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = out.glob("mailer-*.whl")
    return wheel


def new_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path
