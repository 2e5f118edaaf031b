"""Durable, private file writes: the one way the service puts a file on disk.

Every file is written to a temporary sibling created 0600 (``mkstemp``), fsynced, then moved
into place, and the folder is fsynced so the new name survives a crash too. Two ways in:
:func:`create` never overwrites (records: a second write of the same reply is a no-op) and
:func:`replace` swaps atomically (retention's rewrite, exports).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_beside(path: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.write(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def create(path: Path, data: bytes) -> bool:
    """Write ``path`` unless it exists (a hard link never overwrites); True when created."""
    tmp = _temp_beside(path, data)
    try:
        os.link(tmp, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        os.unlink(tmp)
    fsync_dir(path.parent)
    return created


def replace(path: Path, data: bytes) -> None:
    """Write ``path``, atomically replacing what was there (the file ends up 0600)."""
    tmp = _temp_beside(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    fsync_dir(path.parent)
