"""Open any kit: a Hydrogen ``drumkit.xml`` / folder / ``.h2drumkit``, an ``.sfz``, a ``.dspreset`` /
``.dslibrary``, a ``.sf2``; and hand its clips to the one-shot dataset and the sequencer.

A folder is a kit when it holds ``drumkit.xml``, or exactly one kit file at its top level or
one folder down (``MyKit/Programs/kit.sfz``); the folder is then the kit's root, so its samples
may live anywhere below it (``../Samples/`` from ``Programs/``) but never outside.

Example:
    >>> kit_format("kit.sfz"), kit_format("Acoustic.h2drumkit"), kit_format("notes.txt")
    ('sfz', 'hydrogen', None)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from beatlib import audio
from beatlib.errors import BeatlibError, DataError
from beatlib.kits.decentsampler import read_dspreset
from beatlib.kits.hydrogen import read_hydrogen
from beatlib.kits.safety import DEFAULT_LIMITS, Limits, open_archive
from beatlib.kits.sample import KitImport
from beatlib.kits.sfz import read_sfz
from beatlib.kits.soundfont import read_sf2
from beatlib.kits.storage import ArchiveFiles, FolderFiles

__all__ = ["KIT_SUFFIXES", "kit_format", "find_kit_file", "is_kit", "open_kit", "kit_sounds"]

#: File endings of kits (``drumkit.xml`` is recognised by its name).
KIT_SUFFIXES = {
    ".h2drumkit": "hydrogen",
    ".sfz": "sfz",
    ".dspreset": "decentsampler",
    ".dslibrary": "decentsampler",
    ".sf2": "soundfont",
}


def kit_format(path: str | os.PathLike) -> str | None:
    """The kit format a file name says (``hydrogen``, ``sfz``, ``decentsampler``, ``soundfont``) or None."""
    p = Path(path)
    if p.name.lower() == "drumkit.xml":
        return "hydrogen"
    return KIT_SUFFIXES.get(p.suffix.lower())


def find_kit_file(folder: str | os.PathLike) -> Path | None:
    """The kit file of a kit folder (see the module docstring), or None for a plain folder.

    Raises:
        DataError: the folder holds several kit files (it names them: pass one of them).
    """
    folder = Path(folder)
    if (folder / "drumkit.xml").is_file():
        return folder / "drumkit.xml"
    for depth in ("*", "*/*"):
        found = sorted(
            p
            for p in folder.glob(depth)
            if p.is_file()
            and kit_format(p)
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        )
        if len(found) == 1:
            return found[0]
        if found:
            raise DataError(
                f"{folder}: holds {len(found)} kits; give one of them: "
                + ", ".join(str(p.relative_to(folder)) for p in found[:10])
            )
    return None


def is_kit(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a kit file or a kit folder (False for a plain folder of one-shots)."""
    p = Path(path)
    if p.is_file():
        return kit_format(p) is not None
    if not p.is_dir():
        return False
    try:
        return find_kit_file(p) is not None
    except DataError:
        return True


def open_kit(
    path: str | os.PathLike, *, preset: int | str | None = None, limits: Limits = DEFAULT_LIMITS
) -> KitImport:
    """Read a kit (any supported format) without decoding its audio.

    Args:
        path: a kit file or kit folder.
        preset: SoundFont drum preset (number or name), or which ``.dspreset`` of a ``.dslibrary``.
        limits: archive and text size limits.

    Raises:
        DataError: not a kit, or a bad one (the message names the file and the reason).

    Example:
        >>> kit = open_kit("MyKit.h2drumkit")         # doctest: +SKIP
        >>> print(kit.describe())                      # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such kit file or folder")
    root = path if path.is_dir() else path.parent
    kit_file = find_kit_file(path) if path.is_dir() else path
    fmt = kit_format(kit_file) if kit_file is not None else None
    if fmt is None:
        raise DataError(
            f"{path}: not a kit (expected drumkit.xml, .h2drumkit, .sfz, .dspreset, .dslibrary or .sf2)"
        )
    label = str(kit_file)
    if fmt == "soundfont":
        return read_sf2(kit_file, preset=preset)
    suffix = kit_file.suffix.lower()
    if suffix in (".h2drumkit", ".dslibrary"):
        archive = open_archive(kit_file, limits)
        files = ArchiveFiles(archive)
        want = "drumkit.xml" if suffix == ".h2drumkit" else ".dspreset"
        inner = [
            n
            for n in archive.names
            if (PurePosixPath(n).name == want if want == "drumkit.xml" else n.lower().endswith(want))
        ]
        if preset is not None:
            inner = [n for n in inner if PurePosixPath(n).stem == str(preset) or n == str(preset)]
        if len(inner) != 1:
            raise DataError(
                f"{kit_file}: expected one {want} inside, found "
                f"{len(inner) if inner else 'none'}{': ' + ', '.join(inner[:10]) if inner else ''}"
                f"{' (choose with preset=)' if len(inner) > 1 else ''}"
            )
        kit = (read_hydrogen if fmt == "hydrogen" else read_dspreset)(files, inner[0], label=label)
        return KitImport(
            kit.path,
            kit.format,
            kit.name,
            kit.samples,
            kit.skipped + tuple(archive.ignored),
            kit.ignored,
            kit.notes,
        )
    files = FolderFiles(root, limits)
    key = str(kit_file.resolve())
    reader = {"hydrogen": read_hydrogen, "sfz": read_sfz, "decentsampler": read_dspreset}[fmt]
    return reader(files, key, label=label)


def kit_sounds(
    path: str | os.PathLike, *, sample_rate: int, voices: Sequence[str] | None = None, **kwargs: Any
) -> tuple[dict[str, list[np.ndarray]], dict[str, str]]:
    """The sounds of a kit per voice, decoded and resampled to ``sample_rate`` (for the sequencer).

    Returns:
        ``(sounds, origin)``: ``sounds[voice]`` a list of float32 ``[time, channels]`` arrays, and
        ``origin[voice]`` where they came from.

    Raises:
        DataError: a requested voice is not in the kit, or no sample could be decoded.
    """
    kit = open_kit(path, **kwargs)
    by_voice = kit.voices()
    if voices is not None:
        missing = [v for v in voices if v not in by_voice]
        if missing:
            raise DataError(f"{path}: no sounds for voices {missing}; the kit has {sorted(by_voice)}")
        by_voice = {v: by_voice[v] for v in voices}
    sounds, origin, failed = {}, {}, []
    for voice, samples in by_voice.items():
        for s in samples:
            try:
                y, sr = s.read()
            except BeatlibError as e:
                failed.append(str(e))
                continue
            sounds.setdefault(voice, []).append(audio.resample(y, orig_sr=sr, target_sr=sample_rate))
        if voice in sounds:
            origin[voice] = f"{len(sounds[voice])} sounds of {kit.format} kit {kit.path}"
    if not sounds:
        raise DataError(f"{path}: no sound of the kit could be decoded ({'; '.join(failed[:3])})")
    return sounds, origin
