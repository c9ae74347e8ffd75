"""Writing beats and arrangements: WAV (16 or 24 bit), MIDI and a JSON manifest, atomically.

Example:
    >>> import tempfile, pathlib, numpy as np
    >>> from beatlib.sequencer import Kit, preset, render
    >>> kit = Kit.from_arrays({"kick": [np.hanning(64)] * 4}, sample_rate=8000)
    >>> beat = render(preset("house").select(["kick"]), kit, 120, 1, sample_rate=8000, seed=0)
    >>> written = save_beat(beat, pathlib.Path(tempfile.mkdtemp()) / "b.wav", midi=None)
    >>> sorted(written)
    ['manifest', 'wav']
"""

from __future__ import annotations

import os
from pathlib import Path

from beatlib.audio import save_audio
from beatlib.errors import ConfigError
from beatlib.files import write_json
from beatlib.sequencer.arrange import Arrangement
from beatlib.sequencer.midi import write_midi
from beatlib.sequencer.render import Beat

__all__ = ["free_path", "save_arrangement", "save_beat"]


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
    All files are written atomically. Returns ``{"wav": ..., "midi": ..., "manifest": ...}``.
    """
    subtype = {16: "PCM_16", 24: "PCM_24"}.get(int(bits))
    if subtype is None:
        raise ConfigError(f"bits must be 16 or 24, got {bits!r}")
    path = Path(path)
    if path.suffix.lower() not in (".wav", ".wave"):
        raise ConfigError(f"{path}: the beat is written as WAV, use a .wav file name")
    written = {"wav": save_audio(path, beat.audio, sample_rate=beat.sample_rate, subtype=subtype)}
    if midi:
        written["midi"] = write_midi(beat.pattern, midi, bpm=beat.bpm, bars=beat.bars)
    if manifest:
        mpath = path.with_suffix(".json") if manifest is True else Path(manifest)
        data = beat.manifest()
        data.update(wav=str(path), bits=int(bits), midi=str(written["midi"]) if midi else None)
        written["manifest"] = write_json(mpath, data)
    return written


def save_arrangement(arr: Arrangement, path: str | os.PathLike, *, bits: int = 16) -> dict[str, Path]:
    """Write an :class:`Arrangement` as WAV plus a ``.json`` manifest of its bars."""
    subtype = {16: "PCM_16", 24: "PCM_24"}.get(int(bits))
    if subtype is None:
        raise ConfigError(f"bits must be 16 or 24, got {bits!r}")
    path = Path(path)
    wav = save_audio(path, arr.audio, sample_rate=arr.sample_rate, subtype=subtype)
    return {"wav": wav, "manifest": write_json(path.with_suffix(".json"), arr.manifest())}


def free_path(folder: str | os.PathLike, stem: str, suffix: str = ".wav") -> Path:
    """``folder/stem-NNN.suffix`` with the first number not taken (never overwrites)."""
    folder = Path(folder)
    i = 1
    while (folder / f"{stem}-{i:03d}{suffix}").exists():
        i += 1
    return folder / f"{stem}-{i:03d}{suffix}"
