"""Writing beats and arrangements: WAV (16 or 24 bit), MIDI and a JSON manifest, atomically.

Example:
    >>> import tempfile, pathlib, numpy as np
    >>> from beatlib.sequencer import Kit, preset, render
    >>> kit = Kit.from_arrays({"kick": [np.hanning(64)] * 4}, sample_rate=8000)
    >>> beat = render(preset("house").select(["kick"]), kit, 120, 1, sample_rate=8000, seed=0)
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sorted(save_beat(beat, folder / "b.wav"))
    ['manifest', 'wav']
    >>> [save_new_beat(beat, folder, "house")["wav"].name for _ in range(2)]
    ['house-001.wav', 'house-002.wav']
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from beatlib.audio import save_audio
from beatlib.errors import ConfigError
from beatlib.files import atomic_paths, check_writable, place_unique, write_json
from beatlib.sequencer.arrange import Arrangement
from beatlib.sequencer.midi import write_midi
from beatlib.sequencer.render import Beat

__all__ = ["save_arrangement", "save_beat", "save_new_arrangement", "save_new_beat"]

#: Files written beside a numbered WAV (a number is free only if none of them exists).
_SIDE_FILES = (".mid", ".json")


def save_beat(
    beat: Beat,
    path: str | os.PathLike,
    *,
    bits: int = 16,
    midi: str | os.PathLike | None = None,
    manifest: str | os.PathLike | bool = True,
) -> dict[str, Path]:
    """Write the beat as a WAV (16 or 24 bit), optionally its MIDI file, and a JSON manifest.

    The manifest (default ``<path>.json``) lists the settings, the pattern and every hit:
    voice, bar, step, sample position, time, velocity and which sample file played.
    All files are written as one unit (:func:`beatlib.files.atomic_paths`): every one of them
    or, if one cannot be written, none (an existing ``path`` is replaced; see
    :func:`save_new_beat` for numbered files that never overwrite). Returns
    ``{"wav": ..., "midi": ..., "manifest": ...}``.
    """
    subtype = _subtype(bits)
    path = Path(path)
    if path.suffix.lower() not in (".wav", ".wave"):
        raise ConfigError(f"{path}: the beat is written as WAV, use a .wav file name")
    finals = _beat_files(path, midi, manifest)
    for p in finals.values():
        check_writable(p)
    with atomic_paths(*finals.values()) as tmps:
        tmp = dict(zip(finals, tmps))
        save_audio(tmp["wav"], beat.audio, sample_rate=beat.sample_rate, subtype=subtype)
        _write_side_files(beat, finals, tmp, bits=bits)
    return finals


def save_new_beat(
    beat: Beat,
    folder: str | os.PathLike,
    stem: str | None = None,
    *,
    bits: int = 16,
    midi: bool | str | os.PathLike = True,
) -> dict[str, Path]:
    """Write the beat as a new ``folder/<stem>-NNN.wav`` (+ ``.mid`` and ``.json``, as
    :func:`save_beat`), with the first free number.

    Never overwrites, also when several processes save at once: the WAV is written under a
    temporary name and claimed atomically (:func:`beatlib.files.place_unique`), and its
    ``.mid``/``.json`` take the claimed name. ``stem`` defaults to ``<pattern>-<bpm>bpm``;
    ``midi``: True (beside the WAV), False, or a path of its own.
    """
    stem = stem or f"{beat.pattern.name}-{beat.bpm:g}bpm"
    if midi and midi is not True:
        check_writable(midi)  # before a WAV is claimed
    wav = _claim_wav(folder, stem, beat.audio, sample_rate=beat.sample_rate, bits=bits)
    finals = _beat_files(wav, wav.with_suffix(".mid") if midi is True else midi or None, True)
    try:
        _write_side_files(beat, finals, finals, bits=bits)
    except BaseException:
        wav.unlink(missing_ok=True)  # a beat without its manifest is not left behind
        raise
    return finals


def save_arrangement(arr: Arrangement, path: str | os.PathLike, *, bits: int = 16) -> dict[str, Path]:
    """Write an :class:`Arrangement` as WAV plus a ``.json`` manifest of its bars."""
    path = Path(path)
    wav = save_audio(path, arr.audio, sample_rate=arr.sample_rate, subtype=_subtype(bits))
    return {"wav": wav, "manifest": write_json(path.with_suffix(".json"), arr.manifest())}


def save_new_arrangement(
    arr: Arrangement, folder: str | os.PathLike, stem: str | None = None, *, bits: int = 16
) -> dict[str, Path]:
    """Write an :class:`Arrangement` as a new ``folder/<stem>-NNN.wav`` + ``.json`` that never
    overwrites (as :func:`save_new_beat`); ``stem`` defaults to ``arrangement-<structure>``."""
    wav = _claim_wav(
        folder, stem or f"arrangement-{arr.structure}", arr.audio, sample_rate=arr.sample_rate, bits=bits
    )
    return {"wav": wav, "manifest": write_json(wav.with_suffix(".json"), arr.manifest())}


def _subtype(bits: int) -> str:
    subtype = {16: "PCM_16", 24: "PCM_24"}.get(int(bits))
    if subtype is None:
        raise ConfigError(f"bits must be 16 or 24, got {bits!r}")
    return subtype


def _beat_files(
    wav: Path, midi: str | os.PathLike | None, manifest: str | os.PathLike | bool
) -> dict[str, Path]:
    """``{"wav", "midi", "manifest"}``: the paths a beat is saved to (missing ones left out)."""
    files = {"wav": Path(wav)}
    if midi:
        files["midi"] = Path(midi)
    if manifest:
        files["manifest"] = files["wav"].with_suffix(".json") if manifest is True else Path(manifest)
    return files


def _write_side_files(beat: Beat, finals: dict[str, Path], to: dict[str, Path], *, bits: int) -> None:
    """Write the MIDI file and manifest named in ``finals`` to the paths ``to`` (temporary twins)."""
    if "midi" in finals:
        write_midi(beat.pattern, to["midi"], bpm=beat.bpm, bars=beat.bars)
    if "manifest" in finals:
        data = beat.manifest()
        midi = str(finals["midi"]) if "midi" in finals else None
        data.update(wav=str(finals["wav"]), bits=int(bits), midi=midi)
        write_json(to["manifest"], data)


def _claim_wav(
    folder: str | os.PathLike, stem: str, audio: np.ndarray, *, sample_rate: int, bits: int
) -> Path:
    """Write ``audio`` to a temporary file in ``folder`` and claim ``<stem>-NNN.wav`` for it."""
    if not stem or os.sep in stem or stem.startswith("."):
        raise ConfigError(f"the file name stem must be a plain name, got {stem!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{stem}.tmp{os.getpid()}-{uuid.uuid4().hex[:8]}.wav"
    save_audio(tmp, audio, sample_rate=sample_rate, subtype=_subtype(bits))
    return place_unique(tmp, _numbered(folder, stem))


def _numbered(folder: Path, stem: str) -> Iterator[Path]:
    """``stem-001.wav``, ``stem-002.wav``, ... whose side files do not exist either."""
    for i in range(1, 100_000):
        wav = folder / f"{stem}-{i:03d}.wav"
        if not any(wav.with_suffix(s).exists() for s in _SIDE_FILES):
            yield wav
