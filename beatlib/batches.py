"""Batch folders of generated clips, their manifests (one schema) and favourites.

A batch is a folder ``<root>/batch-NNN`` made by :func:`new_batch_dir` (or all at once by
:func:`write_batch`) that holds the clips ``0000.wav``, ``0001.wav``, ... and a
``manifest.json`` with ONE schema for every model::

    {"model": "wavenet" | "wavegan", "weights": "<run folder>", "step": <checkpoint step>,
     "sample_rate": <Hz>, "config": {...}, <the generator's settings>,
     "clips": [{"file": "0000.wav", <what made this clip>}, ...]}

plus ``"bpm"`` (WaveGAN, when the training data's tempo is known) and ``"loops"`` (after a
DAW export). :func:`read_manifest` also reads the older WaveNet manifests (clips named
``clip-00000.wav``, ``checkpoint_step`` for ``step``). An earlier batch is never
overwritten; favourites (:func:`keep_clip`, :func:`keep_audio`) never overwrite each other.

Example:
    >>> import tempfile, numpy as np
    >>> root = tempfile.mkdtemp()
    >>> b = write_batch(root, np.zeros((2, 100), np.float32), sample_rate=8000, model="wavenet",
    ...                 weights="w", step=3, config={})
    >>> b.name, [p.name for p in batch_clips(b)], read_manifest(b)["step"]
    ('batch-001', ['0000.wav', '0001.wav'], 3)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from beatlib.audio import save_audio
from beatlib.errors import BeatlibError, ConfigError
from beatlib.files import clean_stale_temps, place_unique, read_json, write_json
from beatlib.paths import ProjectPaths

__all__ = [
    "MANIFEST_FILE",
    "BatchPath",
    "batch_clips",
    "batch_dirs",
    "clip_name",
    "generated_root",
    "keep_audio",
    "keep_clip",
    "latest_batch_dir",
    "new_batch_dir",
    "read_manifest",
    "write_batch",
]

#: The manifest of a batch folder.
MANIFEST_FILE = "manifest.json"

_BATCH_RE = re.compile(r"^batch-(\d{3,})$")


def batch_dirs(root: str | os.PathLike) -> list[Path]:
    """Finished batch folders ``root/batch-NNN`` in order (oldest first)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and _BATCH_RE.match(p.name)]
    return sorted(found, key=lambda p: int(_BATCH_RE.match(p.name).group(1)))


def latest_batch_dir(root: str | os.PathLike) -> Path | None:
    """The newest finished batch folder under ``root``, or None."""
    dirs = batch_dirs(root)
    return dirs[-1] if dirs else None


class BatchPath(type(Path())):
    """The path :func:`new_batch_dir` yields; after the block, ``.final`` is the batch folder made."""

    final: Path | None = None


def _next_batch_names(root: Path) -> Iterator[Path]:
    """``root/batch-NNN`` with NNN one more than the highest batch, looked up again each time."""
    for _ in range(100_000):
        existing = batch_dirs(root)
        n = int(_BATCH_RE.match(existing[-1].name).group(1)) + 1 if existing else 1
        yield root / f"batch-{n:03d}"


