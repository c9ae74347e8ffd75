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
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from beatlib.errors import BeatlibError

__all__ = ["atomic_path", "place_unique", "read_json", "write_json"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    On an exception the temporary file is removed and ``path`` is left as it was, so a
    reader never sees a half-written file. The suffix is kept so that writers that look at
    the extension (soundfile, numpy) still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
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
    try:
        for dest in map(Path, candidates):
            last = dest
            if dest.exists():
                continue
            if tmp.is_dir():
                try:
                    os.rename(tmp, dest)  # fails if dest exists and is not empty
                    return dest
                except OSError:
                    if dest.exists():
                        continue
                    raise
            try:
                os.link(tmp, dest)  # atomic, and refuses to replace an existing file
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
        raise BeatlibError(f"{last.parent if last else tmp.parent}: no free name left for {tmp.name}"
                           f" (last tried {last.name if last else 'none'})")
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
