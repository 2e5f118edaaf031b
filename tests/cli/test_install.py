"""``pip install`` of the wheel into a fresh venv, then the commands from an unrelated folder.

Every file the package reads at run time (templates, questions, the demo and example configs)
must be inside the wheel: the source tree is not on the path here, and the commands run in a
folder that has nothing to do with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.installed import (
    ROOT,
    Installed,
    build_wheel,
    copy_of_work_tree,
    new_venv,
    offline_env,
)

pytestmark = pytest.mark.slow

SECRETS = {"MAILER_SECRET": "install-test-secret-0123456789abcdef",
           "MAILER_SMTP_PASSWORD": "not-used-here", "MAILER_IMAP_PASSWORD": "not-used-here"}
INIT_FLAGS = ["init", "--no-input", "--provider", "generic", "--mailbox", "checkin@example.com",
              "--smtp-host", "smtp.example.com", "--imap-host", "imap.example.com",
              "--manager", "Maria Lind <maria@example.com>", "--team", "platform",
              "--member", "Anna Berg <anna@example.com>", "--member", "Yuki Tanaka <yuki@example.com>",
              "--timezone", "Europe/Stockholm", "--language", "en"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = copy_of_work_tree(tmp_path_factory.mktemp("clone"))
    return build_wheel(source, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """The wheel without extras: what `pip install mailer` gives."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    target = Installed(new_venv(tmp_path_factory.mktemp("venv") / "v"), elsewhere,
                       offline_env(**SECRETS))
    target.pip("install", "--quiet", wheel)
    yield target


def test_the_wheel_holds_every_template_and_both_example_configs(installed: Installed) -> None:
    found = installed.mailer("--version")
    assert found.returncode == 0 and found.stdout.startswith("mailer "), found.stderr
    (site,) = installed.venv.glob("lib/python3*/site-packages")
    shipped = {p.relative_to(site / "mailer" / "templates").as_posix()
               for p in (site / "mailer" / "templates").rglob("*") if p.is_file()
               and "__pycache__" not in p.parts}
    in_repo = {p.relative_to(ROOT / "templates").as_posix()
               for p in (ROOT / "templates").rglob("*") if p.is_file()
               and "__pycache__" not in p.parts}
    assert shipped == in_repo
    assert {p.name for p in (site / "mailer" / "examples").glob("*.toml")} == {
        "demo.toml", "example.toml"}
    assert not (site / "templates").exists()  # nothing at the top of site-packages


def test_init_check_and_preview_work_from_an_unrelated_folder(installed: Installed) -> None:
    written = installed.mailer(*INIT_FLAGS)
    assert written.returncode == 0, written.stderr
    config = installed.elsewhere / "config" / "mailer.toml"
    assert "MAILER_SMTP_PASSWORD" in written.stdout and config.is_file()

    checked = installed.mailer("check")
    assert (checked.returncode, checked.stdout.strip()) == (0, "ok"), checked.stderr

    shown = installed.mailer("preview", "checkin", "--member", "yuki@example.com",
                             "--output", "checkin.html")
    assert shown.returncode == 0, shown.stderr
    assert "Yuki Tanaka <yuki@example.com>" in shown.stdout
    html = (installed.elsewhere / "checkin.html").read_text(encoding="utf-8")
    assert "<html" in html and "Yuki" in html


def test_the_example_config_shipped_in_the_wheel_passes_check(installed: Installed) -> None:
    (site,) = installed.venv.glob("lib/python3*/site-packages")
    example = site / "mailer" / "examples" / "example.toml"
    checked = installed.mailer("--config", example, "check")
    assert (checked.returncode, checked.stdout.strip()) == (0, "ok"), checked.stderr


def test_demo_without_the_extra_says_how_to_get_it(installed: Installed) -> None:
    done = installed.mailer("demo", "--output", "demo-output")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'mailer[demo]'" in lines[0], done.stderr
    assert not (installed.elsewhere / "demo-output").exists()


def test_demo_with_the_extra_runs_from_an_unrelated_folder(
        wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    target = Installed(new_venv(tmp_path_factory.mktemp("venv-demo") / "v"),
                       tmp_path_factory.mktemp("elsewhere-demo"), offline_env())
    target.pip("install", "--quiet", f"{wheel}[demo]")
    done = target.mailer("demo", "--weeks", "1", "--output", "demo-output")
    assert done.returncode == 0, done.stdout + done.stderr
    records = list((target.elsewhere / "demo-output" / "data" / "records").rglob("*.yaml"))
    assert records, done.stdout


def test_pyproject_lists_every_package_of_mailer() -> None:
    """The package list is explicit (package-dir maps two folders in): a new package of
    mailer/ missing from it would be left out of every wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "mailer").rglob("__init__.py")}
    assert listed == on_disk | {"mailer.templates", "mailer.examples"}
