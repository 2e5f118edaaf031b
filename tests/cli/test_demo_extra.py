"""``mailer demo`` with the demo extra half there: it names what is missing, no traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mailer.cli.main import main


@pytest.mark.parametrize("absent", [("pymap", "proxyprotocol"), ("aiosmtpd",)],
                         ids=["pymap and its dependency", "aiosmtpd"])
def test_demo_names_the_part_of_the_extra_that_is_missing(
        absent: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # None in sys.modules makes an import fail as if the package were not installed: the
    # package and each of its modules that other tests imported already (an import of
    # "proxyprotocol.noop" finds that name first). The demo's modules go, so they are
    # imported again.
    for name in [n for n in sys.modules if n.startswith(tuple(f"{a}." for a in absent))]:
        monkeypatch.setitem(sys.modules, name, None)
    for name in absent:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [n for n in sys.modules if n.startswith("mailer.demo")]:
        monkeypatch.delitem(sys.modules, name)

    code = main(["demo", "--output", str(tmp_path / "out")])

    err = capsys.readouterr().err.strip()
    assert code == 2 and f"the demo needs {absent[0]}," in err
    assert "pip install 'mailer[demo]'" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()
