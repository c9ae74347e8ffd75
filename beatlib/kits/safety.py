"""Reading kits without trusting them: paths stay inside the kit, archives have limits, XML is safe.

A kit names its sample files itself, so every name is checked before anything is opened:
absolute paths (``/x``, ``C:\\x``, ``\\\\server\\x``) and ``..`` escapes are refused, and a path that
resolves (through symlinks) outside the kit folder is refused as well. Archives (``.h2drumkit``
tar, ``.dslibrary`` zip) are read in memory, never extracted: members outside the archive root
refuse the whole archive, links and devices are ignored, and :class:`Limits` bound the member
count and the unpacked sizes (zip and tar bombs). XML is parsed by defusedxml with DTDs
forbidden (no entity expansion, no external entities).

Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> inside(root, "samples\\\\kick.wav") == (root / "samples" / "kick.wav").resolve()
    True
    >>> try:
    ...     inside(root, "../secret.wav")
    ... except PathRefused as e:
    ...     print(e.reason)
    refused: ../secret.wav leads outside the kit folder
"""

from __future__ import annotations

import dataclasses
import os
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from beatlib.errors import DataError

__all__ = [
    "Limits",
    "DEFAULT_LIMITS",
    "PathRefused",
    "inside",
    "member_name",
    "read_limited",
    "parse_xml",
    "Archive",
    "open_archive",
]

_MIB = 1 << 20


@dataclasses.dataclass(frozen=True)
class Limits:
    """How much a kit may make beatlib read (the defaults fit the largest real drum libraries)."""

    max_members: int = 50_000  # files in one archive
    max_member_bytes: int = 1024 * _MIB  # one unpacked archive member
    max_total_bytes: int = 4096 * _MIB  # all unpacked members of one archive
    max_in_memory_bytes: int = 1024 * _MIB  # tar archives are held in memory
    max_ratio: float = 100.0  # unpacked / packed size of one zip member (audio: < 10)
    max_text_bytes: int = 16 * _MIB  # one drumkit.xml, .dspreset or .sfz file
    max_includes: int = 64  # #include files of one SFZ (also bounds their depth)


DEFAULT_LIMITS = Limits()


