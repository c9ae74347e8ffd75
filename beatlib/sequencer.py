"""The sequencer: patterns, rendering generated sounds into beats, loop arrangement, export.

The last step of both originals. The Drum Machine rendered random generated one-shots into
beats and never used a sample twice; BeatGAN's generated bars are meant to be stacked into
4-bar loops (AAAA, AAAB, AABB, ABAB).

* A :class:`Pattern` is data: voices x steps, each step a velocity in [0, 1] (0 = rest),
  ``steps_per_beat`` steps per beat (4 = 16ths) and ``beats_per_bar`` beats per bar. There are
  presets (:data:`PRESETS`) and a JSON format (:func:`save_pattern`, :func:`load_pattern`).
* A :class:`Kit` holds the sounds of each voice (files are loaded lazily, resampled to the
  output rate with :func:`beatlib.audio.resample`, and their onset is detected once).
* :func:`render` places every hit so that the sound's *onset* (not the file's first sample)
  lands on its exact sample, applies swing and humanize, lets hits ring out (or chokes them
  to one step with a short fade), mixes with headroom and a look-ahead peak limiter
  (:func:`limit`) so the result never exceeds full scale.
* :func:`arrange` builds loops from generated bars with crossfaded joins.
* :func:`save_beat` writes the WAV (16 or 24 bit), a standard MIDI file (General MIDI drum
  notes on channel 10, :func:`write_midi`) and a JSON manifest of which sample played where.

Example:
    >>> import numpy as np
    >>> click = np.zeros((400, 1), np.float32); click[50] = 1.0   # 50 samples of silence first
    >>> kit = Kit.from_arrays({"kick": [click] * 4}, sample_rate=8000)
    >>> beat = render(preset("simple-house").select(["kick"]), kit, bpm=120, bars=1,
    ...               sample_rate=8000, policy="round-robin", seed=0)
    >>> beat.audio.shape            # one bar at 120 bpm = 2 s = 16000 samples (+ ring-out)
    (16000, 2)
    >>> [h.position for h in beat.hits]   # the clicks land on the beats, not 50 samples late
    [0, 4000, 8000, 12000]
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from beatlib.audio import (AUDIO_EXTENSIONS, SILENCE_PEAK, find_audio_files, load_audio, resample, save_audio,
                           to_channels, validate_audio)
from beatlib.errors import ConfigError, DataError
from beatlib.files import atomic_path, latest_batch_dir, read_json, write_json

#: Sample policies of :func:`render`.
POLICIES = ("unique", "round-robin", "random", "one-per-voice")
#: How the end of a beat is handled by :func:`render`.
TAILS = ("ring", "cut", "wrap")
#: The loop structures of BeatGAN's 4-bar patterns.
STRUCTURES = ("AAAA", "AAAB", "AABB", "ABAB")

#: General MIDI percussion notes (channel 10) for common voice names.
GM_DRUM_NOTES: dict[str, int] = {
    "kick": 36, "bd": 36, "rim": 37, "rimshot": 37, "snare": 38, "sd": 38, "clap": 39,
    "hihat": 42, "hh": 42, "closed-hat": 42, "chh": 42, "pedal-hat": 44, "open-hat": 46,
    "openhat": 46, "ohh": 46, "tom-low": 45, "tom": 47, "tom-mid": 47, "tom-high": 50,
    "crash": 49, "ride": 51, "tambourine": 54, "cowbell": 56, "shaker": 70, "perc": 75,
}
#: Voice name written for each GM note when reading a MIDI file without beatlib's metadata.
GM_NOTE_VOICES: dict[int, str] = {36: "kick", 35: "kick", 37: "rim", 38: "snare", 40: "snare",
                                  39: "clap", 42: "hihat", 44: "pedal-hat", 46: "open-hat",
                                  45: "tom-low", 47: "tom", 50: "tom-high", 49: "crash",
                                  51: "ride", 54: "tambourine", 56: "cowbell", 70: "shaker",
                                  75: "perc"}
_SPARE_NOTES = (60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 72, 73, 74, 76, 77, 78, 79, 80, 81)
_MIDI_META_PREFIX = "beatlib-pattern "

#: Characters of the step strings used by :meth:`Pattern.from_strings` and the presets.
STEP_CHARS: dict[str, float] = {"X": 1.0, "x": 0.8, "o": 0.6, "g": 0.35, ".": 0.0, "-": 0.0}

HUMANIZE_MAX_MS = 10.0        # timing jitter at humanize=1 (each way)
HUMANIZE_MAX_VELOCITY = 0.3   # velocity is scaled by a factor in [1 - 0.3 * humanize, 1]
FADE_MS = 3.0                 # fade used by choke and tail="cut" (click-free)


class NotEnoughSamplesError(DataError):
    """The "unique" policy needs more different samples than a voice has.

    Attributes:
        needed: samples needed per voice (only the voices that are short).
        available: samples that exist per voice.
    """

    def __init__(self, message: str, needed: dict[str, int], available: dict[str, int]):
        super().__init__(message)
        self.needed = needed
        self.available = available


# ============================================================================ patterns
@dataclasses.dataclass(frozen=True)
class Pattern:
    """A step pattern: one row of velocities (0..1, 0 = rest) per voice.

    Attributes:
        voices: voice names, e.g. ``("kick", "snare", "hihat")`` (sound folder names).
        velocities: one tuple per voice, all of the same length (a whole number of bars).
        steps_per_beat: grid resolution (4 = 16th notes, 3 = 8th triplets, 8 = 32nds).
        beats_per_bar: beats in a bar (4 for 4/4).
        name: a label (written to the manifest and the MIDI file).

    Example:
        >>> p = Pattern.from_strings({"kick": "X...X...X...X...", "hihat": "..x...x...x...x."})
        >>> p.n_steps, p.n_bars, p.grid().shape
        (16, 1, (2, 16))
        >>> p.with_velocity("kick", 2, 0.5).velocities[0][:4]
        (1.0, 0.0, 0.5, 0.0)
    """

    voices: tuple[str, ...]
    velocities: tuple[tuple[float, ...], ...]
    steps_per_beat: int = 4
    beats_per_bar: int = 4
    name: str = "pattern"

    def __post_init__(self) -> None:
        voices = tuple(str(v) for v in self.voices)
        rows = tuple(tuple(float(x) for x in row) for row in self.velocities)
        object.__setattr__(self, "voices", voices)
        object.__setattr__(self, "velocities", rows)
        where = f"pattern {self.name!r}"
        if not voices:
            raise ConfigError(f"{where}: has no voices")
        if len(set(voices)) != len(voices):
            raise ConfigError(f"{where}: voice names repeat: {list(voices)}")
        if any(not v.strip() for v in voices):
            raise ConfigError(f"{where}: empty voice name in {list(voices)}")
        if len(rows) != len(voices):
            raise ConfigError(f"{where}: {len(voices)} voices but {len(rows)} rows of steps")
        if int(self.steps_per_beat) < 1 or int(self.beats_per_bar) < 1:
            raise ConfigError(f"{where}: steps_per_beat and beats_per_bar must be >= 1, got "
                              f"{self.steps_per_beat} and {self.beats_per_bar}")
        lengths = {len(r) for r in rows}
        if len(lengths) != 1:
            raise ConfigError(f"{where}: rows have different lengths "
                              f"{ {v: len(r) for v, r in zip(voices, rows)} }")
        n = lengths.pop()
        if n == 0 or n % self.steps_per_bar:
            raise ConfigError(f"{where}: {n} steps is not a whole number of bars of "
                              f"{self.steps_per_bar} steps")
        for v, row in zip(voices, rows):
            bad = [x for x in row if not (0.0 <= x <= 1.0) or math.isnan(x)]
            if bad:
                raise ConfigError(f"{where}: voice {v!r} has velocities outside 0..1: {bad[:4]}")

    # ------------------------------------------------------------------ shape
    @property
    def steps_per_bar(self) -> int:
        return int(self.steps_per_beat) * int(self.beats_per_bar)

    @property
    def n_steps(self) -> int:
        return len(self.velocities[0])

    @property
    def n_bars(self) -> int:
        return self.n_steps // self.steps_per_bar

    def grid(self) -> np.ndarray:
        """Velocities as a float32 array ``[voices, steps]``."""
        return np.asarray(self.velocities, np.float32).reshape(len(self.voices), self.n_steps)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_grid(cls, grid: np.ndarray, voices: Sequence[str], **kwargs: Any) -> "Pattern":
        """A pattern from an array ``[voices, steps]`` of velocities."""
        grid = np.asarray(grid, np.float64)
        if grid.ndim != 2:
            raise ConfigError(f"pattern grid must be [voices, steps], got shape {grid.shape}")
        return cls(tuple(voices), tuple(tuple(r) for r in grid.tolist()), **kwargs)

    @classmethod
    def from_strings(cls, rows: Mapping[str, str], **kwargs: Any) -> "Pattern":
        """A pattern from step strings: ``X`` 1.0, ``x`` 0.8, ``o`` 0.6, ``g`` 0.35 (ghost),
        ``.``/``-`` rest; ``|`` and spaces are ignored (bar separators)."""
        parsed = []
        for voice, text in rows.items():
            text = re.sub(r"[|\s]", "", str(text))
            bad = sorted({c for c in text if c not in STEP_CHARS})
            if bad:
                raise ConfigError(f"voice {voice!r}: unknown step characters {bad} in {text!r}; "
                                  f"use {''.join(STEP_CHARS)}")
            parsed.append(tuple(STEP_CHARS[c] for c in text))
        return cls(tuple(rows), tuple(parsed), **kwargs)

    def with_velocity(self, voice: str, step: int, velocity: float) -> "Pattern":
        """A copy with one step changed (adds the voice if it is new)."""
        grid, voices = self.grid(), list(self.voices)
        if voice not in voices:
            voices.append(voice)
            grid = np.concatenate([grid, np.zeros((1, self.n_steps), np.float32)])
        if not 0 <= int(step) < self.n_steps:
            raise ConfigError(f"step {step} is outside the pattern (0..{self.n_steps - 1})")
        grid[voices.index(voice), int(step)] = velocity
        return self._like(grid, voices)

    def select(self, voices: Iterable[str]) -> "Pattern":
        """A copy with only ``voices`` (in that order)."""
        voices = list(voices)
        missing = [v for v in voices if v not in self.voices]
        if missing:
            raise ConfigError(f"pattern {self.name!r} has no voices {missing}; it has {list(self.voices)}")
        grid = self.grid()[[self.voices.index(v) for v in voices]]
        return self._like(grid, voices)

    def tile(self, bars: int) -> "Pattern":
        """The pattern repeated (or cut) to ``bars`` bars."""
        cols = np.arange(int(bars) * self.steps_per_bar) % self.n_steps
        return self._like(self.grid()[:, cols], self.voices)

    def _like(self, grid: np.ndarray, voices: Sequence[str]) -> "Pattern":
        return Pattern.from_grid(grid, voices, steps_per_beat=self.steps_per_beat,
                                 beats_per_bar=self.beats_per_bar, name=self.name)

    def to_strings(self) -> dict[str, str]:
        """Rows as step strings (nearest character); for display."""
        keys = np.array([STEP_CHARS[c] for c in "Xxog."])
        out = {}
        for v, row in zip(self.voices, self.grid()):
            idx = np.argmin(np.abs(row[:, None] - keys[None, :]), axis=1)
            idx[(row > 0) & (keys[idx] == 0)] = 3  # never show a quiet hit as a rest
            chars = np.array(list("Xxog."))[idx]
            bars = ["".join(chars[i:i + self.steps_per_bar])
                    for i in range(0, self.n_steps, self.steps_per_bar)]
            out[v] = "|".join(bars)
        return out

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {"format": "beatlib-pattern", "version": 1, "name": self.name,
                "steps_per_beat": int(self.steps_per_beat), "beats_per_bar": int(self.beats_per_bar),
                "voices": {v: list(r) for v, r in zip(self.voices, self.velocities)}}

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "pattern") -> "Pattern":
        """Parse :meth:`to_dict` output; rows may be lists of velocities or step strings."""
        if not isinstance(d, dict):
            raise ConfigError(f"{source}: a pattern must be a JSON object, got {type(d).__name__}")
        if d.get("format", "beatlib-pattern") != "beatlib-pattern":
            raise ConfigError(f"{source}: format is {d.get('format')!r}, expected 'beatlib-pattern'")
        unknown = set(d) - {"format", "version", "name", "steps_per_beat", "beats_per_bar", "voices"}
        if unknown:
            raise ConfigError(f"{source}: unknown pattern fields {sorted(unknown)}")
        voices = d.get("voices")
        if not isinstance(voices, dict) or not voices:
            raise ConfigError(f"{source}: 'voices' must be an object mapping voice names to steps")
        kwargs = {"name": str(d.get("name", Path(source).stem)),
                  "steps_per_beat": d.get("steps_per_beat", 4), "beats_per_bar": d.get("beats_per_bar", 4)}
        for k in ("steps_per_beat", "beats_per_bar"):
            if not isinstance(kwargs[k], int) or isinstance(kwargs[k], bool):
                raise ConfigError(f"{source}: {k} must be an integer, got {kwargs[k]!r}")
        try:
            if all(isinstance(r, str) for r in voices.values()):
                return cls.from_strings(voices, **kwargs)
            rows = []
            for v, r in voices.items():
                if not isinstance(r, list) or not all(
                        isinstance(x, (int, float)) and not isinstance(x, bool) for x in r):
                    raise ConfigError(f"voice {v!r} must be a list of velocities 0..1 or a step string")
                rows.append(tuple(r))
            return cls(tuple(voices), tuple(rows), **kwargs)
        except ConfigError as e:
            raise ConfigError(f"{source}: {e}") from None


def _preset(name: str, rows: Mapping[str, str]) -> Pattern:
    return Pattern.from_strings(rows, name=name)


#: Named patterns (16 steps per bar, 4/4). "simple-house" is the original Drum Machine's beat.
PRESETS: dict[str, Pattern] = {
    "simple-house": _preset("simple-house", {
        "kick": "X...X...X...X...", "snare": "....X.......X...", "hihat": "..X...X...X...X."}),
    "house": _preset("house", {
        "kick": "X...X...X...X...", "snare": "....x.......x...", "hihat": "o.X.o.X.o.X.o.Xg"}),
    "techno": _preset("techno", {
        "kick": "X...X...X...X...", "snare": "........x.......", "hihat": "g.X.g.X.g.X.g.Xo"}),
    "breakbeat": _preset("breakbeat", {
        "kick": "X.X.......X..x..", "snare": "....X..g.g..X..g", "hihat": "x.x.x.x.x.x.x.x."}),
    "hip-hop": _preset("hip-hop", {
        "kick": "X.......X.x.....", "snare": "....X.......X...", "hihat": "x.o.x.o.x.o.x.og"}),
}


def preset(name: str) -> Pattern:
    """The named preset pattern (see :data:`PRESETS`)."""
    key = name.lower().replace("_", "-").replace(" ", "-")
    key = {"hiphop": "hip-hop", "simplehouse": "simple-house"}.get(key, key)
    if key not in PRESETS:
        raise ConfigError(f"unknown pattern preset {name!r}; choose from {sorted(PRESETS)}")
    return PRESETS[key]


def save_pattern(pattern: Pattern, path: "str | os.PathLike") -> Path:
    """Write ``pattern`` as JSON, atomically."""
    return write_json(path, pattern.to_dict())


def load_pattern(spec: "str | os.PathLike | Pattern") -> Pattern:
    """A preset name, a pattern JSON file, or a MIDI file (see :func:`read_midi`).

    Raises:
        ConfigError: unknown preset, unreadable or invalid file (the message names it).
    """
    if isinstance(spec, Pattern):
        return spec
    path = Path(spec)
    if path.suffix.lower() in (".mid", ".midi"):
        return read_midi(path)
    if path.suffix.lower() != ".json" and not path.exists():
        return preset(str(spec))
    if not path.is_file():
        raise ConfigError(f"{path}: no such pattern file")
    try:
        data = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: not valid JSON ({e})") from None
    return Pattern.from_dict(data, source=str(path))


# ============================================================================ sounds
def detect_onset(y: np.ndarray, *, threshold: float = 0.1, floor: float = 0.01,
                 hold: int = 16) -> int:
    """Index of the first sample of a one-shot's attack.

    The attack is found where the level first reaches ``threshold`` x peak; from there we go
    back to the last sample whose level (held over ``hold`` samples, so zero crossings inside
    the sound do not count) is below ``floor`` x peak. A click preceded by silence gets the
    index of the click itself. Leading silence, DC-free noise and fades below -40 dB of the
    peak are skipped.

    Args:
        y: ``[time]`` or ``[time, channels]``.

    Example:
        >>> y = np.zeros(100, np.float32); y[30:] = np.linspace(1, 0, 70)
        >>> detect_onset(y)
        30
    """
    from scipy.ndimage import maximum_filter1d

    a = np.abs(np.asarray(y, np.float32))
    if a.ndim == 2:
        a = a.max(axis=1)                                  # [T, C] -> [T]
    peak = float(a.max()) if a.size else 0.0
    if peak <= 0.0:
        return 0
    first = int(np.argmax(a >= threshold * peak))
    hold = max(1, int(hold)) | 1                          # odd window
    held = maximum_filter1d(a[:first + 1], size=hold, origin=(hold - 1) // 2, mode="constant")
    quiet = np.nonzero(held < floor * peak)[0]            # trailing max over `hold` samples
    return int(quiet[-1]) + 1 if quiet.size else 0


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

    def __init__(self, sources: Mapping[str, Sequence[Any]], *, sample_rate: int,
                 source_rate: int | None = None, origin: Mapping[str, str] | None = None):
        self.sample_rate = int(sample_rate)
        self.source_rate = source_rate     # the rate of in-memory arrays (None: files)
        self._sources = {str(v): list(s) for v, s in sources.items()}
        self.origin = dict(origin or {v: "arrays" for v in self._sources})
        self._cache: dict[tuple[str, int], Sound] = {}

    @classmethod
    def from_arrays(cls, sounds: Mapping[str, Sequence[np.ndarray]], *, sample_rate: int) -> "Kit":
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

    def at_rate(self, sample_rate: int) -> "Kit":
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
                y, rate = load_audio(src, allow_silent=True)
            else:
                y = validate_audio(np.asarray(src, np.float32), source=self.name(voice, index),
                                   allow_silent=True)
                rate = self.source_rate
            # the onset is found before resampling: a resampler's pre-ringing is not the attack
            onset = int(round(detect_onset(y) * self.sample_rate / rate))
            y = resample(y, orig_sr=rate, target_sr=self.sample_rate)
            self._cache[key] = Sound(self.name(voice, index), y, min(onset, y.shape[0] - 1))
        return self._cache[key]

    def __repr__(self) -> str:
        counts = ", ".join(f"{v}: {self.count(v)}" for v in self.voices)
        return f"Kit({counts}; {self.sample_rate} Hz)"


def voice_files(folder: "str | os.PathLike") -> list[Path]:
    """Audio files of a folder (recursive); if it holds ``batch-NNN`` folders, the files at the top
    of the latest batch (sub-folders of a batch, such as exported ``loops/``, are not clips)."""
    folder = Path(folder)
    batch = latest_batch_dir(folder)
    if batch is None:
        return find_audio_files(folder)
    return sorted(p for p in batch.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in AUDIO_EXTENSIONS)


def load_kit(folder: "str | os.PathLike", *, sample_rate: int = 44100,
             voices: Sequence[str] | None = None) -> Kit:
    """A kit from a folder holding one sub-folder of sounds per voice.

    Works for ``generated_output/wavenet`` (``<instrument>/batch-NNN/*.wav``: the latest batch
    is used) and for the demo kit's ``oneshots/{kick,snare,hihat}``.

    Raises:
        DataError: the folder or a requested voice folder is missing or has no audio.

    Example:
        >>> kit = load_kit("generated_output/wavenet")          # doctest: +SKIP
    """
    folder = Path(folder)
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
        raise DataError(f"{folder}: expected one sub-folder of sounds per voice (e.g. kick/, snare/, "
                        "hihat/), found no audio in any sub-folder")
    return Kit(sources, sample_rate=sample_rate, origin=origin)


def project_kit(project: Any, *, voices: Sequence[str] = ("kick", "snare", "hihat"),
                sample_rate: int = 44100, build_demo_kit: bool = True,
                favourites: bool = True) -> tuple[Kit, dict[str, str]]:
    """The project's sounds per voice: your kept favourites, else the latest generated WaveNet
    one-shots, else the demo kit's.

    Args:
        project: a :class:`beatlib.paths.ProjectPaths` or a project folder.
        build_demo_kit: build the (deterministic, made-from-code) demo kit when it is needed
            and not built yet.
        favourites: use the clips kept with notebook 04's "keep" button
            (``generated_output/keep/<voice>/``) for every voice that has any.

    Returns:
        ``(kit, notes)`` where ``notes[voice]`` says where that voice's sounds come from.
    """
    from beatlib.paths import ProjectPaths

    paths = project if isinstance(project, ProjectPaths) else ProjectPaths(project)
    sources, notes = {}, {}
    demo = paths.demo_kit / "oneshots"
    for v in voices:
        kept = find_audio_files(paths.favourites / v) if favourites and (paths.favourites / v).is_dir() else []
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
        if not (demo / v).is_dir() and build_demo_kit:
            from beatlib.demo_kit import make_demo_kit

            make_demo_kit(paths.demo_kit, seed=0)
        files = voice_files(demo / v) if (demo / v).is_dir() else []
        if not files:
            raise DataError(f"no sounds for {v!r}: nothing generated in {paths.generated_wavenet(v)} "
                            f"and no demo kit one-shots in {demo / v}")
        sources[v] = files
        notes[v] = (f"no generated {v} sounds yet: using {len(files)} demo kit one-shots "
                    f"from {demo / v}")
    return Kit(sources, sample_rate=sample_rate, origin=notes), notes


# ============================================================================ rendering
@dataclasses.dataclass(frozen=True)
class Hit:
    """One placed sound: ``position`` is the output sample where its onset lands."""

    voice: str
    step: int           # step index from the start of the beat
    bar: int
    position: int
    velocity: float
    sample: str
    sample_index: int


@dataclasses.dataclass(frozen=True, eq=False)
class Beat:
    """A rendered beat: ``audio`` ``[time, channels]`` float32 plus what played where."""

    audio: np.ndarray
    sample_rate: int
    pattern: Pattern
    bpm: float
    bars: int
    hits: tuple[Hit, ...]
    settings: dict

    @property
    def bar_length(self) -> int:
        """Samples of the bars themselves (without ring-out)."""
        return beat_length(self.pattern, self.bpm, self.bars, sample_rate=self.sample_rate)

    def manifest(self) -> dict[str, Any]:
        """JSON-ready description: settings, pattern and every hit."""
        return {"sample_rate": self.sample_rate, "bpm": self.bpm, "bars": self.bars,
                "samples": int(self.audio.shape[0]), "bar_samples": self.bar_length,
                "settings": self.settings, "pattern": self.pattern.to_dict(),
                "hits": [dict(dataclasses.asdict(h), time_s=round(h.position / self.sample_rate, 6))
                         for h in self.hits]}


def beat_length(pattern: Pattern, bpm: float, bars: int, *, sample_rate: int) -> int:
    """``round(bars * beats_per_bar * 60 / bpm * sample_rate)``: the length without ring-out."""
    return int(round(bars * pattern.beats_per_bar * 60.0 / float(bpm) * sample_rate))


def step_positions(pattern: Pattern, bpm: float, bars: int, *, sample_rate: int,
                   swing: float = 0.0) -> np.ndarray:
    """Sample position of every step of ``bars`` bars (before humanize), int64 ``[steps]``.

    Step ``s`` is at ``round((s + swing * (s odd)) * step_len)`` with ``step_len =
    sample_rate * 60 / (bpm * steps_per_beat)``: swing delays every second step (the off-beat
    16ths at 4 steps per beat) by ``swing`` steps; on-beat steps never move.
    """
    step_len = sample_rate * 60.0 / (float(bpm) * pattern.steps_per_beat)
    s = np.arange(bars * pattern.steps_per_bar)
    return np.round((s + swing * (s % 2)) * step_len).astype(np.int64)


def samples_needed(pattern: Pattern, bars: int) -> dict[str, int]:
    """Hits per voice in ``bars`` bars: the different samples the "unique" policy needs."""
    grid = pattern.tile(bars).grid()
    return {v: int(np.count_nonzero(row > 0)) for v, row in zip(pattern.voices, grid)}


def fit_policy(pattern: Pattern, kit: Kit, bars: int, policy: str = "unique") -> tuple[str, str]:
    """``policy`` if the kit has enough samples for it, else "round-robin"; and a note why."""
    if policy != "unique":
        return policy, ""
    need = samples_needed(pattern, bars)
    short = {v: (n, kit.count(v)) for v, n in need.items() if n > kit.count(v) and kit.count(v) > 0}
    if not short:
        return "unique", ""
    text = ", ".join(f"{v} needs {n} different samples but has {k}" for v, (n, k) in short.items())
    return "round-robin", f"{text}: using round-robin instead of unique"


def _choose_samples(need: dict[str, int], kit: Kit, policy: str,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    if policy not in POLICIES:
        raise ConfigError(f"unknown sample policy {policy!r}; choose from {list(POLICIES)}")
    absent = [v for v, n in need.items() if n and kit.count(v) == 0]
    if absent:
        raise DataError(f"no sounds for voices {absent}; the kit has {list(kit.voices)} "
                        f"({', '.join(f'{v}: {o}' for v, o in kit.origin.items())})")
    if policy == "unique":
        short = {v: n for v, n in need.items() if n > kit.count(v)}
        if short:
            text = "; ".join(f"{v} needs {n} different samples, {kit.count(v)} exist"
                             f" ({kit.origin.get(v, '')})" for v, n in short.items())
            raise NotEnoughSamplesError(
                f"too few samples for policy 'unique' (no sample twice in a beat): {text}. "
                "Generate more, render fewer bars, or use policy 'round-robin'/'random'.",
                needed=short, available={v: kit.count(v) for v in short})
    out = {}
    for v, n in need.items():
        k = kit.count(v)
        if n == 0:
            out[v] = np.zeros(0, np.int64)
        elif policy == "unique":
            out[v] = rng.choice(k, size=n, replace=False)
        elif policy == "round-robin":
            out[v] = rng.permutation(k)[np.arange(n) % k]
        elif policy == "random":
            out[v] = rng.integers(0, k, size=n)
        else:  # one-per-voice
            out[v] = np.full(n, rng.integers(0, k))
    return out


def _fade(n: int) -> np.ndarray:
    """Raised-cosine fade-out of ``n`` samples, ``[n, 1]``, from 1 to 0 (exclusive)."""
    t = (np.arange(n, dtype=np.float32) + 1.0) / (n + 1.0)
    return (0.5 + 0.5 * np.cos(np.pi * t))[:, None]


def render(pattern: Pattern, sounds: Any, bpm: float, bars: int | None = None, *,
           sample_rate: int = 44100, swing: float = 0.0, humanize: float = 0.0,
           seed: int | None = None, policy: str = "unique", choke: "bool | Iterable[str]" = False,
           tail: str = "ring", channels: int = 2, gain_db: float = -6.0,
           ceiling_db: float = -0.3) -> Beat:
    """Render ``bars`` bars of ``pattern`` with sounds from ``sounds``.

    Every hit is placed so that its sound's detected onset (:func:`detect_onset`) lands on the
    hit's sample (:func:`step_positions`, then humanize). Hits are mixed at ``velocity *
    10**(gain_db/20)`` (headroom) and the mix goes through :func:`limit`, so no sample exceeds
    ``ceiling_db`` (below full scale) however many loud hits coincide.

    Length: ``L = round(bars * beats_per_bar * 60 / bpm * sample_rate)`` samples
    (:func:`beat_length`), plus, with ``tail="ring"`` (default), the ring-out: the output
    ends where the last sound ends, ``max(L, max over hits of position - onset + len(sound))``.
    With ``tail="cut"`` the output is exactly ``L`` (the end fades out over 3 ms); with
    ``tail="wrap"`` it is exactly ``L`` and sounds ringing past the end are added to the
    start (a seamless loop).

    Args:
        pattern: the :class:`Pattern` (repeated if shorter than ``bars``).
        sounds: a :class:`Kit`, a folder for :func:`load_kit`, or ``{voice: [arrays]}`` at
            ``sample_rate``.
        bpm: tempo in beats per minute. bars: bars to render (default: the pattern's).
        sample_rate: output rate; sounds are resampled to it.
        swing: delay of every second step, in steps, 0 (straight) .. 0.5; 1/3 is a triplet
            shuffle at 4 steps per beat. Needs an even ``steps_per_beat``.
        humanize: 0..1; each hit moves by up to ``humanize * 10 ms`` either way and its
            velocity is scaled by a factor in ``[1 - 0.3 * humanize, 1]``.
        seed: seeds sample choice and humanize (None: a fresh seed, kept in ``settings``).
        policy: "unique" (no sample twice in the beat, as in the original), "round-robin"
            (every sample once before any repeats), "random" (with repeats) or
            "one-per-voice" (one sound per voice for the whole beat).
        choke: True (all voices) or voice names: cut those hits one step after their onset,
            with a 3 ms fade (no clicks). Default False: hits ring to their natural end.
        tail: "ring", "cut" or "wrap" (see above). channels: output channels.
        gain_db: mix gain (headroom). ceiling_db: the limiter's ceiling in dBFS (< 0).

    Raises:
        NotEnoughSamplesError: policy "unique" and a voice has too few samples (the message
            says how many are needed and how many exist).
        DataError: a voice of the pattern has no sounds. ConfigError: a bad setting.

    Example:
        >>> kit = Kit.from_arrays({"kick": [np.hanning(200)] * 4, "snare": [np.hanning(100)] * 2,
        ...                        "hihat": [np.hanning(50)] * 4}, sample_rate=8000)
        >>> b = render(preset("simple-house"), kit, bpm=120, bars=1, sample_rate=8000)
        >>> b.audio.shape[0] == beat_length(b.pattern, 120, 1, sample_rate=8000)
        True
    """
    if isinstance(pattern, str):
        pattern = load_pattern(pattern)
    bars = pattern.n_bars if bars is None else bars
    if not isinstance(bars, (int, np.integer)) or bars < 1:
        raise ConfigError(f"bars must be a whole number >= 1, got {bars!r}")
    bars = int(bars)
    if not (isinstance(bpm, (int, float, np.number)) and 20 <= float(bpm) <= 400):
        raise ConfigError(f"bpm must be between 20 and 400, got {bpm!r}")
    if not isinstance(sample_rate, (int, np.integer)) or not 1000 <= sample_rate <= 384000:
        raise ConfigError(f"sample_rate must be an integer in 1000..384000 Hz, got {sample_rate!r}")
    if not 0.0 <= swing <= 0.5:
        raise ConfigError(f"swing must be between 0 and 0.5 (a fraction of a step), got {swing!r}")
    if swing and pattern.steps_per_beat % 2:
        raise ConfigError(f"swing needs an even number of steps per beat, pattern {pattern.name!r} "
                          f"has {pattern.steps_per_beat}")
    if not 0.0 <= humanize <= 1.0:
        raise ConfigError(f"humanize must be between 0 and 1, got {humanize!r}")
    if tail not in TAILS:
        raise ConfigError(f"tail must be one of {list(TAILS)}, got {tail!r}")
    if ceiling_db >= 0:
        raise ConfigError(f"ceiling_db must be below 0 dBFS, got {ceiling_db}")
    if channels not in (1, 2):
        raise ConfigError(f"channels must be 1 or 2, got {channels!r}")
    kit = _as_kit(sounds, sample_rate)
    chokes = set(pattern.voices) if choke is True else set(choke or ())
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**31)
    rng = np.random.default_rng(seed)

    # --- schedule: which steps sound, where, how loud --------------------------------
    n_steps = bars * pattern.steps_per_bar
    grid = pattern.grid()[:, np.arange(n_steps) % pattern.n_steps]     # [V, S] -> [V, bars*spb]
    steps = step_positions(pattern, bpm, bars, sample_rate=sample_rate, swing=swing)  # [bars*spb]
    v_idx, s_idx = np.nonzero(grid > 0)                                 # hits, voice-major
    velocity = grid[v_idx, s_idx].astype(np.float64)
    need = {v: int(np.count_nonzero(v_idx == i)) for i, v in enumerate(pattern.voices)}
    choice = _choose_samples(need, kit, policy, rng)
    jitter = np.round(rng.uniform(-1, 1, v_idx.size) * humanize * HUMANIZE_MAX_MS * sample_rate / 1000)
    velocity = velocity * (1.0 - humanize * HUMANIZE_MAX_VELOCITY * rng.uniform(0, 1, v_idx.size))
    position = np.maximum(steps[s_idx] + jitter.astype(np.int64), 0)
    step_len = int(round(sample_rate * 60.0 / (float(bpm) * pattern.steps_per_beat)))
    fade = max(1, int(round(FADE_MS * sample_rate / 1000)))

    hits, placed = [], []
    counters = dict.fromkeys(pattern.voices, 0)
    for h in range(v_idx.size):                    # one iteration per hit, not per sample
        voice = pattern.voices[v_idx[h]]
        k = int(choice[voice][counters[voice]])
        counters[voice] += 1
        snd = kit.sound(voice, k)
        y = to_channels(snd.audio, channels)                            # [T, C]
        if voice in chokes and y.shape[0] > snd.onset + step_len:
            y = y[:snd.onset + step_len].copy()                          # ring one step only
            f = min(fade, y.shape[0])
            y[-f:] *= _fade(f)
        hits.append(Hit(voice, int(s_idx[h]), int(s_idx[h]) // pattern.steps_per_bar,
                        int(position[h]), round(float(velocity[h]), 6), snd.name, k))
        placed.append((int(position[h]) - snd.onset, y, float(velocity[h])))

    hits.sort(key=lambda h: (h.step, pattern.voices.index(h.voice)))     # manifest in time order

    # --- mix: a pre-roll holds the parts of sounds before their onset ------------------
    length = beat_length(pattern, bpm, bars, sample_rate=sample_rate)
    pre = max([max(0, -start) for start, _, _ in placed], default=0)
    end = max([start + y.shape[0] for start, y, _ in placed], default=0)
    buf = np.zeros((pre + max(length, end), channels), np.float32)    # [pre + T, C]
    for start, y, vel in placed:
        buf[pre + start:pre + start + y.shape[0]] += y * np.float32(vel)
    out = buf[pre:]
    if tail == "cut":
        out = out[:length].copy()
        f = min(fade, length)
        out[-f:] *= _fade(f)
    elif tail == "wrap":
        out = _wrap(out, length)
        if pre:
            out[length - pre:] += buf[:pre]                              # lead-ins wrap to the end
    out = out * np.float32(10 ** (gain_db / 20))
    out = limit(out, sample_rate=sample_rate, ceiling_db=ceiling_db)
    settings = {"swing": swing, "humanize": humanize, "seed": seed, "policy": policy,
                "choke": sorted(chokes), "tail": tail, "gain_db": gain_db, "ceiling_db": ceiling_db,
                "channels": channels, "sources": dict(kit.origin)}
    return Beat(out, int(sample_rate), pattern, float(bpm), bars, tuple(hits), settings)


def _wrap(y: np.ndarray, length: int) -> np.ndarray:
    """Fold ``y`` ``[T, C]`` onto ``length`` samples (everything after the end added to the start)."""
    n = -(-y.shape[0] // length)                                      # ceil
    padded = np.zeros((n * length, y.shape[1]), np.float32)
    padded[:y.shape[0]] = y
    return padded.reshape(n, length, y.shape[1]).sum(axis=0)          # [n*L, C] -> [L, C]


def _as_kit(sounds: Any, sample_rate: int) -> Kit:
    if isinstance(sounds, Kit):
        return sounds.at_rate(sample_rate)
    if isinstance(sounds, (str, os.PathLike)):
        return load_kit(sounds, sample_rate=sample_rate)
    if isinstance(sounds, Mapping):
        return Kit.from_arrays(sounds, sample_rate=sample_rate)
    raise ConfigError(f"sounds must be a Kit, a folder or a mapping of voice -> arrays, "
                      f"got {type(sounds).__name__}")


def limit(y: np.ndarray, *, sample_rate: int, ceiling_db: float = -0.3,
          lookahead_ms: float = 2.0, release_ms: float = 80.0) -> np.ndarray:
    """A transparent look-ahead peak limiter: the result never exceeds the ceiling.

    Gain needed per sample ``g = min(1, ceiling / |y|)`` (over channels); a sliding minimum
    over ``±lookahead`` makes every peak reached early; a peak hold with exponential release
    (``release_ms`` time constant, computed in closed form, no per-sample loop) lets the gain
    recover smoothly; a moving average over the same ``±lookahead`` turns the attack into a
    ramp. Each averaged value only mixes gains that are already <= the need of the sample, so
    the smooth gain is still <= ``g`` everywhere. Audio below the ceiling is returned
    unchanged (gain exactly 1).

    Example:
        >>> y = np.zeros((1000, 1), np.float32); y[500] = 4.0; y[100] = 0.5
        >>> z = limit(y, sample_rate=8000, ceiling_db=-1.0)
        >>> float(abs(z).max()) <= 10 ** (-1 / 20), float(z[100, 0])
        (True, 0.5)
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    y = np.asarray(y, np.float32)
    ceiling = 10 ** (ceiling_db / 20)
    level = np.abs(y).max(axis=1) if y.ndim == 2 else np.abs(y)         # [T, C] -> [T]
    if y.size == 0 or float(level.max()) <= ceiling:
        return y
    need = np.minimum(1.0, ceiling / np.maximum(level.astype(np.float64), 1e-12))
    r = max(1, int(round(lookahead_ms * sample_rate / 1000)))
    held = minimum_filter1d(need, size=2 * r + 1, mode="nearest")        # reach peaks early
    # peak hold with exponential release of the attenuation a = 1 - gain:
    #   rel[n] = max_k<=n a[k] * lam**(n-k), done in the log domain with a cumulative max.
    atten = 1.0 - held
    log_lam = -1.0 / max(release_ms * sample_rate / 1000, 1.0)
    n = np.arange(atten.size, dtype=np.float64)
    with np.errstate(divide="ignore"):
        rel = np.exp(np.maximum.accumulate(np.log(atten) - n * log_lam) + n * log_lam)
    gain = uniform_filter1d(1.0 - np.maximum(rel, atten), size=2 * r + 1, mode="nearest")
    gain = np.minimum(gain, need)                                        # guard rounding
    out = y * gain.astype(np.float32).reshape(-1, *([1] * (y.ndim - 1)))
    return np.clip(out, -ceiling, ceiling)


# ============================================================================ arrangement
@dataclasses.dataclass(frozen=True, eq=False)
class Arrangement:
    """A loop built from generated bars: ``audio`` ``[time, channels]`` and where each letter came from."""

    audio: np.ndarray
    sample_rate: int
    structure: str
    bar_length: float
    sources: dict
    bpm: float | None = None

    def manifest(self) -> dict[str, Any]:
        return {"structure": self.structure, "sample_rate": self.sample_rate, "bpm": self.bpm,
                "bar_samples": self.bar_length, "samples": int(self.audio.shape[0]),
                "bars": self.sources}


def arrange(bars: Sequence[np.ndarray], structure: str = "AABB", *, sample_rate: int,
            crossfade_ms: float = 10.0, bar_length: float | None = None, loop: bool = True) -> np.ndarray:
    """Stack generated bars into a loop following ``structure``: letter A is ``bars[0]``, B
    ``bars[1]``, ... (AAAA, AAAB, AABB, ABAB, or any string of letters).

    Bar ``k`` starts at exactly ``round(k * bar_length)`` (a fractional bar length never
    drifts) and the result is ``round(len(structure) * bar_length)`` samples. Where a bar
    follows a *different* bar, the last ``crossfade_ms`` before the join fade (equal power)
    from the outgoing bar's end into the incoming bar's own end, so the incoming bar starts
    from the point its own loop would wrap from: no click at the join, and its downbeat is
    untouched. A bar followed by itself is a plain repeat (AAAA is exactly the bar four
    times). With ``loop=True`` the end of the loop gets the same treatment towards its first
    bar, so the loop repeats seamlessly.

    Args:
        bars: distinct generated bars, ``[time]`` or ``[time, channels]``, at ``sample_rate``.
        bar_length: samples per bar, may be fractional (default: the shortest bar); longer
            bars are cut to it.

    Raises:
        DataError: fewer bars than the letters need, or two letters given the same audio.
        ConfigError: a bad structure, crossfade or bar length.

    Example:
        >>> a, b = np.ones(100, np.float32), -np.ones(100, np.float32)
        >>> y = arrange([a, b], "AABB", sample_rate=1000, crossfade_ms=10)
        >>> y.shape, float(y[0, 0]), float(y[250, 0])
        ((400, 1), 1.0, -1.0)
    """
    structure = str(structure).upper()
    if not structure or not structure.isalpha() or not structure.isascii():
        raise ConfigError(f"structure must be letters such as AABB, got {structure!r}")
    seq = [ord(c) - ord("A") for c in structure]
    used = max(seq) + 1
    if len(bars) < used:
        raise DataError(f"structure {structure} needs {used} distinct bars, got {len(bars)}")
    clips = [validate_audio(np.asarray(b, np.float32), source=f"bar {chr(65 + i)}", allow_silent=True)
             for i, b in enumerate(bars[:used])]
    ch = max(c.shape[1] for c in clips)
    clips = [to_channels(c, ch) for c in clips]
    for i in range(used):
        for j in range(i + 1, used):
            if clips[i].shape == clips[j].shape and np.array_equal(clips[i], clips[j]):
                raise DataError(f"bars {chr(65 + i)} and {chr(65 + j)} are the same audio; "
                                "the structure needs distinct bars")
    shortest = min(c.shape[0] for c in clips)
    seg = float(shortest if bar_length is None else bar_length)
    if not 1 <= seg <= shortest:
        raise ConfigError(f"bar_length {bar_length} must be between 1 and the shortest bar ({shortest} samples)")
    w = int(round(crossfade_ms * sample_rate / 1000))
    if not 0 <= w < int(seg):
        raise ConfigError(f"crossfade_ms={crossfade_ms} is {w} samples, must be >= 0 and "
                          f"shorter than a bar ({int(seg)} samples)")
    n = len(seq)
    starts = np.round(np.arange(n + 1) * seg).astype(np.int64)        # [n + 1] bar starts
    out = np.zeros((int(starts[-1]), ch), np.float32)                  # [n * bar, C]
    for k, letter in enumerate(seq):
        m = int(starts[k + 1] - starts[k])
        out[starts[k]:starts[k + 1]] = clips[letter][:m]
    t = (np.arange(w, dtype=np.float32) + 0.5) / max(w, 1)
    fade_in = np.sin(0.5 * np.pi * t)[:, None]                         # equal power, [w, 1]
    fade_out = np.cos(0.5 * np.pi * t)[:, None]
    for k in range(1, n + 1 if loop else n):
        prev, nxt = seq[k - 1], seq[k % n]
        if w and prev != nxt:
            m = int(starts[k] - starts[k - 1])                           # the outgoing slot's length
            out[starts[k] - w:starts[k]] = clips[prev][m - w:m] * fade_out + clips[nxt][m - w:m] * fade_in
    return out


def load_bars(folder: "str | os.PathLike", *, sample_rate: int | None = None,
              channels: int | None = None) -> tuple[list[Path], list[np.ndarray], int]:
    """Generated bars from a folder: the top-level clips of its latest ``batch-NNN`` if it has
    batches (a batch's ``loops/`` exports are not clips), else every audio file in it.

    Returns:
        ``(files, bars, sample_rate)``; bars keep the first file's rate unless ``sample_rate``
        is given.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: loops folder not found")
    files = voice_files(folder)
    if not files:
        raise DataError(f"{folder}: no generated bars (audio files) found")
    bars, rate = [], sample_rate
    for f in files:
        y, sr = load_audio(f, sample_rate=rate, channels=channels, allow_silent=True)
        rate = rate or sr
        bars.append(y)
    return files, bars, int(rate)


def arrange_folder(folder: "str | os.PathLike", structure: str = "AABB", *, seed: int | None = 0,
                   sample_rate: int = 44100, crossfade_ms: float = 10.0, bpm: float | None = None,
                   beats: int | None = None) -> Arrangement:
    """Pick distinct random generated bars from ``folder`` (see :func:`load_bars`) and
    :func:`arrange` them, at the clips' own rate, then resample the loop to ``sample_rate``.

    Each letter is one clip cut to a whole number of beats at ``bpm`` (``beats``; default as
    many as fit), so the loop keeps the tempo. ``bpm`` defaults to the batch manifest's
    ``bpm``; without one the whole clip is one unit. Note: BeatGAN's 16384-sample clips at
    14.7 kHz hold 2 beats at 124-125 bpm (half a 4/4 bar, although the original calls them
    bars); "AABB" then stacks 4 such units.

    Example:
        >>> arr = arrange_folder("generated_output/wavegan", "ABAB", seed=1)     # doctest: +SKIP
        >>> arr.sources                                                  # doctest: +SKIP
        {'A': '.../batch-002/0031.wav', 'B': '.../batch-002/0007.wav'}
    """
    folder = Path(folder)
    files, bars, rate = load_bars(folder, channels=2)
    structure = str(structure).upper()
    letters = sorted(set(structure))
    if not structure.isalpha() or not structure.isascii():
        raise ConfigError(f"structure must be letters such as AABB, got {structure!r}")
    audible = [i for i, b in enumerate(bars) if float(np.abs(b).max()) >= SILENCE_PEAK]
    if len(audible) < len(letters):
        raise DataError(f"{folder}: structure {structure} needs {len(letters)} distinct bars, found "
                        f"{len(files)} clips of which {len(audible)} are not silent")
    files, bars = [files[i] for i in audible], [bars[i] for i in audible]
    if bpm is None:
        batch = latest_batch_dir(folder) or folder
        try:
            bpm = read_json(batch / "manifest.json").get("bpm") if (batch / "manifest.json").exists() else None
        except (ValueError, AttributeError):
            bpm = None
    seg = None
    if bpm:
        shortest = min(b.shape[0] for b in bars)
        fit = int(np.floor(shortest * float(bpm) / (60.0 * rate) + 1e-9))
        n_beats = fit if beats is None else int(beats)
        if not 1 <= n_beats <= fit:
            raise ConfigError(f"{folder}: clips of {shortest} samples at {rate} Hz hold {fit} whole beats "
                              f"at {bpm} bpm; cannot use {n_beats}")
        seg = n_beats * 60.0 * rate / float(bpm)
    pick = np.random.default_rng(seed).choice(len(bars), size=len(letters), replace=False)
    chosen = {c: int(i) for c, i in zip(letters, pick)}
    remap = {c: chr(65 + i) for i, c in enumerate(letters)}           # e.g. "AACC" -> "AABB"
    audio = arrange([bars[chosen[c]] for c in letters], "".join(remap[c] for c in structure),
                    sample_rate=rate, crossfade_ms=crossfade_ms, bar_length=seg)
    seg = float(seg or min(b.shape[0] for b in bars))
    if sample_rate and sample_rate != rate:
        audio = resample(audio, orig_sr=rate, target_sr=sample_rate)
        seg *= sample_rate / rate
        rate = sample_rate
    return Arrangement(audio, int(rate), structure, seg, {c: str(files[i]) for c, i in chosen.items()},
                       None if not bpm else float(bpm))


# ============================================================================ MIDI
def _voice_notes(voices: Sequence[str]) -> dict[str, int]:
    notes, used = {}, set()
    for v in voices:
        n = GM_DRUM_NOTES.get(v.lower())
        if n is None or n in used:
            n = next(x for x in _SPARE_NOTES if x not in used)
        notes[v] = n
        used.add(n)
    return notes


def write_midi(pattern: Pattern, path: "str | os.PathLike", *, bpm: float, bars: int | None = None,
               ticks_per_beat: int = 480) -> Path:
    """Write ``bars`` bars of ``pattern`` as a standard MIDI file (type 1), atomically.

    Notes are General MIDI drum notes on channel 10 (kick 36, snare 38, hihat 42, ...; voices
    without a GM name get spare notes), on the straight grid (swing and humanize are for the
    audio only; a DAW applies its own groove), each one step long, velocity ``round(v*127)``.
    Tempo and time signature are written, plus a text event that lets :func:`read_midi`
    restore the voice names and grid exactly.

    Example:
        >>> write_midi(preset("house"), "/tmp/house.mid", bpm=124)      # doctest: +SKIP
    """
    import mido

    bars = pattern.n_bars if bars is None else int(bars)
    if ticks_per_beat % pattern.steps_per_beat:
        ticks_per_beat = pattern.steps_per_beat * 120
    tps = ticks_per_beat // pattern.steps_per_beat
    grid = pattern.tile(bars).grid()                                  # [V, bars*spb]
    notes = _voice_notes(pattern.voices)
    meta = {"name": pattern.name, "steps_per_beat": pattern.steps_per_beat,
            "beats_per_bar": pattern.beats_per_bar, "steps": grid.shape[1], "voices": notes}
    events = []                                                        # (tick, order, message)
    for (vi, si) in zip(*np.nonzero(grid > 0)):
        note = notes[pattern.voices[vi]]
        vel = int(min(127, max(1, round(float(grid[vi, si]) * 127))))
        events.append((int(si) * tps, 1, mido.Message("note_on", channel=9, note=note, velocity=vel)))
        events.append((int(si + 1) * tps, 0, mido.Message("note_off", channel=9, note=note, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=pattern.name, time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=pattern.beats_per_bar, denominator=4, time=0))
    track.append(mido.MetaMessage("text", text=_MIDI_META_PREFIX + json.dumps(meta), time=0))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    end = grid.shape[1] * tps
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    mid.tracks.append(track)
    with atomic_path(path) as tmp:
        mid.save(str(tmp))
    return Path(path)


def read_midi(path: "str | os.PathLike", *, steps_per_beat: int = 4) -> Pattern:
    """Read a drum pattern from a MIDI file (channel 10 notes, snapped to the grid).

    Files written by :func:`write_midi` come back as the same pattern (velocities to within
    1/254). Other files: GM notes become voice names, the grid is ``steps_per_beat`` per beat,
    the time signature sets the bar, and the length is rounded up to whole bars.

    Raises:
        ConfigError: the file is missing, not MIDI, or holds no drum notes.
    """
    import mido

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such MIDI file")
    try:
        mid = mido.MidiFile(str(path))
    except Exception as e:  # noqa: BLE001 - mido raises several types for bad files
        raise ConfigError(f"{path}: not a readable MIDI file ({e})") from None
    meta, beats_per_bar, tick, notes, end = None, 4, 0, [], 0
    for msg in mido.merge_tracks(mid.tracks):
        tick += msg.time
        end = max(end, tick)
        if msg.type == "text" and msg.text.startswith(_MIDI_META_PREFIX):
            try:
                meta = json.loads(msg.text[len(_MIDI_META_PREFIX):])
                meta = {"name": str(meta["name"]), "steps_per_beat": int(meta["steps_per_beat"]),
                        "beats_per_bar": int(meta["beats_per_bar"]), "steps": int(meta["steps"]),
                        "voices": {str(v): int(n) for v, n in dict(meta["voices"]).items()}}
            except (ValueError, KeyError, TypeError):
                meta = None  # not ours after all: read it like any MIDI file
        elif msg.type == "time_signature":
            beats_per_bar = msg.numerator
        elif msg.type == "note_on" and msg.velocity > 0 and msg.channel == 9:
            notes.append((tick, msg.note, msg.velocity))
    if not notes:
        raise ConfigError(f"{path}: no drum notes (note-on events on MIDI channel 10)")
    if meta:
        spb, beats_per_bar, name = int(meta["steps_per_beat"]), int(meta["beats_per_bar"]), meta["name"]
        note_voice = {int(n): v for v, n in meta["voices"].items()}
        voices = list(meta["voices"])
    else:
        spb, name = steps_per_beat, path.stem
        note_voice, voices = {}, []
        for _, n, _ in sorted(notes, key=lambda e: e[1]):
            v = GM_NOTE_VOICES.get(n, f"note-{n}")
            if n not in note_voice:
                if v in voices:
                    v = f"{v}-{n}"
                note_voice[n] = v
                voices.append(v)
    tps = mid.ticks_per_beat / spb
    steps_per_bar = spb * beats_per_bar
    last = max(int(round(t / tps)) for t, _, _ in notes) + 1
    n_steps = int(meta["steps"]) if meta else -(-max(last, int(round(end / tps))) // steps_per_bar) * steps_per_bar
    grid = np.zeros((len(voices), max(n_steps, last)), np.float64)
    for t, n, vel in notes:
        if n in note_voice:
            grid[voices.index(note_voice[n]), int(round(t / tps))] = vel / 127.0
    if grid.shape[1] % steps_per_bar:
        grid = np.pad(grid, [(0, 0), (0, steps_per_bar - grid.shape[1] % steps_per_bar)])
    return Pattern.from_grid(grid, voices, steps_per_beat=spb, beats_per_bar=beats_per_bar, name=name)


# ============================================================================ export
def save_beat(beat: Beat, path: "str | os.PathLike", *, bits: int = 16, midi: "str | os.PathLike | None" = None,
              manifest: "str | os.PathLike | bool" = True) -> dict[str, Path]:
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


def save_arrangement(arr: Arrangement, path: "str | os.PathLike", *, bits: int = 16) -> dict[str, Path]:
    """Write an :class:`Arrangement` as WAV plus a ``.json`` manifest of its bars."""
    subtype = {16: "PCM_16", 24: "PCM_24"}.get(int(bits))
    if subtype is None:
        raise ConfigError(f"bits must be 16 or 24, got {bits!r}")
    path = Path(path)
    wav = save_audio(path, arr.audio, sample_rate=arr.sample_rate, subtype=subtype)
    return {"wav": wav, "manifest": write_json(path.with_suffix(".json"), arr.manifest())}


def free_path(folder: "str | os.PathLike", stem: str, suffix: str = ".wav") -> Path:
    """``folder/stem-NNN.suffix`` with the first number not taken (never overwrites)."""
    folder = Path(folder)
    i = 1
    while (folder / f"{stem}-{i:03d}{suffix}").exists():
        i += 1
    return folder / f"{stem}-{i:03d}{suffix}"


__all__ = [
    "Arrangement", "Beat", "Hit", "Kit", "NotEnoughSamplesError", "POLICIES", "PRESETS", "Pattern",
    "STRUCTURES", "Sound", "arrange", "arrange_folder", "beat_length", "detect_onset", "fit_policy",
    "limit", "load_bars", "load_kit", "load_pattern", "preset", "project_kit", "read_midi", "render",
    "samples_needed", "save_arrangement", "save_beat", "save_pattern", "step_positions", "voice_files",
    "write_midi", "free_path",
]
