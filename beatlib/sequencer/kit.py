"""Kits: the sounds of each voice (folders of files or arrays), loaded lazily at one rate.

Example:
    >>> import numpy as np
    >>> kit = Kit.from_arrays({"kick": [np.ones(10)], "snare": [np.ones(5)] * 3}, sample_rate=8000)
    >>> kit.voices, kit.count("snare"), kit.sound("kick", 0).audio.shape
    (('kick', 'snare'), 3, (10, 1))
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from beatlib import kits
from beatlib.audio import DC_BLOCK_HZ, find_audio_files, read_audio, resample, validate_audio
from beatlib.batches import batch_clips, latest_batch_dir
from beatlib.dsp import detect_onset
from beatlib.errors import DataError
from beatlib.paths import ProjectPaths

__all__ = ["Kit", "Sound", "load_kit", "project_kit", "voice_files"]


@dataclasses.dataclass(frozen=True, eq=False)
class Sound:
    """One sound, ready to place: ``audio`` ``[time, channels]`` at the kit's rate."""

    name: str
    audio: np.ndarray
    onset: int


class Kit:
    """The sounds of each voice (a folder per voice, or arrays), at one sample rate.

    Files are loaded only when a hit uses them (a generated batch may hold 1000 sounds per
    instrument), resampled to ``sample_rate`` and cached with their detected onset.

    Example:
        >>> kit = Kit.from_arrays({"kick": [np.ones(10)], "snare": [np.ones(5)] * 3}, sample_rate=8000)
        >>> kit.voices, kit.count("snare")
        (('kick', 'snare'), 3)
    """

    def __init__(
        self,
        sources: Mapping[str, Sequence[Any]],
        *,
        sample_rate: int,
        source_rate: int | None = None,
        origin: Mapping[str, str] | None = None,
    ):
        self.sample_rate = int(sample_rate)
        self.source_rate = source_rate  # the rate of in-memory arrays (None: files)
        self._sources = {str(v): list(s) for v, s in sources.items()}
        self.origin = dict(origin or {v: "arrays" for v in self._sources})
        self._cache: dict[tuple[str, int], Sound] = {}

    @classmethod
    def from_arrays(cls, sounds: Mapping[str, Sequence[np.ndarray]], *, sample_rate: int) -> Kit:
        """A kit from in-memory audio (``[time]`` or ``[time, channels]``) at ``sample_rate``."""
        return cls(sounds, sample_rate=sample_rate, source_rate=sample_rate)

    @property
    def voices(self) -> tuple[str, ...]:
        return tuple(self._sources)

    def count(self, voice: str) -> int:
        return len(self._sources.get(voice, ()))

    def name(self, voice: str, index: int) -> str:
        src = self._sources[voice][index]
        return str(src) if isinstance(src, (str, os.PathLike)) else f"{voice}[{index}]"

    def at_rate(self, sample_rate: int) -> Kit:
        """The same sounds at another output rate."""
        if int(sample_rate) == self.sample_rate:
            return self
        return Kit(self._sources, sample_rate=sample_rate, source_rate=self.source_rate, origin=self.origin)

    def sound(self, voice: str, index: int) -> Sound:
        """Load (once) sound ``index`` of ``voice``."""
        key = (voice, int(index))
        if key not in self._cache:
            src = self._sources[voice][index]
            # a silent generated sample is kept (it plays as a silent hit) rather than failing
            # a whole render; unreadable files and NaN still raise AudioError naming the file
            if isinstance(src, (str, os.PathLike)):
                read = read_audio(src, allow_silent=True, dc_block_hz=DC_BLOCK_HZ)  # a DC offset clicks
                y, rate = read.audio, read.sample_rate
            else:
                y = validate_audio(
                    np.asarray(src, np.float32), source=self.name(voice, index), allow_silent=True
                )
                rate = self.source_rate
            # the onset is found before resampling: a resampler's pre-ringing is not the attack
            onset = int(round(detect_onset(y) * self.sample_rate / rate))
            y = resample(y, orig_sr=rate, target_sr=self.sample_rate, source=self.name(voice, index))
            self._cache[key] = Sound(self.name(voice, index), y, min(onset, y.shape[0] - 1))
        return self._cache[key]

    def __repr__(self) -> str:
        counts = ", ".join(f"{v}: {self.count(v)}" for v in self.voices)
        return f"Kit({counts}; {self.sample_rate} Hz)"