class PathRefused(DataError):
    """A kit names a file outside itself; ``reason`` is the one-line why (without the kit name)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def _clean(name: str, base: str = "") -> PurePosixPath:
    """``base/name`` as a relative posix path (backslashes become slashes), or PathRefused."""
    text = str(name).strip().replace("\\", "/")
    if not text or "\x00" in text:
        raise PathRefused(f"refused: {name!r} is not a file name")
    if text.startswith(("/", "~")) or PureWindowsPath(str(name)).drive:
        raise PathRefused(f"refused: {name} is an absolute path (a kit may only name files inside itself)")
    parts: list[str] = []
    for part in PurePosixPath(f"{base}/{text}" if base else text).parts:
        if part == "..":
            if not parts:
                raise PathRefused(f"refused: {name} leads outside the kit folder")
            parts.pop()
        elif part not in (".", "", "/"):
            parts.append(part)
    if not parts:
        raise PathRefused(f"refused: {name!r} is not a file name")
    return PurePosixPath(*parts)


def inside(root: str | os.PathLike, name: str, base: str = "") -> Path:
    """The file ``name`` (relative to ``root/base``) as a resolved path that stays inside ``root``.

    Raises:
        PathRefused: absolute, escaping with ``..``, or resolving (via symlinks) outside ``root``.
    """
    root = Path(root).resolve()
    path = (root / _clean(name, base)).resolve()
    if path != root and root not in path.parents:
        raise PathRefused(f"refused: {name} resolves outside the kit folder {root}")
    return path


def member_name(name: str, base: str = "") -> str:
    """An archive member name for ``name`` relative to the folder ``base`` inside the archive."""
    return str(_clean(name, base))


def read_limited(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a small file (a kit's text), refusing more than ``limit`` bytes."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror or e})") from None
    if len(data) > limit:
        raise DataError(f"{path}: larger than {limit // _MIB} MiB, not a kit description")
    return data


def parse_xml(data: bytes, source: str | os.PathLike):
    """Parse XML safely (defusedxml, no DTD): an ElementTree root with namespaces removed from tags.

    Raises:
        DataError: not well-formed, or it uses a DTD / entities (refused: entity expansion and
            external entities are classic attacks).
    """
    import defusedxml
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as e:
        raise DataError(f"{source}: refused, the XML uses a DTD or entities ({type(e).__name__})") from None
    except ElementTree.ParseError as e:
        raise DataError(f"{source}: not well-formed XML ({e})") from None
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.rsplit("}", 1)[1]
    return root


class Archive:
    """The regular files of a ``.zip``/``.dslibrary`` or ``.tar``/``.h2drumkit`` archive, checked once.

    ``names`` are the member files (normalised posix paths); :meth:`read` returns one member's
    bytes. Nothing is written to disk.
    """

    def __init__(self, path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS):
        self.path = Path(path)
        self.limits = limits
        self.ignored: list[tuple[str, str]] = []  # links, devices: never followed
        self._zip_infos: dict[str, zipfile.ZipInfo] = {}
        self._data: dict[str, bytes] = {}
        if zipfile.is_zipfile(self.path):
            self._scan_zip()
        else:
            self._scan_tar()

    @property
    def names(self) -> list[str]:
        return sorted(self._zip_infos or self._data)

    def _refuse(self, reason: str) -> DataError:
        return DataError(f"{self.path}: refused, {reason}")

    def _check_name(self, name: str) -> str:
        try:
            return str(_clean(name))
        except PathRefused as e:
            raise self._refuse(f"member {name!r} lies outside the archive root ({e.reason})") from None

    def _count(self, n: int, total: int, size: int, name: str) -> int:
        lim = self.limits
        if n > lim.max_members:
            raise self._refuse(f"more than {lim.max_members} members")
        if size > lim.max_member_bytes:
            raise self._refuse(f"member {name} unpacks to {size} bytes (limit {lim.max_member_bytes})")
        if total + size > lim.max_total_bytes:
            raise self._refuse(f"members unpack to more than {lim.max_total_bytes} bytes")
        return total + size

    def _scan_zip(self) -> None:
        total = 0
        try:
            with zipfile.ZipFile(self.path) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, OSError) as e:
            raise DataError(f"{self.path}: not a readable zip archive ({e})") from None
        for n, info in enumerate(infos, 1):
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            name = self._check_name(info.filename)
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                self.ignored.append((name, "not a regular file (ignored)"))
                continue
            total = self._count(n, total, info.file_size, name)
            if info.file_size > _MIB and info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
                raise self._refuse(
                    f"member {name} is compressed {info.file_size / max(info.compress_size, 1):.0f}:1 "
                    f"(limit {self.limits.max_ratio:.0f}:1, a zip bomb?)"
                )
            self._zip_infos[name] = info

    def _scan_tar(self) -> None:
        total = 0
        try:
            tf = tarfile.open(self.path, mode="r:*")
        except (tarfile.TarError, OSError) as e:
            raise DataError(f"{self.path}: not a readable zip or tar archive ({e})") from None
        with tf:
            n = 0
            while True:
                try:
                    member = tf.next()
                except (tarfile.TarError, OSError, EOFError) as e:
                    raise DataError(f"{self.path}: damaged archive ({e})") from None
                if member is None:
                    break
                n += 1
                name = self._check_name(member.name)
                if member.isdir():
                    continue
                if not member.isreg():
                    self.ignored.append((name, "a link or device (ignored)"))
                    continue
                total = self._count(n, total, member.size, name)
                if total > self.limits.max_in_memory_bytes:
                    raise self._refuse(f"members unpack to more than {self.limits.max_in_memory_bytes} bytes")
                f = tf.extractfile(member)
                data = f.read(member.size + 1) if f is not None else b""
                if len(data) != member.size:
                    raise self._refuse(f"member {name} is not the size its header says")
                self._data[name] = data

    def read(self, name: str) -> bytes:
        """The bytes of member ``name`` (KeyError if there is none)."""
        if self._zip_infos:
            info = self._zip_infos[name]
            try:
                with zipfile.ZipFile(self.path) as zf, zf.open(info) as f:
                    data = f.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                raise DataError(f"{self.path}: member {name} cannot be read ({e})") from None
            if len(data) != info.file_size:
                raise self._refuse(f"member {name} is not the size its header says")
            return data
        return self._data[name]

    def has(self, name: str) -> bool:
        return name in (self._zip_infos or self._data)


def open_archive(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> Archive:
    """Check and open an archive (see :class:`Archive`)."""
    return Archive(path, limits)
