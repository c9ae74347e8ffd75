"""Safe file output: atomic writes, and unique names that never replace an existing file.

Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(root / "x.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (root / "x.txt").read_text()
    'hello'
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from beatlib.errors import BeatlibError, OutputError

__all__ = [
    "atomic_path",
    "atomic_paths",
    "check_writable",
    "clean_stale_temps",
    "os_reason",
    "place_unique",
    "read_json",
    "temp_sibling",
    "write_json",
]

# Hidden temporary names of beatlib's writers, old and new: ".x.tmp123.npz", ".x.tmp123-1a2b3c4d.npz",
# ".batch-tmp123-1a2b3c4d", ".keep-tmp123-1a2b3c4d.wav" (the number is the writer's PID).
_TEMP_RE = re.compile(r"^\..*[.-]tmp(\d+)(?:-[0-9a-f]{8})?(?:\.[A-Za-z0-9]+)?$")
_CLEANED: set[str] = set()


def os_reason(e: OSError) -> str:
    """The OS's words for ``e`` in lower case: ``permission denied``, ``no space left on device``.

    Example:
        >>> os_reason(PermissionError(13, "Permission denied"))
        'permission denied'
    """
    return (e.strerror or str(e) or type(e).__name__).lower()


def temp_sibling(path: str | os.PathLike, label: str | None = None) -> Path:
    """A hidden, unique temporary name beside ``path`` that keeps its suffix (``.x.tmpPID-HEX.npz``).

    At most ~60 characters whatever the length of ``path``'s name (so a valid long name never
    fails for its temporary twin), and recognised by :func:`clean_stale_temps`.

    Example:
        >>> t = temp_sibling("/data/" + "a" * 240 + ".wav")
        >>> t.name.startswith(".aaaa") and t.suffix == ".wav" and len(t.name) < 70
        True
    """
    path = Path(path)
    stem = (label or path.stem)[:40]
    return path.with_name(f".{stem}.tmp{os.getpid()}-{uuid.uuid4().hex[:8]}{path.suffix}")


def clean_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders that killed beatlib writers left in ``folder``.

    Only hidden names of beatlib's temporary pattern whose writer (the PID in the name) is no
    longer running are removed; each folder is looked at once per process. Returns what was
    removed.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp()); _ = (d / ".loops.tmp999999999.npz").write_bytes(b"half")
        >>> [p.name for p in clean_stale_temps(d)], sorted(d.iterdir())
        (['.loops.tmp999999999.npz'], [])
    """
    folder = Path(folder)
    key = os.path.realpath(folder)
    if key in _CLEANED:
        return []
    _CLEANED.add(key)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass  # not ours to remove after all (permissions): leave it
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # running, as another user
    except (OverflowError, ValueError):
        return False  # no such PID can exist
    return True