@contextlib.contextmanager
def new_batch_dir(root: str | os.PathLike) -> Iterator[BatchPath]:
    """Yield a fresh temporary folder that becomes ``root/batch-NNN`` when the block ends.

    The number is one more than the highest existing batch, so earlier batches are never
    overwritten, also when several writers finish at once (:func:`beatlib.files.place_unique`);
    the yielded path's ``.final`` then names this block's batch. If the block raises, the
    temporary folder is deleted and nothing appears; temporary folders that killed writers
    left behind are removed first (:func:`beatlib.files.clean_stale_temps`).

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
    clean_stale_temps(root)
    tmp = BatchPath(root / f".batch-tmp{os.getpid()}-{uuid.uuid4().hex[:8]}")  # hidden, unique per block
    tmp.mkdir()
    try:
        yield tmp
        tmp.final = place_unique(tmp, _next_batch_names(root))
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def clip_name(i: int, n: int) -> str:
    """File name of clip ``i`` of a batch of ``n``: ``0007.wav`` (more digits past 10000 clips).

    Example:
        >>> clip_name(7, 40), clip_name(7, 20000)
        ('0007.wav', '00007.wav')
    """
    return f"{int(i):0{max(4, len(str(max(int(n) - 1, 0))))}d}.wav"


def write_batch(
    out_root: str | os.PathLike,
    audio: Sequence[np.ndarray],
    *,
    sample_rate: int,
    model: str,
    weights: str | os.PathLike,
    step: int,
    config: Mapping[str, Any],
    clips: Sequence[Mapping[str, Any]] | None = None,
    progress: bool = False,
    **settings: Any,
) -> Path:
    """Write generated clips as 16-bit WAVs and their manifest into a new ``out_root/batch-NNN``.

    Args:
        audio: one array per clip, ``[T]`` or ``[T, C]``, in [-1, 1].
        model, weights, step, config: what made the batch (the manifest's first keys).
        clips: what made each clip (``clips[i]`` is stored beside its ``file``).
        settings: the generator's settings, stored as top-level manifest keys.

    Returns:
        The batch folder.
    """
    n = len(audio)
    if clips is not None and len(clips) != n:
        raise ConfigError(f"{len(clips)} clip records for {n} clips")
    entries = []
    items = range(n)
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, desc="writing clips", unit="clip", leave=False)
    with new_batch_dir(out_root) as tmp:
        for i in items:
            name = clip_name(i, n)
            save_audio(tmp / name, audio[i], sample_rate=sample_rate)
            entries.append({"file": name, **(clips[i] if clips is not None else {})})
        write_json(
            tmp / MANIFEST_FILE,
            {
                "model": model,
                "weights": str(weights),
                "step": int(step),
                "sample_rate": int(sample_rate),
                "config": dict(config),
                **settings,
                "clips": entries,
            },
        )
    return tmp.final


def batch_clips(batch_dir: str | os.PathLike) -> list[Path]:
    """The generated clips of a batch folder: its top-level WAV files, sorted by name.

    DAW loops (``loops/``) and other sub-folders are not clips.
    """
    d = Path(batch_dir)
    if not d.is_dir():
        raise BeatlibError(f"{d}: no such batch folder")
    return sorted(p for p in d.glob("*.wav") if p.is_file() and not p.name.startswith("."))


def read_manifest(batch_dir: str | os.PathLike) -> dict[str, Any]:
    """The batch's ``manifest.json`` in the current schema (empty if the batch has none).

    Older manifests are read too: ``checkpoint_step`` becomes ``step``; a bare list is the
    ``clips``.
    """
    path = Path(batch_dir) / MANIFEST_FILE
    if not path.exists():
        return {}
    try:
        data = read_json(path)
    except ValueError as e:
        raise BeatlibError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(data, dict):
        return {"clips": data}
    if "step" not in data and "checkpoint_step" in data:
        data = {("step" if k == "checkpoint_step" else k): v for k, v in data.items()}
    return data


def _plain_name(what: str, name: str) -> None:
    if not name or os.sep in name or name.startswith("."):
        kind = "folder" if "group" in what else "file"
        raise ConfigError(f"{what} must be a plain {kind} name, got {name!r}")


def _favourites_dir(favourites: str | os.PathLike, group: str) -> Path:
    _plain_name("favourites group", group)
    dest_dir = Path(favourites) / group
    dest_dir.mkdir(parents=True, exist_ok=True)
    return dest_dir


def _numbered(dest_dir: Path, stem: str, suffix: str) -> Iterator[Path]:
    yield dest_dir / f"{stem}{suffix}"
    for i in range(2, 100_000):
        yield dest_dir / f"{stem}-{i}{suffix}"


def keep_clip(clip: str | os.PathLike, favourites: str | os.PathLike, group: str) -> Path:
    """Copy ``clip`` into ``favourites/<group>/``, never overwriting an existing favourite.

    The copy is named ``<batch>_<clip name>`` (e.g. ``batch-003_0017.wav``); if that name is
    taken, ``-2``, ``-3``, ... is added (:func:`beatlib.files.place_unique`, so a favourite
    is never overwritten even by a second notebook).

    Returns:
        The new favourite's path.

    Example:
        >>> keep_clip("generated_output/wavenet/kick/batch-001/0017.wav",
        ...           "generated_output/keep", "kick")  # doctest: +SKIP
        PosixPath('generated_output/keep/kick/batch-001_0017.wav')
    """
    src = Path(clip)
    if not src.is_file():
        raise BeatlibError(f"{src}: no such clip to keep")
    dest_dir = _favourites_dir(favourites, group)
    stem = f"{src.parent.name}_{src.stem}" if src.parent.name.startswith("batch-") else src.stem
    tmp = dest_dir / f".keep-tmp{os.getpid()}-{uuid.uuid4().hex[:8]}{src.suffix}"
    shutil.copyfile(src, tmp)
    return place_unique(tmp, _numbered(dest_dir, stem, src.suffix))


def keep_audio(
    y: np.ndarray, favourites: str | os.PathLike, group: str, name: str, *, sample_rate: int
) -> Path:
    """Save audio ``[time, channels]`` as a 16-bit WAV favourite ``favourites/<group>/<name>.wav``.

    Like :func:`keep_clip`, an existing favourite is never overwritten (``-2``, ``-3``, ...
    is added to the name). Used for sounds that exist only in memory, such as a point of
    the WaveGAN latent walk.

    Example:
        >>> import tempfile
        >>> keep_audio(np.zeros((10, 2)), tempfile.mkdtemp(), "wavegan", "walk", sample_rate=8000).name
        'walk.wav'
    """
    dest_dir = _favourites_dir(favourites, group)
    _plain_name("favourite name", name)
    tmp = dest_dir / f".keep-tmp{os.getpid()}-{uuid.uuid4().hex[:8]}.wav"
    save_audio(tmp, y, sample_rate=sample_rate)
    return place_unique(tmp, _numbered(dest_dir, name, ".wav"))


def generated_root(project_dir: str | os.PathLike = ".", out_dir: str | os.PathLike | None = None) -> Path:
    """The folder generated batches go to: ``out_dir`` (relative: inside the project) or
    the project's ``generated_output/``.

    Example:
        >>> str(generated_root("/tmp/proj", "elsewhere"))
        '/tmp/proj/elsewhere'
    """
    paths = ProjectPaths(project_dir)
    if out_dir is None or str(out_dir) == "":
        return paths.generated
    out = Path(out_dir).expanduser()
    return out if out.is_absolute() else paths.root / out
