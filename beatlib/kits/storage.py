"""Where a kit's files are: a folder on disk or an archive, behind one small interface.

Readers ask :meth:`KitFiles.find` for a file named by the kit; it returns a key when the file
is inside the kit and exists, raises :class:`~beatlib.kits.safety.PathRefused` when the name
leads outside, and returns None when the file is missing (the sample is then skipped).

Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); _ = (root / "a.wav").write_bytes(b"x")
    >>> files = FolderFiles(root)
    >>> files.find("a.wav") is not None, files.find("b.wav")
    (True, None)
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from beatlib.kits.safety import (
    DEFAULT_LIMITS,
    Archive,
    Limits,
    PathRefused,
    inside,
    member_name,
    read_limited,
)
from beatlib.kits.sample import Loader, bytes_loader, file_loader

__all__ = ["KitFiles", "FolderFiles", "ArchiveFiles"]


class KitFiles:
    """The files of one kit (see the module docstring)."""

    label: str
    limits: Limits = DEFAULT_LIMITS

    def find(self, name: str, base: str = "") -> str | None:
        raise NotImplementedError

    def locate(self, name: str, base: str, source: str, skipped: list[tuple[str, str]]) -> str | None:
        """:meth:`find` for a sample: None when it cannot be used, the reason added to ``skipped``."""
        try:
            key = self.find(name, base)
        except PathRefused as e:
            skipped.append((source, e.reason))
            return None
        if key is None:
            skipped.append((source, f"sample file {name} not found in the kit"))
        return key

    def loader(self, key: str, source: str, start: int = 0, end: int | None = None) -> Loader:
        raise NotImplementedError

    def read_bytes(self, key: str) -> bytes:
        raise NotImplementedError

    def disk_file(self, key: str, start: int = 0, end: int | None = None) -> Path | None:
        """The file on disk that is exactly this sample (None: in an archive, or a slice of a file)."""
        return None

    def folders(self, key: str) -> list[str]:
        """Folder names of ``key`` inside the kit, nearest first (for name-based mapping)."""
        raise NotImplementedError

    def relative(self, key: str) -> str:
        """How ``key`` is named in messages and manifests (relative to the kit)."""
        raise NotImplementedError


class FolderFiles(KitFiles):
    """A kit folder on disk: nothing outside ``root`` is ever opened."""

    def __init__(self, root: str | os.PathLike, limits: Limits = DEFAULT_LIMITS):
        self.root = Path(root).resolve()
        self.label = str(root)
        self.limits = limits

    def find(self, name: str, base: str = "") -> str | None:
        path = inside(self.root, name, base)
        return str(path) if path.is_file() else None

    def loader(self, key: str, source: str, start: int = 0, end: int | None = None) -> Loader:
        return file_loader(Path(key), source, start, end)

    def read_bytes(self, key: str) -> bytes:
        return read_limited(key, self.limits.max_text_bytes)

    def disk_file(self, key: str, start: int = 0, end: int | None = None) -> Path | None:
        return Path(key) if start == 0 and end is None else None

    def folders(self, key: str) -> list[str]:
        return list(reversed(Path(key).relative_to(self.root).parts[:-1]))

    def relative(self, key: str) -> str:
        return str(Path(key).relative_to(self.root))


class ArchiveFiles(KitFiles):
    """A kit inside an archive (``.h2drumkit``, ``.dslibrary``), read in memory."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.label = str(archive.path)
        self.limits = archive.limits

    def find(self, name: str, base: str = "") -> str | None:
        key = member_name(name, base)
        return key if self.archive.has(key) else None

    def loader(self, key: str, source: str, start: int = 0, end: int | None = None) -> Loader:
        return bytes_loader(lambda: self.archive.read(key), source, start, end)

    def read_bytes(self, key: str) -> bytes:
        data = self.archive.read(key)
        if len(data) > self.limits.max_text_bytes:
            raise ValueError(f"{self.label}: {key} is too large to be a kit description")
        return data

    def folders(self, key: str) -> list[str]:
        return list(reversed(PurePosixPath(key).parts[:-1]))

    def relative(self, key: str) -> str:
        return key
