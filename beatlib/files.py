"""Safe file output: atomic writes and batch folders that never overwrite earlier ones.

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
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Iterator

_BATCH_RE = re.compile(r"^batch-(\d{3,})$")


@contextlib.contextmanager
def atomic_path(path: "str | os.PathLike") -> Iterator[Path]:
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


def write_json(path: "str | os.PathLike", obj: Any) -> Path:
    """Write ``obj`` as indented JSON, atomically. Returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n")
    return path


def read_json(path: "str | os.PathLike") -> Any:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(Path(path).read_text())


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"cannot write {type(o).__name__} as JSON")


def batch_dirs(root: "str | os.PathLike") -> list[Path]:
    """Finished batch folders ``root/batch-NNN`` in order (oldest first)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and _BATCH_RE.match(p.name)]
    return sorted(found, key=lambda p: int(_BATCH_RE.match(p.name).group(1)))


def latest_batch_dir(root: "str | os.PathLike") -> Path | None:
    """The newest finished batch folder under ``root``, or None."""
    dirs = batch_dirs(root)
    return dirs[-1] if dirs else None


class BatchPath(type(Path())):
    """The path :func:`new_batch_dir` yields; after the block, ``.final`` is the batch folder made."""

    final: "Path | None" = None


@contextlib.contextmanager
def new_batch_dir(root: "str | os.PathLike") -> Iterator[BatchPath]:
    """Yield a fresh temporary folder that becomes ``root/batch-NNN`` when the block ends.

    The number is one more than the highest existing batch, so earlier batches are never
    overwritten, also when several writers finish at once; the yielded path's ``.final`` then
    names this block's batch. If the block raises, the temporary folder is deleted and nothing
    appears.

    Example:
        >>> import tempfile
        >>> root = tempfile.mkdtemp()
        >>> with new_batch_dir(root) as d:
        ...     _ = (d / "a.txt").write_text("x")
        >>> d.final.name, latest_batch_dir(root).name
        ('batch-001', 'batch-001')
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = BatchPath(root / f".batch-tmp{os.getpid()}-{uuid.uuid4().hex[:8]}")  # hidden, unique per block
    tmp.mkdir()
    try:
        yield tmp
        while True:
            existing = batch_dirs(root)
            n = int(_BATCH_RE.match(existing[-1].name).group(1)) + 1 if existing else 1
            final = root / f"batch-{n:03d}"
            try:
                os.rename(tmp, final)  # fails if final exists and is non-empty
                break
            except OSError:
                if not final.exists():
                    raise
        tmp.final = final
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