def voice_files(folder: str | os.PathLike) -> list[Path]:
    """Audio files of a folder (recursive); if it holds ``batch-NNN`` folders, the files at the top
    of the latest batch (sub-folders of a batch, such as exported ``loops/``, are not clips)."""
    folder = Path(folder)
    batch = latest_batch_dir(folder)
    if batch is None:
        return find_audio_files(folder)
    return batch_clips(batch)


def load_kit(
    folder: str | os.PathLike, *, sample_rate: int = 44100, voices: Sequence[str] | None = None
) -> Kit:
    """A kit from a folder holding one sub-folder of sounds per voice, or from a kit file or folder.

    Works for ``generated_output/wavenet`` (``<instrument>/batch-NNN/*.wav``: the latest batch
    is used) and for the demo kit's ``oneshots/{kick,snare,hihat}``.

    Raises:
        DataError: the folder or a requested voice folder is missing or has no audio.

    Example:
        >>> kit = load_kit("generated_output/wavenet")          # doctest: +SKIP
    """
    folder = Path(folder)
    if kits.is_kit(folder):  # a Hydrogen, SFZ, Decent Sampler or SoundFont kit: its sounds per GM voice
        sounds, origin = kits.kit_sounds(folder, sample_rate=sample_rate, voices=voices)
        return Kit(sounds, sample_rate=sample_rate, source_rate=sample_rate, origin=origin)
    if not folder.is_dir():
        raise DataError(f"{folder}: sounds folder not found")
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "batch-")))
    if voices is None:
        names = [p.name for p in subdirs]
    else:
        names = list(voices)
        missing = [v for v in names if not (folder / v).is_dir()]
        if missing:
            raise DataError(f"{folder}: no folder for voices {missing}; found {[p.name for p in subdirs]}")
    sources, origin = {}, {}
    for v in names:
        files = voice_files(folder / v)
        if files:
            sources[v] = files
            batch = latest_batch_dir(folder / v)
            origin[v] = str(batch if batch is not None else folder / v)
        elif voices is not None:
            raise DataError(f"{folder / v}: no audio files for voice {v!r}")
    if not sources:
        raise DataError(
            f"{folder}: expected one sub-folder of sounds per voice (e.g. kick/, snare/, "
            "hihat/), found no audio in any sub-folder"
        )
    return Kit(sources, sample_rate=sample_rate, origin=origin)


def project_kit(
    project: Any,
    *,
    voices: Sequence[str] = ("kick", "snare", "hihat"),
    sample_rate: int = 44100,
    favourites: bool = True,
) -> tuple[Kit, dict[str, str]]:
    """The project's sounds per voice: your kept favourites, else the latest generated WaveNet
    one-shots, else the demo kit's.

    Args:
        project: a :class:`beatlib.paths.ProjectPaths` or a project folder.
        favourites: use the clips kept with notebook 04's "keep" button
            (``generated_output/keep/<voice>/``) for every voice that has any.

    Returns:
        ``(kit, notes)`` where ``notes[voice]`` says where that voice's sounds come from.

    Raises:
        DataError: a voice has no sounds anywhere. The demo kit is only read here, never
            built: callers build it first (:func:`beatlib.demo_kit.make_demo_kit`).
    """
    paths = project if isinstance(project, ProjectPaths) else ProjectPaths(project)
    sources, notes = {}, {}
    demo = paths.demo_kit / "oneshots"
    for v in voices:
        kept_dir = paths.favourites / v
        kept = find_audio_files(kept_dir) if favourites and kept_dir.is_dir() else []
        if kept:
            sources[v] = kept
            notes[v] = f"{len(kept)} kept favourites from {paths.favourites / v}"
            continue
        files = voice_files(paths.generated_wavenet(v)) if paths.generated_wavenet(v).is_dir() else []
        if files:
            batch = latest_batch_dir(paths.generated_wavenet(v))
            sources[v] = files
            notes[v] = f"{len(files)} generated WaveNet one-shots from {batch or paths.generated_wavenet(v)}"
            continue
        files = voice_files(demo / v) if (demo / v).is_dir() else []
        if not files:
            raise DataError(
                f"no sounds for {v!r}: nothing generated in {paths.generated_wavenet(v)} "
                f"and no demo kit one-shots in {demo / v}"
            )
        sources[v] = files
        notes[v] = f"no generated {v} sounds yet: using {len(files)} demo kit one-shots from {demo / v}"
    return Kit(sources, sample_rate=sample_rate, origin=notes), notes