def check_writable(path: str | os.PathLike) -> Path:
    """Make sure the file ``path`` can be written, BEFORE the work that produces it.

    Creates missing parent folders and writes (and removes) a tiny probe file beside
    ``path``, so a read-only folder, a file where a folder should be, a folder where the file
    should be, or a name longer than the file system allows fail at once.

    Raises:
        OutputError: naming ``path`` and the reason.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> check_writable(d / "new" / "x.npz").parent.is_dir()
        True
        >>> check_writable(d)
        Traceback (most recent call last):
        beatlib.errors.OutputError: ...: cannot write there: it is a folder
    """
    path = Path(path)
    if os.path.isdir(path):
        raise OutputError(f"{path}: cannot write there: it is a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        limit, size = os.pathconf(path.parent, "PC_NAME_MAX"), len(os.fsencode(path.name))
        if size > limit:
            raise OSError(errno.ENAMETOOLONG, f"file name too long ({size} > {limit} bytes)")
        probe = temp_sibling(path, "probe")
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"\0")
        finally:
            os.close(fd)
            os.unlink(probe)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(f"{path}: cannot write there: a file is in the way of its folder") from None
    except OSError as e:
        raise OutputError(f"{path}: cannot write there: {os_reason(e)}") from None
    return path


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    On an exception the temporary file is removed and ``path`` is left as it was, so a
    reader never sees a half-written file. The suffix is kept so that writers that look at
    the extension (soundfile, numpy) still work. The data is on disk (fsync) before the
    rename (inside a temporary folder, when :func:`place_unique` places the folder); stale
    temporary files of killed writers in the folder are removed first (:func:`clean_stale_temps`).

    Raises:
        OutputError: the file cannot be written (naming ``path`` and the OS's reason).
    """
    with atomic_paths(path) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike) -> Iterator[tuple[Path, ...]]:
    """:func:`atomic_path` for files that belong together (a dataset and its manifest).

    Every file is written to its temporary twin first; only when all are complete and on
    disk are they renamed into place, one after the other, so a failure while writing leaves
    all the old files as they were.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> with atomic_paths(d / "a.txt", d / "a.json") as (t1, t2):
        ...     _ = t1.write_text("1"), t2.write_text("2")
        >>> sorted(p.name for p in d.iterdir())
        ['a.json', 'a.txt']
    """
    finals = [Path(p) for p in paths]
    tmps: list[Path] = []
    try:
        for final in finals:
            if os.path.isdir(final):
                raise OutputError(f"{final}: cannot write there: it is a folder")
            final.parent.mkdir(parents=True, exist_ok=True)
            clean_stale_temps(final.parent)
            tmps.append(temp_sibling(final))
        yield tuple(tmps)
        for tmp in tmps:
            if not _TEMP_RE.match(tmp.parent.name):  # inside a temporary folder: synced when it is placed
                _fsync(tmp)
        for tmp, final in zip(tmps, finals):
            os.replace(tmp, final)
        for folder in {f.parent for f in finals}:
            if not _TEMP_RE.match(folder.name):
                _fsync(folder)
    except OSError as e:
        bad = next((f for f, t in zip(finals, tmps) if e.filename in (str(t), str(f))), finals[0])
        raise OutputError(f"{bad}: cannot write: {os_reason(e)}") from None
    finally:
        for tmp in tmps:
            if tmp.exists():
                tmp.unlink()


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON, atomically. Returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")
    return path


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(Path(path).read_text())


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"cannot write {type(o).__name__} as JSON")


def place_unique(tmp: str | os.PathLike, candidates: Iterable[str | os.PathLike]) -> Path:
    """Move the finished file or folder ``tmp`` to the first of ``candidates`` not yet taken.

    The move is atomic and never replaces what is there, also when another process claims a
    name at the same moment: a file is hard-linked into place (a link refuses an existing
    name; where links are not supported, an exclusive create and copy), a folder is renamed
    (which refuses a non-empty target). ``candidates`` may be a generator that looks at the
    folder again for each attempt (e.g. the next free number). ``tmp`` is gone afterwards,
    whatever happened.

    Raises:
        BeatlibError: every candidate was taken.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> for text in "ab":
        ...     _ = (d / ".tmp").write_text(text)
        ...     print(place_unique(d / ".tmp", (d / f"take-{i}.txt" for i in range(1, 10))).name)
        take-1.txt
        take-2.txt
    """
    tmp = Path(tmp)
    last = None
    if tmp.is_dir():
        os.sync()  # its files on disk before the folder appears (one call for all of them)
    else:
        _fsync(tmp)
    try:
        for dest in map(Path, candidates):
            last = dest
            if dest.exists():
                continue
            if tmp.is_dir():
                try:
                    os.rename(tmp, dest)  # fails if dest exists and is not empty
                    _fsync(dest.parent)
                    return dest
                except OSError:
                    if dest.exists():
                        continue
                    raise
            try:
                os.link(tmp, dest)  # atomic, and refuses to replace an existing file
                _fsync(dest.parent)
                return dest
            except FileExistsError:
                continue
            except OSError:  # no hard links here: exclusive create instead
                try:
                    with open(dest, "xb") as f, open(tmp, "rb") as s:
                        shutil.copyfileobj(s, f)
                    return dest
                except FileExistsError:
                    continue
        raise BeatlibError(
            f"{last.parent if last else tmp.parent}: no free name left for {tmp.name}"
            f" (last tried {last.name if last else 'none'})"
        )
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


_MOVED_TO_BATCHES = ("BatchPath", "batch_dirs", "latest_batch_dir", "new_batch_dir")


def __getattr__(name: str) -> Any:
    # Old import path of the batch-folder helpers (they live in beatlib.batches now); imported
    # lazily because beatlib.batches itself builds on this module.
    if name in _MOVED_TO_BATCHES:
        from beatlib import batches

        return getattr(batches, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
